#!/usr/bin/env bash
# test_plugins.sh - plug-ins through spidx's programs, without a GPU: the example plug-in
# rowmark (an independent CPU implementation) passes the committed corpora with the cases
# it does not declare counted as not applicable; each broken plug-in (plugins/broken/) is
# refused or caught with its reason: a load error exits 2 naming the file, a write past a
# row, a status outside the enum and a crash fail the replay and name the plug-in; the
# campaign's triage signs that crash crash:IMPL.
# Run: ctest -R test_plugins.
# Usage: test_plugins.sh ROOT PLUGIN_DIR fuzz_diff_replay spidx_repro test_regions spidx_compare [fuzz_diff|-]
set -u
root=$1 dir=$2 replay=$3 repro=$4 unit=$5 compare=$6 fuzzer=${7:--}
. "$(dirname "$0")/test_helpers.sh" # expect, failed
unset SPIDX_IMPLS SPIDX_PLUGINS
rowmark=$dir/examples/rowmark.so
corpora=$(grep -E '^[a-z]' "$root/corpus/committed.txt" | sed "s|^|$root/corpus/|")
seed=$root/corpus/seed

# The example: every layer sees it beside the built-in implementations.
# shellcheck disable=SC2086
expect 0 "on ref, rowmark (not applicable: rowmark [0-9]* inputs): all passed" "rowmark: replay of the committed corpora" \
  env SPIDX_PLUGINS="$rowmark" SPIDX_IMPLS=ref,rowmark "$replay" $corpora
expect 0 "rowmark .*agrees with ref" "rowmark: spidx_repro --plugin" "$repro" --plugin "$rowmark" --impls ref,rowmark \
  "$seed/padded_permuted_keep_bf16.case"
expect 3 "rowmark .*not applicable *expects valid inputs only (reference: SPIDX_E_STRIDE)" \
  "rowmark: an invalid case is not applicable: nothing compared (exit 3)" "$repro" --plugin "$rowmark" \
  --impls ref,rowmark "$seed/e_stride_negative.case"
expect 3 "SPIDX_IMPLS names rowmark, which ran on no input" "rowmark: a replay that compared nothing fails (exit 3)" \
  env SPIDX_PLUGINS="$rowmark" SPIDX_IMPLS=ref,rowmark "$replay" "$seed/e_stride_negative.case"
expect 0 "cases on ref, rowmark: 0 mismatching" "rowmark: spidx_compare --plugin" \
  env SPIDX_IMPLS=ref,rowmark "$compare" --plugin "$rowmark"
expect 0 "implementations under test: ref, rowmark" "rowmark: a Check test" \
  env SPIDX_PLUGINS="$rowmark" SPIDX_IMPLS=ref,rowmark "$unit"
expect 2 "SPIDX_IMPLS names an unknown implementation 'rowmark'" "rowmark not loaded: named" \
  env SPIDX_IMPLS=ref,rowmark "$replay" "$seed/sk_zero.case"
if [ "$fuzzer" != - ]; then
  work=$(mktemp -d)
  expect 0 "Done 3000 runs" "rowmark: fuzz_diff 3,000 runs" \
    env SPIDX_PLUGINS="$rowmark" SPIDX_IMPLS=ref,rowmark "$fuzzer" -seed=1 -runs=3000 -artifact_prefix="$work/" "$work"
  rm -rf "$work"
  # A campaign's SPIDX_FUZZ_SEEN_DIR: the first meeting of a failure fails as usual and
  # records its signature; a repeat goes on (a '+' counted) instead of ending the job,
  # unless the implementation wrote outside its buffers.
  seen=$(mktemp -d)
  bad_status="$dir/broken/broken_bad_status.so" past_row="$dir/broken/broken_past_row.so"
  for run in first repeat; do
    want=77 needle="broken returned 42"
    [ $run = repeat ] && want=0 needle="Executed .*sink_empty.case"
    expect $want "$needle" "seen dir: the $run meeting of a failure (libFuzzer exits 77 on a failure)" \
      env SPIDX_PLUGINS="$bad_status" SPIDX_IMPLS=ref,broken SPIDX_FUZZ_SEEN_DIR="$seen" \
      "$fuzzer" -artifact_prefix="$seen/art-" "$seed/sink_empty.case"
  done
  got=$(cat "$seen"/broken* 2>/dev/null) case=$(ls "$seen"/art-mismatch-*.case 2>/dev/null)
  if [ -n "$case" ] && [ "$got" = "$(printf 'broken:status:OK->E_DEVICE\n%s\n+' "$case")" ]; then
    echo "ok   seen dir: one file per signature (the signature, its first case), one '+' per repeat"
  else
    echo "FAIL seen dir: want 'broken:status:OK->E_DEVICE', the case and one '+', got: $(ls "$seen") / $got"; failed=1
  fi
  expect 134 "SPIDX_FUZZ_SEEN_DIR ignored" "seen dir: a replay reports every failure" \
    env SPIDX_PLUGINS="$bad_status" SPIDX_IMPLS=ref,broken SPIDX_FUZZ_SEEN_DIR="$seen" "$replay" "$seed/sink_empty.case"
  for run in first repeat; do
    expect 77 "broken wrote outside its buffers" "seen dir: a write outside the buffers fails at every meeting ($run)" \
      env SPIDX_PLUGINS="$past_row" SPIDX_IMPLS=ref,broken SPIDX_FUZZ_SEEN_DIR="$seen" \
      "$fuzzer" -artifact_prefix="$seen/art-" "$seed/sink_empty.case"
  done
  rm -rf "$seen"
