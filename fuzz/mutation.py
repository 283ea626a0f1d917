#!/usr/bin/env python3
"""fuzz/mutation.py - mutation testing: runs every mutant of the build's mutant table
(<build>/kernels/mutants/mutants.json, which CMake writes from kernels/mutants/mutants.h)
through each layer of spidx (unit tests, corpus replay, fuzz_diff from the seed corpus and
from an empty corpus, compute-sanitizer, the >2^31-element test) and writes
reports/mutation/<UTC>.md and .json: per mutant and layer, caught or not and how fast.
Needs a GPU and a mutant build: cmake --preset mutants && cmake --build --preset mutants.
Usage: python3 fuzz/mutation.py [--only 1,5] [--fuzz-seconds 120] [--seeds 1,2,3] [--no-ctest]
       python3 fuzz/mutation.py --list   (the mutant table and the layers each gets; no GPU needed)
--no-ctest: for a GPU machine given only the mutant build's fuzz_diff, fuzz_diff_replay,
spidx_repro, test_gpu_large and test_gpu_grid (the whole build, 1.6 GB, does not travel):
the unit layer is not run and the gpu layer is test_gpu_grid alone.
Exit: 0 every mutant killed by some layer, 1 a mutant survived every layer, 2 a control
failed a layer or a layer could not judge a surviving mutant."""

import argparse
import concurrent.futures
import datetime
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import campaign  # fuzz/campaign.py: the GPU names and the commit, as campaign reports give them

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A mutant's reach (the row's column in mutants.h) says which inputs can show its bug:
# fuzz: any layer, the fuzzer included; grid: more work items than 65,535 blocks hold
# (test_gpu_grid, in the gpu layer); large: more than 2^31 weight elements (test_gpu_large).
REACHES = ("fuzz", "grid", "large")
SANITIZERS = ("memcheck", "racecheck")
# Layers in the order a change meets them: pre-merge (unit, gpu, replay, sanitizers), then fuzzing.
# "gpu" is ctest's gpu label but test_gpu_large, which is the "large" layer of its own.
LAYERS = ["unit", "gpu", "replay", "memcheck", "racecheck", "fuzz-seed", "fuzz-empty", "large"]
SANITIZER_ERROR_RC = 99
CHECK_FAILED = "==== spidx: check failed ===="  # fuzz_fail's banner
# What a program prints when the mutant cannot run here (no device): the layer cannot judge it.
UNAVAILABLE = ("SPIDX_REQUIRE_GPU=1 but", "is unavailable here", "has no CUDA device")


def log(msg):
    print(f"[mutation] {msg}", flush=True)


class TableError(Exception):
    pass


def read_mutants(build):
    """The mutant table CMake wrote into the build: [{number, source, name, reach, bug}]."""
    path = os.path.join(build, "kernels", "mutants", "mutants.json")
    if not os.path.exists(path):
        configure = ("cmake --preset mutants" if build == os.path.join(ROOT, "build", "mutants")
                     else f"cmake -S {ROOT} -B {build} -DSPIDX_ENABLE_MUTANTS=ON")
        raise TableError(f"missing {path}: configure a mutants build first: {configure}")
    with open(path) as f:
        mutants = json.load(f)
    for m in mutants:
        if m.get("reach") not in REACHES:
            raise TableError(f"{path}: mutant {m.get('number')} has reach {m.get('reach')!r}, "
                             f"not one of {', '.join(REACHES)}")
    return mutants


def numbers(text):
    return {int(x) for x in text.split(",") if x}


