#!/usr/bin/env bash
# fuzz/run.sh - the main job: installs what is missing, builds spidx (`ci` preset), and
# runs every available implementation over the hand-written cases, comparing each
# with the reference bit for bit. Exit 0 when all agree, 1 on a mismatch.
# Usage: bash fuzz/run.sh [-v] [CASE...]   (SPIDX_IMPLS=ref,fused narrows the set)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec build/ci/fuzz/spidx_compare "$@"
