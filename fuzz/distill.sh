#!/usr/bin/env bash
# fuzz/distill.sh - refreshes corpus/distilled from a campaign's working corpus: the
# inputs that add libFuzzer features (code edges and semantic categories) beyond
# corpus/seed and corpus/regress, chosen by fuzz_diff's -merge=1 (the old distilled
# inputs take part, so nothing learned earlier is dropped unless a new input covers it).
# .case texts that do not parse are left out. Then it replays the working corpus and the
# committed corpora with semantic coverage and fails when a category the working corpus
# reached is missing from the committed ones.
# Run on the GPU host that ran the campaign (with fused and baseline available):
#   bash fuzz/distill.sh [--build-dir build/fuzz] [--replay-build-dir build/ci] WORK_DIR...
# Exit 0 refreshed, 1 a category was lost, 2 usage or tool error.
set -uo pipefail
cd "$(dirname "$0")/.."
build=build/fuzz
replay_build=build/ci
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --replay-build-dir) replay_build=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: bash fuzz/distill.sh [--build-dir DIR] [--replay-build-dir DIR] WORK_DIR..." >&2; exit 2; }
fuzzer=$build/fuzz/fuzz_diff
replay=$replay_build/fuzz/fuzz_diff_replay
for x in "$fuzzer" "$replay"; do
  [ -x "$x" ] || { echo "distill: $x is missing: build the fuzz and ci presets first" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The base: every committed input but the distilled ones, so that -merge=1 keeps only
# what they do not already cover.
mkdir -p "$tmp/base"
for d in seed regress; do
  for f in corpus/$d/*; do
    case $f in *.md) continue ;; esac
    cp "$f" "$tmp/base/$d-$(basename "$f")"
  done
done
before=$(ls "$tmp/base" | wc -l)
old=$(find corpus/distilled -type f ! -name '*.md' | wc -l)
if ! "$fuzzer" -merge=1 -max_len=4096 -merge_control_file="$tmp/merge.control" "$tmp/base" "$@" corpus/distilled \
     >"$tmp/merge.log" 2>&1; then
  tail -20 "$tmp/merge.log" >&2
  echo "distill: fuzz_diff -merge=1 failed (log above)" >&2
  exit 2
fi
find corpus/distilled -type f ! -name '*.md' -delete
for f in "$tmp/base"/*; do
  case $(basename "$f") in seed-* | regress-*) ;; *) cp "$f" corpus/distilled/ ;; esac
done
# .case text that does not parse (case_io.h's rule) reaches only the parser's error paths,
# which test_case_format covers; the replays reject such a file (exit 2), so it stays out.
unusable=$("$replay" corpus/distilled 2>&1 | sed -n 's/^replay: UNUSABLE \([^:]*\): not a valid \.case: .*/\1/p')
[ -z "$unusable" ] || printf '%s\n' "$unusable" | xargs rm --
now=$(find corpus/distilled -type f ! -name '*.md' | wc -l)
bytes=$(find corpus/distilled -type f ! -name '*.md' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
echo "distill: $before committed inputs; working corpus: $(find "$@" -type f | wc -l) inputs;" \
     "corpus/distilled: $old -> $now inputs ($bytes bytes; left out: $(printf '%s' "$unusable" | grep -c .)" \
     ".case texts that do not parse)"
grep -E "MERGE-OUTER: [0-9]+ new files" "$tmp/merge.log" | tail -1

# Every semantic category the working corpus reached must be reached by the committed corpora.
categories() { # json -> "name" per line for every category hit at least once, on any implementation
  python3 - "$1" <<'PY'
import json, sys
hit = set()
for impl in json.load(open(sys.argv[1]))["implementations"].values():
    hit |= {k for k, v in impl.get("categories", {}).items() if v}
print("\n".join(sorted(hit)))
PY
}
corpora=$(grep -E '^[a-z]' corpus/committed.txt | sed 's|^|corpus/|')
# shellcheck disable=SC2086
SPIDX_COVERAGE_JSON=$tmp/committed.json "$replay" $corpora >"$tmp/replay-committed.log" 2>&1 ||
  { tail -5 "$tmp/replay-committed.log" >&2; echo "distill: replay of the committed corpora failed" >&2; exit 2; }
# The working corpus holds the .case texts that do not parse: that failure alone is expected.
SPIDX_COVERAGE_JSON=$tmp/work.json "$replay" "$@" >"$tmp/replay-work.log" 2>&1 ||
  tail -1 "$tmp/replay-work.log" | grep -q ': some .case files do not parse$' ||
  { tail -5 "$tmp/replay-work.log" >&2; echo "distill: replay of the working corpus failed" >&2; exit 2; }
[ "$(categories "$tmp/work.json" | grep -c .)" -gt 0 ] ||
  { echo "distill: no semantic category read from $tmp/work.json" >&2; exit 2; }
lost=$(comm -23 <(categories "$tmp/work.json") <(categories "$tmp/committed.json"))
echo "distill: semantic categories: working corpus $(categories "$tmp/work.json" | wc -l)," \
     "committed corpora $(categories "$tmp/committed.json" | wc -l); $(tail -1 "$tmp/replay-committed.log")"
if [ -n "$lost" ]; then
  echo "distill: categories the working corpus reached and the committed corpora do not: $lost" >&2
  exit 1
fi
