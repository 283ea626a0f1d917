#!/usr/bin/env bash
# fuzz/line_coverage.sh - which lines of the host code a corpus reaches: builds the host
# code (reference, validation, case library, decoder, comparison, fuzz targets' checks)
# with clang's source-based coverage, replays the corpus through both replay drivers, and
# writes an HTML report (DIR/coverage/index.html) and a per-file table of lines and
# branches (DIR/coverage.md; appended to DIR/report.md when that exists, as after a
# campaign). Device code is not measured: CUDA kernels and the .cu staging run on the GPU
# or through nvcc, which this build leaves out (the semantic categories cover the case
# space instead); the GPU implementations are the unavailable stubs here.
# Usage: bash fuzz/line_coverage.sh [--report-dir DIR] CORPUS_DIR_OR_FILE...
#   (default DIR: reports/<UTC>; `bash fuzz/run.sh --coverage` runs it after a campaign on
#   its working corpus). Exit 0 with a report, 2 when it cannot build or measure.
set -uo pipefail
usage="usage: bash fuzz/line_coverage.sh [--report-dir DIR] CORPUS_DIR_OR_FILE..."
case "${1:-}" in -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
dir=""
if [ "${1:-}" = "--report-dir" ]; then
  [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
  dir=$2; shift 2
fi
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
# The corpora as absolute paths, resolved from the caller's directory before the cd below.
corpora=()
for c in "$@"; do
  [ -e "$c" ] || { echo "line coverage: no such corpus: $c" >&2; exit 2; }
  corpora+=("$(cd "$(dirname "$c")" && pwd)/$(basename "$c")")
done
[ -z "$dir" ] || { mkdir -p "$dir" && dir=$(cd "$dir" && pwd); } || exit 2
cd "$(dirname "$0")/.."
root=$PWD
[ -n "$dir" ] || dir="reports/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
find_tool() { # llvm-cov or llvm-profdata, unversioned or from clang's own LLVM
  local t
  for t in "$1" "$1-$(clang -dumpversion 2>/dev/null | cut -d. -f1)" \
           "/usr/lib/llvm-$(clang -dumpversion 2>/dev/null | cut -d. -f1)/bin/$1"; do
    command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
  done
  return 1
}
cov=$(find_tool llvm-cov) && profdata=$(find_tool llvm-profdata) ||
  { echo "line coverage: llvm-cov and llvm-profdata are needed (Debian: llvm)" >&2; exit 2; }
build=$root/build/line-coverage
flags="-fprofile-instr-generate -fcoverage-mapping"
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DSPIDX_ENABLE_CUDA=OFF \
         -DSPIDX_ENABLE_TESTS=OFF -DSPIDX_ENABLE_BENCH=OFF -DSPIDX_ENABLE_WERROR=ON \
         -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null &&
       cmake --build "$build" --target fuzz_diff_replay fuzz_ref_replay -j "$(nproc)" >"$dir/coverage-build.log" 2>&1; }; then
  echo "line coverage: the coverage build failed (see $dir/coverage-build.log)" >&2
  exit 2
fi
raw=$(mktemp -d) && trap 'rm -rf "$raw"' EXIT
for t in fuzz_diff fuzz_ref; do
  # Failing inputs count too (--keep-going, exit 1): coverage is about what was reached.
  # Exit 2 (a path unreadable, a .case that does not parse, no input) leaves nothing to measure.
  (cd "$raw" && LLVM_PROFILE_FILE="$raw/$t-%p.profraw" "$build/fuzz/${t}_replay" --keep-going "${corpora[@]}" \
     >"$raw/$t.log" 2>&1)
  rc=$?
  echo "line coverage: $t: $(tail -1 "$raw/$t.log")"
  [ $rc -ne 2 ] || { echo "line coverage: the $t replay could not run the corpus (exit 2)" >&2; exit 2; }
done
"$profdata" merge -sparse "$raw"/*.profraw -o "$raw/all.profdata" || { echo "line coverage: no profile" >&2; exit 2; }
objects=("$build/fuzz/fuzz_diff_replay" -object "$build/fuzz/fuzz_ref_replay")
ignore='(/usr/|build/)'
rm -rf "$dir/coverage"
"$cov" show "${objects[@]}" -instr-profile="$raw/all.profdata" -format=html -output-dir="$dir/coverage" \
  -ignore-filename-regex="$ignore" -show-line-counts-or-regions >/dev/null || exit 2
"$cov" export "${objects[@]}" -instr-profile="$raw/all.profdata" -summary-only -ignore-filename-regex="$ignore" \
  >"$raw/summary.json" || exit 2
"$cov" report "${objects[@]}" -instr-profile="$raw/all.profdata" -ignore-filename-regex="$ignore" \
  -show-functions $(find "$root/ref" "$root/harness" "$root/fuzz" "$root/kernels" -name '*.c') \
  >"$dir/coverage/functions.txt" 2>/dev/null || true
python3 - "$raw/summary.json" "$root" "$dir" "$*" <<'PY'
import json, os, sys
summary, root, out, corpora = sys.argv[1:]
with open(summary) as f:
    data = json.load(f)["data"][0]
rows = []
for f in sorted(data["files"], key=lambda f: f["filename"]):
    s = f["summary"]
    rows.append((os.path.relpath(f["filename"], root), s["lines"], s["branches"], s["functions"]))
def pct(d):
    return f"{100.0 * d['covered'] / d['count']:.1f}%" if d["count"] else "-"
t = data["totals"]
lines = ["## Line coverage of the host code", "",
         f"Corpus: {corpora}. Host code only, built with clang's source-based coverage and replayed "
         "through `fuzz_diff_replay` and `fuzz_ref_replay` (CPU form): device code (the CUDA kernels and "
         "the `.cu` staging) is not measured; the semantic categories cover the case space instead. "
         "HTML: `coverage/index.html`; per function: `coverage/functions.txt`.", "",
         "| file | lines | covered | branches | covered | functions |", "|---|---:|---:|---:|---:|---:|"]
for name, l, b, fn in rows:
    lines.append(f"| `{name}` | {l['count']} | {pct(l)} | {b['count']} | {pct(b)} | {fn['covered']}/{fn['count']} |")
lines.append(f"| **total** | {t['lines']['count']} | {pct(t['lines'])} | {t['branches']['count']} | "
             f"{pct(t['branches'])} | {t['functions']['covered']}/{t['functions']['count']} |")
text = "\n".join(lines) + "\n"
with open(os.path.join(out, "coverage.md"), "w") as f:
    f.write(text)
report = os.path.join(out, "report.md")
if os.path.exists(report):
    with open(report, "a") as f:
        f.write("\n" + text)
print(f"line coverage: {pct(t['lines'])} of {t['lines']['count']} lines, {pct(t['branches'])} of "
      f"{t['branches']['count']} branches; {os.path.relpath(out, root)}/coverage.md and coverage/index.html")
if not t["lines"]["covered"]:
    sys.exit(2)
PY
