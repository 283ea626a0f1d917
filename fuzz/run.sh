#!/usr/bin/env bash
# fuzz/run.sh - the main job: installs what is missing, builds spidx (`ci` preset), and
# runs every available implementation over the hand-written cases (the built-in table,
# then corpus/seed and corpus/regress), comparing each with the reference bit for bit.
# Exit 0 when all agree, non-zero on a mismatch.
# Usage: bash fuzz/run.sh [-v] [CASE...]   (SPIDX_IMPLS=ref,fused narrows the set)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
build/ci/fuzz/spidx_compare "$@"
build/ci/fuzz/fuzz_diff_replay corpus/seed corpus/regress 2>&1 | grep -vE '^replay: '
