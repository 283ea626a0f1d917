#!/usr/bin/env python3
"""fuzz/ref_mutation.py - mutation testing of ref/: builds the reference and the shared
validation with each mutant of ref/ref_mutants.h (CMake option SPIDX_REF_MUTANT) in one
CPU-only build folder, and measures which independent layer kills it: the unit tests
(hand-computed expectations), fuzz_ref_replay over the corpus (fuzz_ref's properties and
its oracle fuzz/spec_oracle.c), and fuzz_ref from the seed corpus and from an empty one.
Every implementation shares ref/'s validation, so a differential run cannot see these bugs.
Usage: python3 fuzz/ref_mutation.py [--only 1,4] [--fuzz-seconds 30] [--seeds 1,2]
Writes reports/mutation/ref-<UTC>.md and .json. Exit: 0 every mutant killed and the control
clean, 1 a mutant survived, 2 the control failed a layer or the build failed."""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile

from mutation import run_timed  # fuzz/mutation.py: (exit code, seconds, output), rc None on timeout

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["unit", "replay", "fuzz-seed", "fuzz-empty"]
CORPORA = [os.path.join(ROOT, "corpus", d) for d in ("seed", "regress")]


def log(msg):
    print(f"[ref-mutation] {msg}", flush=True)


def configure_and_build(build, mutant):
    """Configures build with SPIDX_REF_MUTANT=mutant and builds it; returns an error text or None."""
    cmd = ["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_C_COMPILER=clang",
           "-DSPIDX_ENABLE_CUDA=OFF", "-DSPIDX_ENABLE_BENCH=OFF", "-DSPIDX_ENABLE_FUZZ=ON", "-DSPIDX_ENABLE_TESTS=ON",
           "-DSPIDX_ENABLE_WERROR=ON", f"-DSPIDX_REF_MUTANT={mutant}"]
    for step in (cmd, ["cmake", "--build", build, "-j", str(os.cpu_count() or 2)]):
        r = subprocess.run(step, text=True, errors="replace", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            return f"{' '.join(step[:3])}... failed:\n{r.stdout[-2000:]}"
    return None


def read_table(build):
    path = os.path.join(build, "ref", "ref_mutants.json")
    with open(path) as f:
        return json.load(f)


def run_layers(build, fuzz_seconds, seeds):
    """Runs every layer on the current build; returns {layer: cell}."""
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1", UBSAN_OPTIONS="halt_on_error=1")
    env.pop("SPIDX_IMPLS", None)
    cells = {}
    rc, s, out = run_timed(["ctest", "--test-dir", build, "-L", "unit", "--output-on-failure"], env, build, 900)
    failed = [ln.split(" - ")[1].split()[0] for ln in out.splitlines() if "(Failed)" in ln or "(Subprocess" in ln]
    cells["unit"] = {"caught": rc != 0, "seconds": s, "detail": ", ".join(failed) or out.strip()[-160:]}
    replay = os.path.join(build, "fuzz", "fuzz_ref_replay")
    with tempfile.TemporaryDirectory(prefix="spidx-refmut-") as work:  # where a failure writes its .case
        rc, s, out = run_timed([replay, *CORPORA], env, work, 900)
    first = next((ln for ln in out.splitlines() if "property failed" in ln or "validation:" in ln), "")
    cells["replay"] = {"caught": rc != 0, "seconds": s, "detail": first.strip()[:200]}
    target = os.path.join(build, "fuzz", "fuzz_ref")
    for layer, corpora in (("fuzz-seed", CORPORA), ("fuzz-empty", [])):
        runs = []
        for seed in seeds:
            with tempfile.TemporaryDirectory(prefix="spidx-refmut-") as work:
                os.makedirs(os.path.join(work, "corpus"))
                cmd = [target, f"-seed={seed}", f"-max_total_time={fuzz_seconds}", "-max_len=4096",
                       f"-dict={os.path.join(ROOT, 'fuzz', 'spidx.dict')}", f"-artifact_prefix={work}/",
                       os.path.join(work, "corpus"), *corpora]
                rc, s, out = run_timed(cmd, env, work, fuzz_seconds + 120)
                caught = rc not in (0, None)
                first = next((ln.strip() for ln in out.splitlines()
                              if "validation:" in ln or "property failed" in ln or "ERROR:" in ln), "")
                runs.append({"seed": seed, "caught": caught, "seconds": s, "detail": first[:200]})
        caught = [r for r in runs if r["caught"]]
        cells[layer] = {"caught": len(caught) * 2 > len(runs), "runs": runs,
                        "seconds": sorted(r["seconds"] for r in caught)[len(caught) // 2] if caught else None,
                        "detail": caught[0]["detail"] if caught else ""}
    return cells


def cell_text(c):
    if "runs" in c:
        k = sum(r["caught"] for r in c["runs"])
        return f"**{k}/{len(c['runs'])}, {c['seconds']:.1f} s**" if k else f"0/{len(c['runs'])}"
    return f"**{c['seconds']:.1f} s**" if c["caught"] else "missed"


def current_commit():
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, text=True, capture_output=True).stdout.strip()


def write_report(rows, args, started, elapsed, commit):
    out = os.path.join(ROOT, "reports", "mutation")
    os.makedirs(out, exist_ok=True)
    base = os.path.join(out, f"ref-{started}")
    mutants = [r for r in rows if r["number"] > 0]
    killed = sum(r["killed"] for r in mutants)
    # The control is clean only when no run of any layer caught anything (a fuzz layer's
    # verdict is a majority of its runs; one false alarm must still show).
    control_clean = all(not c["caught"] and not any(run["caught"] for run in c.get("runs", []))
                        for r in rows if r["number"] == 0 for c in r["cells"].values())
    lines = [f"# spidx mutation testing of ref/ {started}", "",
             f"Kill rate **{killed}/{len(mutants)}**; control (ref/ as written, the same layers) clean: "
             f"**{control_clean}**.", "",
             "| | |", "|---|---|", f"| commit | {commit} |", f"| started utc | {started} |",
             f"| elapsed s | {elapsed:.0f} |", f"| fuzz seconds | {args.fuzz_seconds} |", f"| seeds | {args.seeds} |",
             f"| command | python3 fuzz/ref_mutation.py {' '.join(sys.argv[1:])} |", "",
             "Every implementation calls ref/'s validation, so these layers are the only ones that can see "
             "a bug in it: unit = `ctest -L unit` on a CPU-only build (the reference against hand-computed "
             "expectations); replay = `fuzz_ref_replay` over corpus/seed + corpus/regress (fuzz_ref's "
             "properties and its independent reading of SPEC.md's classes 1-3, fuzz/spec_oracle.c); "
             "fuzz-seed / fuzz-empty = `fuzz_ref -seed=s -max_total_time=T` (ASan + UBSan) from the seed "
             "corpus / an empty one, median time to detection over the runs that caught it. Times are wall "
             "seconds including start-up.", "",
             "| # | mutant | bug | " + " | ".join(LAYERS) + " | first caught by |",
             "|---:|---|---|" + "---|" * len(LAYERS) + "---|"]
    for r in rows:
        first = r["first"] if r["number"] > 0 else ("clean" if control_clean else "**FALSE ALARM**")
        lines.append(f"| {r['number'] or 'ctl'} | `{r['name']}` | {r['bug']} | " +
                     " | ".join(cell_text(r["cells"][layer]) for layer in LAYERS) + f" | {first} |")
    lines += ["", "## What each catch saw", ""]
    for r in mutants:
        seen = [f"{layer}: {r['cells'][layer]['detail']}" for layer in LAYERS
                if r["cells"][layer]["caught"] and r["cells"][layer]["detail"]]
        if seen:
            lines.append(f"- **{r['name']}**: " + "; ".join(seen))
    with open(base + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(base + ".json", "w") as f:
        json.dump({"commit": commit, "started": started, "elapsed_s": elapsed, "rows": rows}, f, indent=1)
    return base + ".md", killed, len(mutants), control_clean


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\nUsage")[0].split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "refmut"), help="build folder (default build/refmut)")
    ap.add_argument("--only", default="", help="mutant numbers, e.g. 1,4 (default: all)")
    ap.add_argument("--fuzz-seconds", type=int, default=30, help="budget of each fuzz_ref run (default 30)")
    ap.add_argument("--seeds", default="1,2", help="fuzz_ref seeds per corpus (default 1,2)")
    args = ap.parse_args()
    if not shutil.which("clang"):
        log("clang is needed for fuzz_ref (libFuzzer)")
        return 2
    seeds = [int(s) for s in args.seeds.split(",") if s]
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    t0 = datetime.datetime.now().timestamp()
    commit = current_commit()  # the code the builds below compile
    err = configure_and_build(args.build, 0)
    if err:
        log(err)
        return 2
    table = read_table(args.build)
    only = {int(x) for x in args.only.split(",") if x}
    rows = []
    for m in [{"number": 0, "name": "control", "bug": "ref/ as written"}] + table:
        if m["number"] and only and m["number"] not in only:
            continue
        err = configure_and_build(args.build, m["number"])
        if err:
            log(err)
            return 2
        cells = run_layers(args.build, args.fuzz_seconds, seeds)
        caught = [(c["seconds"], layer) for layer, c in cells.items() if c["caught"]]
        first = f"{min(caught)[1]} ({min(caught)[0]:.1f} s)" if caught else "**SURVIVED**"
        rows.append(dict(m, cells=cells, killed=bool(caught), first=first))
        log(f"{m['name']}: " + ", ".join(f"{layer} {cell_text(c)}" for layer, c in cells.items()))
    configure_and_build(args.build, 0)  # leave the folder as the code is written
    path, killed, total, clean = write_report(rows, args, started, datetime.datetime.now().timestamp() - t0, commit)
    log(f"kill rate {killed}/{total}, control clean: {clean}; report {os.path.relpath(path, ROOT)}")
    if not clean:
        return 2
    return 0 if killed == total else 1


if __name__ == "__main__":
    sys.exit(main())
