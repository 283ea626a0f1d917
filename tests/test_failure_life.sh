#!/usr/bin/env bash
# test_failure_life.sh - fuzz/failures.py on a small synthetic history: a copy of this tree
# committed in a temporary repository, two harmless commits, one that puts a bug in the
# reference (window entries rounded down to even offsets), two harmless commits, then the
# fix. A case that shows the bug (against the plug-in rowmark, an independent CPU
# implementation) must be bisected to the bug's commit, promoted into corpus/regress (it
# fails where found and passes at the fix), and rechecked as fixed; a failure that still
# fails (the broken plug-in past_row) stays open, and one whose implementation is
# unavailable is not rechecked. Builds without CUDA at each step (cached by commit).
# Run: ctest -R test_failure_life. Usage: test_failure_life.sh ROOT PLUGIN_DIR spidx_repro
set -u
root=$1 plugins=$2 repro=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
check() { # what, condition as a command...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failed=1; fi
}
repo=$tmp/repo
mkdir -p "$repo"
(cd "$root" && git ls-files -z | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$repo" || exit 2
cd "$repo" || exit 2
git init -q && git config user.email test@spidx && git config user.name test
commit() { git add -A && git commit -qm "$1"; }
commit "base"
echo "harmless 1" >>README.md && commit "docs: harmless 1"
echo "# harmless 2" >>CMakeLists.txt && commit "build: harmless 2"
good='const int64_t v = p->sk - s.W + j;' buggy='const int64_t v = p->sk - s.W + (j \& ~(int64_t)1);'
sed -i "s/$good/$buggy/" ref/spidx_ref.c
git diff --quiet && { echo "FAIL: the bug could not be put into ref/spidx_ref.c"; exit 1; }
commit "ref: window entries (the bug)"
bug=$(git rev-parse --short=12 HEAD)
echo "harmless 3" >>README.md && commit "docs: harmless 3"
echo "harmless 4" >>README.md && commit "docs: harmless 4"
last_bad=$(git rev-parse HEAD)
git checkout -q "$bug~1" -- ref/spidx_ref.c && commit "ref: fix window entries"
case=corpus/seed/sink_empty.case
export SPIDX_CAMPAIGNS_DIR=$tmp/campaigns

# bisect
out=$(python3 fuzz/failures.py bisect $case --good "$(git rev-list --max-parents=0 HEAD)" --bad "$last_bad" \
      --impls ref,rowmark --plugin rowmark 2>&1); rc=$?
echo "$out" | grep -E "^first bad|^repro"
check "bisect names $bug" grep -q "^first bad commit: $bug ref: window entries (the bug)" <<<"$out"
[ $rc -eq 0 ] || echo "  (bisect exit $rc)"

# promote: found at the bug, passes at the fix
mkdir -p "$SPIDX_CAMPAIGNS_DIR/failures/window"
cp $case "$SPIDX_CAMPAIGNS_DIR/failures/window/case.case"
printf '{"signature": "rowmark:list:wrong-value", "target": "fuzz_diff", "first_seen_commit": "%s", "first_seen_utc": "2026-12-01T00:00:00Z"}\n' \
  "$(git rev-parse "$bug")" >"$SPIDX_CAMPAIGNS_DIR/failures/window/meta.json"
out=$(python3 fuzz/failures.py promote "$SPIDX_CAMPAIGNS_DIR/failures/window" --plugin rowmark --name window_even 2>&1)
echo "$out" | tail -2
check "promote writes corpus/regress/window_even.case" test -f corpus/regress/window_even.case
check "its header says what it caught and where" grep -q "^# Caught: rowmark disagreed with the reference on list (wrong-value)" corpus/regress/window_even.case
out=$(python3 fuzz/failures.py promote "$SPIDX_CAMPAIGNS_DIR/failures/window" --plugin rowmark --name again \
      --found-at HEAD 2>&1); rc=$?
check "promote refuses a case that does not fail where found (exit 1)" test $rc -eq 1
check "and writes nothing" test ! -e corpus/regress/again.case

# recheck, on the spidx_repro of the build under test
mkdir -p "$tmp/b/tools" "$tmp/b/fuzz" && ln -s "$repro" "$tmp/b/tools/spidx_repro"
printf '{"signature": "broken:weight:extra-one", "target": "fuzz_diff", "first_seen_commit": "c1"}\n' >"$tmp/m1"
printf '{"signature": "fused:list:wrong-value", "target": "fuzz_diff", "first_seen_commit": "c2"}\n' >"$tmp/m2"
for k in 1 2; do mkdir -p "$SPIDX_CAMPAIGNS_DIR/failures/k$k"; cp $case "$SPIDX_CAMPAIGNS_DIR/failures/k$k/case.case"; cp "$tmp/m$k" "$SPIDX_CAMPAIGNS_DIR/failures/k$k/meta.json"; done
out=$(SPIDX_GPU_DISABLE=1 SPIDX_PLUGINS=$plugins/examples/rowmark.so:$plugins/broken/broken_past_row.so python3 fuzz/failures.py recheck --build-dir "$tmp/b" 2>&1)
echo "$out"
check "recheck: the plug-in that still writes past rows is still failing" grep -q "broken:weight:extra-one: still failing" <<<"$out"
check "recheck: fused without a GPU is not rechecked" grep -q "fused:list:wrong-value: not rechecked (unavailable" <<<"$out"
check "recheck: window (rowmark agrees with ref now) is fixed" grep -q "rowmark:list:wrong-value: fixed" <<<"$out"
check "recheck: the fixed one moved to failures/fixed/" test -f "$SPIDX_CAMPAIGNS_DIR/failures/fixed/window/meta.json"
exit $failed
