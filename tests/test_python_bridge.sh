#!/usr/bin/env bash
# test_python_bridge.sh - the Python bridge (plugins/python) on the host: a numpy
# implementation (plugins/python/examples/numpy_rows.py) passes the committed corpora
# through the replay and spidx_repro; a function that raises fails the replay with its
# traceback; a bad SPIDX_PY_IMPL is refused with the reason. With libFuzzer's fuzz_diff:
# two failing implementations under one SPIDX_FUZZ_SEEN_DIR each keep their own signature
# and case, and the campaign's triage reports both. Run: ctest -R test_python_bridge.
# Usage: test_python_bridge.sh ROOT spidx_python.so PYTHON fuzz_diff_replay spidx_repro [fuzz_diff|-]
set -u
root=$1 bridge=$2 python=$3 replay=$4 repro=$5 fuzzer=${6:--}
. "$(dirname "$0")/test_helpers.sh" # expect, failed
# A build carried to another machine (the GPU machine) finds no libpython of the version it
# was built for: skipped, visibly; the bridge is rebuilt there for that machine's Python.
missing=$(ldd "$bridge" 2>/dev/null | grep "not found")
if [ -n "$missing" ]; then
  echo "SKIP: $bridge was built for another machine's Python: $missing"
  exit 77
fi
if ! "$python" -c "import numpy" 2>/dev/null; then
  echo "FAIL: $python cannot import numpy: install python3-numpy (the bridge embeds this interpreter)"
  exit 1
fi
unset SPIDX_IMPLS
# Python's own allocations at exit are not spidx's leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export SPIDX_PLUGINS=$bridge SPIDX_PY_PATH=$root/plugins/python/examples:$root/tests
corpora=$(grep -E '^[a-z]' "$root/corpus/committed.txt" | sed "s|^|$root/corpus/|")
# shellcheck disable=SC2086
expect 0 "on ref, numpy_rows (not applicable: numpy_rows [0-9]* inputs): all passed" "numpy_rows: replay" \
  env SPIDX_PY_IMPL=numpy_rows:run SPIDX_IMPLS=ref,numpy_rows "$replay" $corpora
expect 0 "spidx_python: numpy_rows: [1-9][0-9]* calls, median [0-9.]* us per call (Python included); mean [0-9.]* us, slowest [0-9.]* ms" "numpy_rows: the cost of a call" \
  env SPIDX_PY_IMPL=numpy_rows:run SPIDX_IMPLS=ref,numpy_rows SPIDX_PY_COST=1 "$replay" "$root/corpus/seed"
expect 0 "numpy_rows .*agrees with ref" "numpy_rows: spidx_repro, bfloat16 KEEP, padded and permuted" \
  env SPIDX_PY_IMPL=numpy_rows:run "$repro" --impls ref,numpy_rows "$root/corpus/seed/padded_permuted_keep_bf16.case"
# A valid call without rows whose extents multiply past 2^63 (b = 0, h = 3.7e18): numpy
# cannot hold that shape even empty; the bridge passes an empty stand-in (a campaign met the
# torch form of this, "Stride calculation overflowed", and blamed the plug-in).
huge=$(mktemp --suffix=.case)
printf 'spidx-case 1\nb = 0\nh = 3689913975744495616\nsk = 54\nheavy = 10752\nnull = topk\n' >"$huge"
expect 0 "numpy_rows .*agrees with ref" "numpy_rows: no rows, extents past numpy's range" \
  env SPIDX_PY_IMPL=numpy_rows:run "$repro" --impls ref,numpy_rows "$huge"
# The stand-in keeps every extent that fits (seed_torch slices the list's last extent).
expect 0 "standin .*agrees with ref" "stand-in: the list and weight rows keep their lengths" \
  env SPIDX_PY_IMPL=py_standin:run "$repro" --impls ref,standin "$huge"
