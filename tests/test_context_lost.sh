#!/usr/bin/env bash
# test_context_lost.sh - a replay under --keep-going stops at the input whose failure lost
# the process's CUDA context (broken_cuda_trap.so traps in every call) and lists the inputs
# left as not run, instead of blaming them on the next implementation to touch the GPU.
# Skipped (77) without a device unless SPIDX_REQUIRE_GPU=1. Run: ctest -L gpu.
# Usage: test_context_lost.sh ROOT broken_cuda_trap.so fuzz_diff_replay
set -u
root=$1 plugin=$2 replay=$3
first=$root/corpus/seed/heavy_duplicates.case second=$root/corpus/seed/many_rows.case
out=$(SPIDX_PLUGINS=$plugin SPIDX_IMPLS=ref,cuda_trap "$replay" --keep-going "$first" "$second" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "is unavailable here" <<<"$out" && [ "${SPIDX_REQUIRE_GPU:-}" != 1 ]; then
  echo "skipped: no CUDA device ($(grep -m1 'is unavailable here' <<<"$out"))"
  exit 77
fi
tail -1 <<<"$out"
fail() { echo "FAIL: $1 (exit $rc)"; tail -15 <<<"$out"; exit 1; }
[ $rc -eq 1 ] || fail "the replay should exit 1"
grep -q "replay: FAILED $first" <<<"$out" || fail "the trapping input is not reported as failed"
grep -q "replay: NOT RUN $second (the CUDA context is lost)" <<<"$out" || fail "the input after the trap is not listed as not run"
grep -q "^replayed 1 inputs on ref, cuda_trap: 1 failed; 1 not run: the CUDA context was lost in $first: " <<<"$out" ||
  fail "the last line does not count 1 failed and 1 not run, naming the input that lost the context"
echo "ok   the replay stops after the context is lost and lists the input left as not run"