fi

# Plug-ins that must not load: exit 2, the file and the reason named.
refused() { # class, reason
  expect 2 "plug-in $dir/broken/broken_$1.so: $2" "refused: $1" env SPIDX_PLUGINS="$dir/broken/broken_$1.so" \
    "$replay" "$seed/sk_zero.case"
}
refused abi "ABI version 99, but this build of spidx reads version 1"
refused no_entry "no entry point spidx_plugin_entry()"
refused null_entry "its entry point returned NULL"
refused nonsense "'broken' declares no mode"
refused init "its init refused: the licence file is missing"
expect 2 "plug-in $dir/none.so: cannot be loaded" "refused: a missing file" env SPIDX_PLUGINS="$dir/none.so" \
  "$replay" "$seed/sk_zero.case"
expect 2 "plug-in $dir/none.so: cannot be loaded" "refused: spidx_repro --plugin" "$repro" --plugin "$dir/none.so" \
  "$seed/sk_zero.case"
expect 2 "loaded twice" "refused: the same file twice" env SPIDX_PLUGINS="$rowmark:$rowmark" "$replay" "$seed/sk_zero.case"
dup=$(mktemp -d)
cp "$rowmark" "$dup/rowmark_copy.so"
expect 2 "name 'rowmark' is already registered" "refused: a name taken" \
  env SPIDX_PLUGINS="$rowmark:$dup/rowmark_copy.so" "$replay" "$seed/sk_zero.case"
rm -rf "$dup"

# Plug-ins that load and are wrong: the replay fails and says how.
caught() { # class, exit, needle, input
  expect "$2" "$3" "caught: $1" env SPIDX_PLUGINS="$dir/broken/broken_$1.so" SPIDX_IMPLS=ref,broken "$replay" "$4"
}
caught past_row 134 "broken wrote outside its buffers (guard canary changed)" "$seed/sink_empty.case"
caught past_row 134 "padding" "$seed/padded_strides.case"
caught bad_status 134 "broken returned 42, which is not a spidx_status" "$seed/sink_empty.case"
expect 1 "broken .*MISMATCH: broken returned 42, which is not a spidx_status" \
  "caught: bad_status: spidx_repro's verdict carries the failure's detail" "$repro" \
  --plugin "$dir/broken/broken_bad_status.so" --impls ref,broken "$seed/sink_empty.case"
# The crash report names the implementation, then the handler that was there before runs:
# the default one (killed by SIGSEGV, 139), or ASan's in a sanitizer build (its report;
# exit 1, or 134 when ASAN_OPTIONS has abort_on_error=1).
out=$(env SPIDX_PLUGINS="$dir/broken/broken_i32_crash.so" SPIDX_IMPLS=ref,broken "$replay" \
      "$seed/keep_marks_warp_rows_padded.case" 2>&1); rc=$?
want=139
grep -q "ERROR: AddressSanitizer: SEGV" <<<"$out" && want=$rc && [ $rc -ne 0 ]
if [ $rc -eq $want ] && grep -q "signal SIGSEGV while implementation 'broken' was running (plug-in $dir/broken/broken_i32_crash.so)" <<<"$out"; then
  echo "ok   caught: i32_crash: exit $rc, the implementation named"
else
  echo "FAIL caught: i32_crash: exit $rc (want $want) or the implementation not named:"; tail -4 <<<"$out"; failed=1
fi
caught i32_crash 0 "all passed" "$seed/sink_empty.case"
# The campaign's triage signs a crash that recurs when re-run alone as crash:IMPL.
sig=$(cd "$root/fuzz" && SPIDX_PLUGINS="$dir/broken/broken_i32_crash.so" python3 -c "import campaign, sys
print(campaign.signature({'spidx_repro': sys.argv[1]}, sys.argv[2], 'fuzz_diff'))" "$repro" \
  "$seed/keep_marks_warp_rows_padded.case" 2>&1 | tail -1)
if [ "$sig" = "crash:broken" ]; then
  echo "ok   triage: a crash re-run alone is signed crash:broken"
else
  echo "FAIL triage: want crash:broken, got: $sig"; failed=1
fi
exit $failed
