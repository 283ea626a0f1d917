#!/usr/bin/env bash
# test_case_rule.sh - one rule for what a `.case` file is, in every program that reads
# files: a file named *.case, or whose first line starts with "spidx-case", is `.case` text
# and must parse (exit 2 with the reason; an unknown version is named); anything else is
# fuzzer bytes. The same bad files go to spidx_repro and to both replay drivers (the fuzz
# decoder's side is in test_case_format.c). Run: ctest -R test_case_rule.
# Usage: test_case_rule.sh spidx_repro fuzz_diff_replay fuzz_ref_replay
set -u
repro=$1 diff_replay=$2 ref_replay=$3
dir=$(mktemp -d) && trap 'rm -rf "$dir"' EXIT
printf 'spidx-case 2\nb = 1\nh = 1\nsk = 4\n' >"$dir/version2.case"
: >"$dir/empty.case"
printf 'b = 1\nh = 1\nsk = 4\n' >"$dir/no_header.case"
printf 'spidx-case 1\nb = 1\nh = 1\nsk = 4\ncolour = red\n' >"$dir/unknown_key.case"
printf 'spidx-case 7\nb = 1\n' >"$dir/crash-0123abcd"   # no .case name, but text by its first line
printf '\x03\x41\x09\xc8\x07\x01\x02\x03' >"$dir/crash-bytes" # fuzzer bytes
declare -A why=([version2.case]="unknown .case version '2'" [empty.case]="the file is empty"
                [no_header.case]="expected the header" [unknown_key.case]="unknown key"
                [crash-0123abcd]="unknown .case version '7'")
failed=0
expect() { # want_rc, needle, what, command...
  local want=$1 needle=$2 what=$3; shift 3
  local out rc
  out=$(cd "$dir" && "$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -qF -- "$needle" <<<"$out"; then
    echo "FAIL $what: exit $rc (want $want), output lacks \"$needle\":"; tail -3 <<<"$out"; failed=1
  else
    echo "ok   $what: exit $rc"
  fi
}
for f in version2.case empty.case no_header.case unknown_key.case crash-0123abcd; do
  expect 2 "${why[$f]}" "spidx_repro $f" "$repro" "$dir/$f"
  expect 2 "${why[$f]}" "fuzz_diff_replay $f" "$diff_replay" "$dir/$f"
  expect 2 "${why[$f]}" "fuzz_ref_replay $f" "$ref_replay" "$dir/$f"
done
expect 0 "---- compared:" "spidx_repro on fuzzer bytes" "$repro" --impls ref "$dir/crash-bytes"
expect 0 "all passed" "fuzz_diff_replay on fuzzer bytes" env -u SPIDX_IMPLS "$diff_replay" "$dir/crash-bytes"
if [ $failed = 0 ]; then echo "every program reads the same files the same way"; fi
exit $failed