def run_timed(cmd, env, cwd, timeout):
    """Runs cmd; returns (exit code, seconds, output). A timeout reads as rc None."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, text=True, errors="replace", stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        return p.returncode, time.monotonic() - t0, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, time.monotonic() - t0, out


class Runner:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.work = tempfile.mkdtemp(prefix="spidx-mutation-")
        self.results = []
        self.lock = threading.Lock()
        self.journal = os.path.join(self.work, "journal.jsonl")  # one line per result, as it comes
        with open(self.journal, "w"):
            pass
        self.deadline = time.monotonic() + args.deadline_minutes * 60

    def env(self, impls):
        e = dict(os.environ)
        e.update({"SPIDX_IMPLS": impls, "SPIDX_REQUIRE_GPU": "1"})
        e.pop("SPIDX_COVERAGE_JSON", None)
        return e

    def record(self, impl, layer, run, caught, seconds, **extra):
        r = {"impl": impl, "layer": layer, "run": run, "caught": caught, "seconds": round(seconds, 2), **extra}
        with self.lock:
            self.results.append(r)
            with open(self.journal, "a") as f:
                f.write(json.dumps(r) + "\n")
        verdict = {True: "CAUGHT", False: "missed", None: "ERROR"}[caught]
        log(f"{impl:34s} {layer:10s} {run:8s} {verdict:6s} {seconds:7.1f} s  {extra.get('detail', '')}")
        return r

    def out_of_time(self, impl, layer, run):
        if time.monotonic() < self.deadline:
            return False
        self.record(impl, layer, run, None, 0.0, detail="not run: --deadline-minutes reached")
        return True

    # ---- layers -------------------------------------------------------------------
    def ctest(self, impl, layer):
        """The ctest label `layer` ("unit" or "gpu"); test_gpu_large is the "large" layer."""
        if self.out_of_time(impl, layer, "-"):
            return
        cmd = ["ctest", "--test-dir", self.build, "-L", layer, "--stop-on-failure", "--output-on-failure"]
        if layer == "gpu":
            cmd += ["-E", "test_gpu_large"]
        rc, s, out = run_timed(cmd, self.env(impl), self.work, 600)
        failed = re.findall(r"\d+ - (\S+) \(Failed\)", out)
        caught = None if rc is None or any(u in out for u in UNAVAILABLE) else rc != 0
        self.record(impl, layer, "-", caught, s, detail=",".join(failed) or ("timeout" if rc is None else ""))

    def test_binary(self, impl, layer, test, timeout, note=""):
        """One Check test binary of the build as the layer `layer`: a catch is a non-zero exit;
        a skip (77), a missing GPU or a timeout is no verdict. `note` heads the detail."""
        if self.out_of_time(impl, layer, "-"):
            return
        rc, s, out = run_timed([os.path.join(self.build, "tests", test)], self.env(impl), self.work, timeout)
        if rc == 77 or (rc is not None and any(u in out for u in UNAVAILABLE)):
            why = "skipped: " if rc == 77 else "no GPU: "
            self.record(impl, layer, "-", None, s, detail=why + out.strip()[-120:])
            return
        msg = [ln[-140:] for ln in out.splitlines() if ":F:" in ln or ":E:" in ln]
        detail = "timeout" if rc is None else ": ".join(x for x in (note, msg[0] if msg else "") if x)
        self.record(impl, layer, "-", None if rc is None else rc != 0, s, detail=detail)

    def grid(self, impl):
        """--no-ctest's gpu layer: test_gpu_grid alone (the grid reach's test)."""
        self.test_binary(impl, "gpu", "test_gpu_grid", 600, note="test_gpu_grid alone")

    def replay(self, impl):
        if self.out_of_time(impl, "replay", "-"):
            return
        d = tempfile.mkdtemp(dir=self.work)
        rc, s, out = run_timed([os.path.join(self.build, "fuzz", "fuzz_diff_replay"), *self.corpora()],
                               self.env("ref," + impl), d, 600)
        last = re.findall(r"replay: (\S+) \(\d+ bytes\)", out)
        detail = f"first failing input: {os.path.relpath(last[-1], ROOT)}" if rc and last else ""
        # A catch is a failed check; any other non-zero exit is the harness's own trouble.
        caught = False if rc == 0 else True if CHECK_FAILED in out else None
        if caught is None:
            detail = f"exit {rc}: " + " | ".join(out.strip().splitlines()[-2:])[-200:]
        self.record(impl, "replay", "-", caught, s, detail=detail)

    def sanitizer(self, impl, tool):
        if self.out_of_time(impl, tool, "-"):
            return
        d = tempfile.mkdtemp(dir=self.work)
        cmd = ["compute-sanitizer", "--tool", tool, "--error-exitcode", str(SANITIZER_ERROR_RC),
               os.path.join(self.build, "fuzz", "fuzz_diff_replay"), "--keep-going", *self.corpora()]
        env = self.env(impl)
        env["SPIDX_GPU_EXACT_BUFFERS"] = "1"  # each device buffer exactly its span (kernels/spidx_gpu.h)
        rc, s, out = run_timed(cmd, env, d, 900)
        summary = [ln.strip(" =") for ln in out.splitlines() if "SUMMARY" in ln or ln.startswith("replayed ")]
        # Caught only when the sanitizer itself reports; a wrong result alone is the replay's catch.
        caught = None if rc is None else rc == SANITIZER_ERROR_RC
        if rc not in (0, 1, SANITIZER_ERROR_RC):  # 1: --keep-going saw failed inputs
            caught = None
        self.record(impl, tool, "-", caught, s, detail="; ".join(summary) or f"exit {rc}")

    def large(self, impl):
        self.test_binary(impl, "large", "test_gpu_large", 900)

    def fuzz(self, impl, mode, seed, seconds):
        run = f"seed{seed}"
        if self.out_of_time(impl, "fuzz-" + mode, run):
            return
        d = tempfile.mkdtemp(dir=self.work)
        os.mkdir(os.path.join(d, "corpus"))
        cmd = [os.path.join(self.build, "fuzz", "fuzz_diff"), f"-seed={seed}", f"-max_total_time={seconds}",
               "-max_len=4096", f"-dict={os.path.join(ROOT, 'fuzz', 'spidx.dict')}", "-timeout=25",
               f"-artifact_prefix={d}/", "-print_final_stats=1", os.path.join(d, "corpus")]
        if mode == "seed":
            cmd += self.corpora()
        rc, s, out = run_timed(cmd, self.env("ref," + impl), d, seconds + 120)
        execs = re.findall(r"stat::number_of_executed_units: (\d+)", out)
        execs = int(execs[-1]) if execs else None
        artifacts = sorted(glob.glob(os.path.join(d, "crash-*")) + glob.glob(os.path.join(d, "timeout-*")))
        cases = sorted(glob.glob(os.path.join(d, "mismatch-*.case")))
        if rc == 0:
            self.record(impl, "fuzz-" + mode, run, False, s, execs=execs, detail="survived")
            return
        if rc is None or not (artifacts or cases):
            tail = out.strip().splitlines()[-3:] if out.strip() else []
            self.record(impl, "fuzz-" + mode, run, None, s, execs=execs,
                        detail="harness error: exit %s %s" % (rc, " | ".join(tail)[-200:]))
            return
        sig = ""
        if cases:
            r = subprocess.run([os.path.join(self.build, "tools", "spidx_repro"), "--signature", cases[0]],
                               env=self.env("ref," + impl), text=True, capture_output=True, timeout=120)
            m = re.search(r"signature: (\S+)", r.stdout)
            sig = m.group(1) if m else ""
            keep = os.path.join(self.args.keep_cases, f"{impl}-{mode}-seed{seed}.case") if self.args.keep_cases else ""
            if keep:
                os.makedirs(self.args.keep_cases, exist_ok=True)
                shutil.copy(cases[0], keep)
        kind = "timeout" if any(os.path.basename(a).startswith("timeout-") for a in artifacts) else "mismatch"
        self.record(impl, "fuzz-" + mode, run, True, s, execs=execs, detail=f"{kind} {sig}".strip())

    def corpora(self):
        return campaign.committed_corpora()


def summarize(mutants, controls, results):
    """Per (impl, layer): caught / missed / error / n/a, with times; per mutant: first catch."""
    by = {}
    for r in results:
        by.setdefault((r["impl"], r["layer"]), []).append(r)
    rows = []
    for m in mutants + controls:
        cells = {}
        for layer in LAYERS:
            rs = by.get((m["name"], layer), [])
            if not rs:
                cells[layer] = {"verdict": "n/a"}
                continue
            caught = [r for r in rs if r["caught"] is True]
            errors = [r for r in rs if r["caught"] is None]
            cell = {"runs": len(rs), "caught": len(caught), "errors": len(errors),
                    "seconds": [r["seconds"] for r in rs], "details": sorted({r.get("detail", "") for r in rs} - {""}),
                    "execs": [r.get("execs") for r in rs if r.get("execs") is not None]}
            if caught:
                cell["verdict"] = "caught"
                # Median time to detection over the runs; a run that missed counts as its
                # whole budget, so the median says "missed" once half the runs missed.
                times = sorted(r["seconds"] if r["caught"] else float("inf") for r in rs if r["caught"] is not None)
                med = statistics.median(times) if times else float("inf")
                cell["median_seconds"] = None if med == float("inf") else round(med, 2)
                cell["first_seconds"] = min(r["seconds"] for r in caught)
            elif errors and len(errors) == len(rs):
                cell["verdict"] = "error"
            else:
                cell["verdict"] = "missed"
            cells[layer] = cell
        caught_layers = [(c["first_seconds"], layer) for layer, c in cells.items() if c["verdict"] == "caught"]
        first = min(caught_layers) if caught_layers else None
        rows.append({**m, "cells": cells, "killed": bool(caught_layers),
                     "first_layer": first[1] if first else None, "first_seconds": first[0] if first else None})
    return rows


def cell_text(c):
    v = c["verdict"]
    if v == "n/a":
        return "n/a"
    if v == "error":
        return "ERROR"
    n = c["runs"]
    if v == "missed":
        return "missed" if n == 1 else f"0/{n}"
    med = c.get("median_seconds")
    t = f"{med:.1f} s" if med is not None else f"first {c['first_seconds']:.1f} s"
    return f"**{t}**" if n == 1 else f"**{c['caught']}/{n}, {t}**"


def write_report(rows, info, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    stamp = info["started_utc"]
    mut = [r for r in rows if r["number"] > 0]
    ctl = [r for r in rows if r["number"] <= 0]
    info["kill_rate"] = f"{sum(r['killed'] for r in mut)}/{len(mut)}"
    empty = [r["cells"]["fuzz-empty"] for r in mut if r["cells"]["fuzz-empty"]["verdict"] != "n/a"]
    killed_empty = [c for c in empty if c["verdict"] == "caught" and c.get("median_seconds") is not None]
    info["fuzz_empty_kills"] = f"{len(killed_empty)}/{len(empty)}"
    info["fuzz_empty_median_of_medians_s"] = (round(statistics.median(c["median_seconds"] for c in killed_empty), 2)
                                              if killed_empty else None)
    info["controls_clean"] = all(c["verdict"] in ("missed", "n/a") for r in ctl for c in r["cells"].values())
    with open(os.path.join(out_dir, stamp + ".json"), "w") as f:
        json.dump({"info": info, "rows": rows}, f, indent=1)
    lines = [f"# spidx mutation testing {stamp}", "",
             f"Kill rate **{info['kill_rate']}**; fuzz_diff from an empty corpus killed {info['fuzz_empty_kills']} "
             f"(median of per-mutant median times to detection: {info['fuzz_empty_median_of_medians_s'] or 'n/a'} s). "
             f"Controls (the real kernels through the same layers) clean: **{info['controls_clean']}**.", "",
             "| | |", "|---|---|"]
    for k in ("commit", "gpu", "host", "started_utc", "elapsed_s", "fuzz_seconds", "seeds", "fuzz_lanes",
              "lanes", "command"):
        lines.append(f"| {k.replace('_', ' ')} | {info.get(k)} |")
    lines += ["", "Cells: **time to detection** (median over the runs; k/n = runs that caught it), `0/n` or "
              "`missed` = the layer did not see it, n/a = not run. unit = `ctest -L unit`; gpu = `ctest -L gpu` but "
              "test_gpu_large; replay = "
              "`fuzz_diff_replay` over corpus/seed + corpus/regress; memcheck/racecheck = compute-sanitizer "
              "over the same corpus (caught only when the tool reports an error); fuzz-seed/fuzz-empty = "
              "`fuzz_diff -seed=s -max_total_time=T` from the seed corpus / an empty one; large = "
              "`test_gpu_large` (>2^31 weight elements). Times are wall seconds including start-up." +
              (" This run had `--no-ctest`: the unit layer was not run, and the gpu layer is `test_gpu_grid` "
               "alone." if info.get("no_ctest") else ""), "",
              "| # | mutant | bug | " + " | ".join(LAYERS) + " | first caught by |",
              "|---:|---|---|" + "---|" * len(LAYERS) + "---|"]
    for r in rows:
        first = f"{r['first_layer']} ({r['first_seconds']:.1f} s)" if r["killed"] else "**SURVIVED**"
        if r["number"] <= 0:
            first = "clean" if all(c["verdict"] in ("missed", "n/a") for c in r["cells"].values()) else "**FALSE ALARM**"
        lines.append(f"| {r['number'] if r['number'] > 0 else 'ctl'} | `{r['name']}` | {r['bug']} | " +
                     " | ".join(cell_text(r["cells"][layer]) for layer in LAYERS) + f" | {first} |")
    lines += ["", "## What each catch saw", ""]
    for r in rows:
        notes = []
        for layer in LAYERS:
            c = r["cells"][layer]
            if c["verdict"] in ("caught", "error") and c.get("details"):
                ex = f"; execs {sorted(c['execs'])}" if c.get("execs") else ""
                notes.append(f"{layer}: {'; '.join(c['details'])[:300]}{ex}")
        if notes:
            lines.append(f"- `{r['name']}`: " + " · ".join(notes))
    path = os.path.join(out_dir, stamp + ".md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\nUsage")[0].split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "mutants"), help="a SPIDX_ENABLE_MUTANTS build")
    ap.add_argument("--only", default="", help="mutant numbers, comma-separated (default: all)")
    ap.add_argument("--fuzz-seconds", type=int, default=120, help="budget of each fuzz_diff run (default 120)")
    ap.add_argument("--seeds", default="1,2,3", help="libFuzzer seeds, one run per corpus mode each")
    ap.add_argument("--lanes", type=int, default=6, help="concurrent non-fuzz runs")
    ap.add_argument("--fuzz-lanes", type=int, default=4, help="concurrent fuzz_diff runs (they share the GPU)")
    ap.add_argument("--large", default=None, help="mutant numbers that also run test_gpu_large (needs ~13 GB "
                    "host; default: those whose reach is large)")
    ap.add_argument("--no-fuzz", default=None, help="mutant numbers the fuzzer does not run (default: those whose "
                    "reach is not fuzz: sizes past its budget, 2^31 elements or 65,535 blocks of work)")
    ap.add_argument("--list", action="store_true", help="print the mutant table and the layers each gets, then exit")
    ap.add_argument("--controls", default="fused,baseline", help="real implementations run as controls")
    ap.add_argument("--control-fuzz-seconds", type=int, default=60)
    ap.add_argument("--deadline-minutes", type=float, default=1e9, help="schedule nothing new after this")
    ap.add_argument("--keep-cases", default="", help="copy each fuzz-found .case into this folder")
    ap.add_argument("--out", default=os.path.join(ROOT, "reports", "mutation"))
    ap.add_argument("--no-ctest", action="store_true", help="no unit layer; the gpu layer is test_gpu_grid alone "
                    "(a machine without the whole mutant build)")
    args = ap.parse_args()

    args.build = os.path.abspath(args.build)
    try:
        table = read_mutants(args.build)
    except (TableError, OSError, ValueError) as e:
        log(str(e))
        return 2
    # Defaults from the reach column, over the whole table (not only --only's mutants).
    large = numbers(args.large) if args.large is not None else {m["number"] for m in table if m["reach"] == "large"}
    no_fuzz = (numbers(args.no_fuzz) if args.no_fuzz is not None
               else {m["number"] for m in table if m["reach"] != "fuzz"})
    mutants = table
    if args.only:
        keep = numbers(args.only)
        mutants = [m for m in mutants if m["number"] in keep]
    if args.list:
        print(f"{len(mutants)} mutants from {os.path.join(args.build, 'kernels', 'mutants', 'mutants.json')}")
        # What a run with the same flags would do: --no-ctest has no unit layer and its gpu
        # layer is test_gpu_grid alone.
        base = ("gpu=test_gpu_grid," if args.no_ctest else "unit,gpu,") + "replay,memcheck,racecheck"
        for m in mutants:
            extra = ([] if m["number"] in no_fuzz else ["fuzz"]) + (["large"] if m["number"] in large else [])
            print(f"{m['number']:3d}  {m['name']:34s} {m['source']:9s} reach {m['reach']:6s} "
                  f"layers: {base}{''.join(',' + x for x in extra)}  {m['bug']}")
        return 0
    for tool in ("compute-sanitizer",) if args.no_ctest else ("ctest", "compute-sanitizer"):
        if not shutil.which(tool):
            log(f"{tool} not found")
            return 2
    for b in ("fuzz/fuzz_diff", "fuzz/fuzz_diff_replay", "tools/spidx_repro", "tests/test_gpu_large",
              "tests/test_gpu_grid"):
        if not os.access(os.path.join(args.build, b), os.X_OK):
            log(f"missing {args.build}/{b}: build the `mutants` preset first")
            return 2
    controls = [{"number": -i, "source": c, "name": c, "bug": "control: the real implementation"}
                for i, c in enumerate(filter(None, args.controls.split(",")))]
    seeds = [int(s) for s in args.seeds.split(",")]
    runner = Runner(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    log(f"{len(mutants)} mutants, {len(controls)} controls; work dir {runner.work}")

    # Phase 1: the pass/fail layers, concurrently (their times are not the headline).
    with concurrent.futures.ThreadPoolExecutor(args.lanes) as pool:
        jobs = []
        for m in mutants + controls:
            if args.no_ctest:
                jobs.append(pool.submit(runner.grid, m["name"]))
            else:
                jobs += [pool.submit(runner.ctest, m["name"], layer) for layer in ("unit", "gpu")]
            jobs.append(pool.submit(runner.replay, m["name"]))
            jobs += [pool.submit(runner.sanitizer, m["name"], t) for t in SANITIZERS]
        for j in jobs:
            j.result()
    # Phase 2: the >2^31 test, alone (it needs ~13 GB of host memory and 6.4 GB on the GPU).
    for m in mutants + controls[:1]:
        if m["number"] in large or (m["number"] <= 0 and large):
            runner.large(m["name"])
    # Phase 3: fuzzing; each run's time to detection is its headline number.
    with concurrent.futures.ThreadPoolExecutor(args.fuzz_lanes) as pool:
        jobs = []
        for mode in ("empty", "seed"):
            for seed in seeds:
                for m in mutants:
                    if m["number"] not in no_fuzz:
                        jobs.append(pool.submit(runner.fuzz, m["name"], mode, seed, args.fuzz_seconds))
        for c in controls:
            jobs.append(pool.submit(runner.fuzz, c["name"], "empty", seeds[0], args.control_fuzz_seconds))
        for j in jobs:
            j.result()

    info = {"commit": campaign.git_commit(), "gpu": ", ".join(campaign.gpus()) or "unknown", "host": os.uname().nodename,
            "started_utc": started.strftime("%Y%m%dT%H%M%SZ"), "elapsed_s": round(time.monotonic() - t0),
            "fuzz_seconds": args.fuzz_seconds, "seeds": seeds, "lanes": args.lanes, "fuzz_lanes": args.fuzz_lanes,
            "command": " ".join(["python3", "fuzz/mutation.py"] + sys.argv[1:]), "no_ctest": args.no_ctest}
    rows = summarize(mutants, controls, runner.results)
    path = write_report(rows, info, args.out)
    shutil.copy(os.path.join(runner.work, "journal.jsonl"), os.path.join(args.out, info["started_utc"] + ".jsonl"))
    log(f"report: {os.path.relpath(path, ROOT)}; kill rate {info['kill_rate']}, "
        f"fuzz-empty {info['fuzz_empty_kills']}, median {info['fuzz_empty_median_of_medians_s']} s, "
        f"controls clean {info['controls_clean']}")
    if not info["controls_clean"]:
        return 2
    alive = [r for r in rows if r["number"] > 0 and not r["killed"]]
    if any(c["verdict"] == "error" for r in alive for c in r["cells"].values()):
        return 2  # a survivor some layer could not judge: a harness problem, not a verdict
    return 1 if alive else 0


if __name__ == "__main__":
    sys.exit(main())
