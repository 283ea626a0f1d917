#!/usr/bin/env bash
# test_cuda_plugin.sh - a CUDA plug-in through the guarded device staging: cuda_rows
# (plugins/examples/cuda_rows.cu) beside fused on the committed corpora, and spidx_repro
# on one case. Skipped (77) without a device unless SPIDX_REQUIRE_GPU=1. Run: ctest -L gpu.
# Usage: test_cuda_plugin.sh ROOT cuda_rows.so fuzz_diff_replay spidx_repro
set -u
root=$1 plugin=$2 replay=$3 repro=$4
corpora=$(grep -E '^[a-z]' "$root/corpus/committed.txt" | sed "s|^|$root/corpus/|")
# shellcheck disable=SC2086
out=$(SPIDX_PLUGINS=$plugin SPIDX_IMPLS=ref,fused,cuda_rows "$replay" $corpora 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "is unavailable here" <<<"$out" && [ "${SPIDX_REQUIRE_GPU:-}" != 1 ]; then
  echo "skipped: no CUDA device ($(grep -m1 'is unavailable here' <<<"$out"))"
  exit 77
fi
tail -1 <<<"$out"
[ $rc -eq 0 ] && grep -q "on ref, fused, cuda_rows (not applicable: cuda_rows [0-9]* inputs): all passed" <<<"$out" ||
  { echo "FAIL: replay with cuda_rows: exit $rc"; tail -20 <<<"$out"; exit 1; }
out=$(SPIDX_PLUGINS=$plugin "$repro" --impls ref,cuda_rows "$root/corpus/seed/padded_permuted_keep_bf16.case" 2>&1) ||
  { echo "FAIL: spidx_repro with cuda_rows"; tail -10 <<<"$out"; exit 1; }
grep -q "cuda_rows .*agrees with ref" <<<"$out" || { echo "FAIL: cuda_rows does not agree"; exit 1; }
echo "ok   cuda_rows agrees with ref on the committed corpora and through spidx_repro"