rm -f "$huge"
# A failure in the call before the checked one (call = twice) is reported as the first call's.
twice=$(mktemp --suffix=.case)
printf 'spidx-case 1\nb = 1\nh = 1\nsk = 8\nsink = 1\nwindow = 1\ncall = twice\n' >"$twice"
expect 1 "SPIDX_E_DEVICE *in its first call (call = twice): fails_first raised RuntimeError: first call" \
  "fails_first: spidx_repro names the first call's failure" \
  env SPIDX_PY_IMPL=py_raises:fails_first "$repro" --impls ref,fails_first "$twice"
rm -f "$twice"
expect 134 "RuntimeError: no kernel for b=1" "raises: the traceback is reported" \
  env SPIDX_PY_IMPL=py_raises:run SPIDX_IMPLS=ref,raises "$replay" "$root/corpus/seed/sink_empty.case"
expect 134 "raises raised RuntimeError: no kernel for b=1 (traceback on stderr)" "raises: the failure names it" \
  env SPIDX_PY_IMPL=py_raises:run SPIDX_IMPLS=ref,raises "$replay" "$root/corpus/seed/sink_empty.case"
expect 134 "exits raised RuntimeError: SystemExit: 0" "sys.exit fails the call, not the process" \
  env SPIDX_PY_IMPL=py_raises:exits SPIDX_IMPLS=ref,exits "$replay" "$root/corpus/seed/sink_empty.case"
expect 134 "big_status raised TypeError: returned 4294967296" "a status outside spidx_status fails the call" \
  env SPIDX_PY_IMPL=py_raises:big_status SPIDX_IMPLS=ref,big_status "$replay" "$root/corpus/seed/sink_empty.case"
expect 2 "cannot load no_such_module:run: ModuleNotFoundError" "a missing module is refused" \
  env SPIDX_PY_IMPL=no_such_module:run "$replay" "$root/corpus/seed/sink_empty.case"
expect 2 "SPIDX_PY_IMPL is not set" "no SPIDX_PY_IMPL is refused" \
  env -u SPIDX_PY_IMPL "$replay" "$root/corpus/seed/sink_empty.case"
if [ "$fuzzer" != - ]; then
  # Two implementations that always fail, in one process: the second's first failure comes
  # after the first's repeat, on an input whose crash artifact signs as the first's. The
  # seen folder keeps each signature with its own case, and the triage reports both.
  run=$(mktemp -d) state=$(mktemp -d)
  mkdir -p "$run/seen" "$run/artifacts/fuzz_diff-x"
  two() {
    env SPIDX_PY_IMPL=py_raises:run,py_raises:big_status SPIDX_IMPLS=ref,raises,big_status \
      SPIDX_FUZZ_SEEN_DIR="$run/seen" "$fuzzer" -artifact_prefix="$run/artifacts/fuzz_diff-x/" \
      "$root/corpus/seed/sink_empty.case"
  }
  expect 77 "raises raised RuntimeError" "seen dir, two implementations: the first one's first failure" two
  expect 77 "big_status raised TypeError" "seen dir, two implementations: the second one's, after the first's repeat" two
  expect 0 "Executed .*sink_empty.case" "seen dir, two implementations: both repeats go on" two
  expect 0 "big_status:status:OK->E_DEVICE(TypeError.returned) new=yes case=yes repeats=1 raises:status:OK->E_DEVICE(RuntimeError.no_kernel_for) new=yes case=yes repeats=2" \
    "campaign triage: each signature with its own case, both new" \
    env SPIDX_CAMPAIGNS_DIR="$state" SPIDX_PY_IMPL=py_raises:run,py_raises:big_status "$python" -c "
import sys; sys.path.insert(0, '$root/fuzz'); import campaign
failures, _ = campaign.triage({'spidx_repro': '$repro', 'fuzz_ref_replay': '$repro'}, '$run', '$run/report')
print(' '.join(f'{s} new={\"yes\" if f[\"new\"] else \"no\"} case={\"yes\" if f.get(\"case\") else \"no\"} repeats={f.get(\"repeats\", 0)}'
               for s, f in sorted(failures.items()) if ':' in s and not s.startswith('unreproduced')))"
  rm -rf "$run" "$state"
fi
exit $failed
