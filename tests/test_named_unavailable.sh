#!/usr/bin/env bash
# test_named_unavailable.sh - no program passes while comparing less than it was asked to:
# with the GPU made unavailable (SPIDX_GPU_DISABLE=1), every program of spidx that is
# given SPIDX_IMPLS=ref,fused exits 2 and says why, and an implicit selection says in its
# last line that only the reference ran. Run: ctest -R test_named_unavailable.
# Usage: test_named_unavailable.sh ROOT fuzz_diff_replay spidx_repro spidx_compare test_regions
#        test_gpu_errors [spidx_bench|-] [fuzz_diff|-]
set -u
root=$1 replay=$2 repro=$3 compare=$4 unit=$5 gpu_test=$6 bench=${7:--} fuzzer=${8:--}
. "$(dirname "$0")/test_helpers.sh" # expect, failed
export SPIDX_GPU_DISABLE=1
# Built-in implementations only: a plug-in loaded from outside (a gate run for one) would
# change what an implicit selection compares.
unset SPIDX_PLUGINS
case=$root/corpus/seed/sk_zero.case
named() { env SPIDX_IMPLS=ref,fused "$@"; }
expect 2 "SPIDX_IMPLS names" "fuzz_diff_replay, named" named "$replay" "$case"
expect 2 "SPIDX_IMPLS names" "spidx_repro, named" named "$repro" "$case"
expect 2 "SPIDX_IMPLS names" "spidx_repro --impls" env -u SPIDX_IMPLS "$repro" --impls ref,baseline "$case"
expect 2 "SPIDX_IMPLS names" "spidx_compare, named" named "$compare"
expect 2 "SPIDX_IMPLS names" "a unit test, named" named "$unit"
expect 2 "SPIDX_IMPLS names" "a GPU test, named" named "$gpu_test"
[ "$bench" = - ] || expect 2 "SPIDX_IMPLS names" "spidx_bench, named" named "$bench" --validate-only
[ "$bench" = - ] || expect 77 "names host implementations only (ref)" "spidx_bench, host implementations named: skipped" \
  env SPIDX_IMPLS=ref "$bench" --validate-only
[ "$fuzzer" = - ] || expect 2 "SPIDX_IMPLS names" "fuzz_diff (libFuzzer), named" named "$fuzzer" -runs=1 "$case"
# Implicit selection may skip, and says what it compared.
expect 0 "on ref (reference only: no differential comparison): all passed" "fuzz_diff_replay, implicit" \
  env -u SPIDX_IMPLS -u SPIDX_REQUIRE_GPU "$replay" "$case"
expect 0 "cases on ref (reference only: no differential comparison)" "spidx_compare, implicit" \
  env -u SPIDX_IMPLS -u SPIDX_REQUIRE_GPU "$compare"
expect 77 "SKIPPED" "a GPU test, implicit" env -u SPIDX_IMPLS -u SPIDX_REQUIRE_GPU "$gpu_test"
if [ $failed = 0 ]; then echo "all programs refuse a named implementation that cannot run"; fi
exit $failed
