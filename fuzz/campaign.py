#!/usr/bin/env python3
"""fuzz/campaign.py - one fuzz campaign, start to report: builds the libFuzzer targets if
missing or stale, fuzzes for a time budget (fuzz_diff per GPU with a GPU; fuzz_ref plus
fuzz_diff's CPU form without), then merges the corpus, deduplicates and minimizes failures
and writes reports/<UTC>/report.{md,json} with a plot, plus a line in reports/history.jsonl.
Usage: python3 fuzz/campaign.py [--minutes M] [--workers N] [--seed S]   (README "Campaigns")
Exit: 0 no new failure, 1 new failure(s), 2 harness error. Ctrl-C/SIGTERM keep everything
found so far and write a partial report."""

import argparse
import datetime
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(ROOT, "campaigns")  # git-ignored: working corpora, known failures, raw runs
STATUS_RE = re.compile(r"#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s:? (\d+) "
                       r"oom/timeout/crash: (\d+)/(\d+)/(\d+) time: (\d+)s")
TICK_S = 15  # status line period (the issue asks for at most 30 s)


class HarnessError(Exception):
    pass


def log(msg):
    print(f"[campaign] {msg}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, **kw)


def build(build_dir):
    """Configures and builds the `fuzz` preset when clang exists; else uses what is built."""
    bins = {t: os.path.join(build_dir, "fuzz", t) for t in ("fuzz_diff", "fuzz_ref", "fuzz_ref_replay")}
    bins["spidx_repro"] = os.path.join(build_dir, "tools", "spidx_repro")
    if shutil.which("clang") and build_dir == os.path.join(ROOT, "build", "fuzz"):
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            r = run(["cmake", "--preset", "fuzz"])
            if r.returncode:
                raise HarnessError("cmake --preset fuzz failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
        r = run(["cmake", "--build", "--preset", "fuzz", "-j", str(os.cpu_count() or 2)])
        if r.returncode:
            raise HarnessError("build failed:\n" + r.stdout[-3000:] + r.stderr[-2000:])
    else:
        log(f"no clang here: using the binaries already in {build_dir} (they may be stale)")
    missing = [p for p in bins.values() if not os.access(p, os.X_OK)]
    if missing:
        raise HarnessError("missing binaries: " + ", ".join(missing))
    return bins


def gpus():
    """GPU names from nvidia-smi, [] when there is none (or no driver)."""
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], text=True,
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [l.strip() for l in r.stdout.splitlines() if l.strip()] if r.returncode == 0 else []


def options(target):
    """libFuzzer flags from fuzz/<target>.options (the file OSS-Fuzz reads too)."""
    flags = []
    path = os.path.join(ROOT, "fuzz", f"{target}.options")
    if os.path.exists(path):
        for line in open(path):
            m = re.match(r"\s*(\w+)\s*=\s*(\S+)", line)
            if m:
                flags.append(f"-{m.group(1)}={m.group(2)}")
    return flags + [f"-dict={os.path.join(ROOT, 'fuzz', 'spidx.dict')}"]


def git_commit():
    if os.environ.get("SPIDX_COMMIT"):  # set where the tree is a copy whose .git may be stale
        return os.environ["SPIDX_COMMIT"]
    r = run(["git", "rev-parse", "HEAD"])
    dirty = run(["git", "status", "--porcelain", "--untracked-files=no"]).stdout.strip()
    return (r.stdout.strip() or "unknown") + ("+dirty" if dirty else "")


class Worker:
    """One libFuzzer process in fork mode: a target, its job count and its log."""

    def __init__(self, name, target, binary, forks, env, run_dir, seconds, seed, corpora):
        self.name, self.target, self.forks = name, target, forks
        self.log_path = os.path.join(run_dir, f"{name}.log")
        self.last = None  # the latest parsed status tuple
        art = os.path.join(run_dir, "artifacts", "")
        os.makedirs(art, exist_ok=True)
        cmd = [binary, f"-fork={forks}", "-ignore_crashes=1", f"-max_total_time={seconds}",
               f"-seed={seed}", f"-artifact_prefix={art}", "-print_final_stats=1"] + options(target) + corpora
        self.cmd = cmd
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=run_dir, stdout=self.logf, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)

    def poll_status(self):
        with open(self.log_path, errors="replace") as f:
            for line in f:
                m = STATUS_RE.search(line)
                if m:
                    self.last = tuple(int(x) for x in m.groups())
        return self.last

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.logf.close()


def read_coverage(pattern):
    """Sums the per-job semantic coverage JSON files: {impl: {"inputs": n, "categories": {...}}}."""
    total = {}
    for path in glob.glob(pattern):
        try:
            data = json.load(open(path))
        except (OSError, ValueError):
            continue  # a job still writing it
        for impl, d in data.get("implementations", {}).items():
            t = total.setdefault(impl, {"inputs": 0, "categories": {}})
            t["inputs"] += d.get("inputs", 0)
            for k, v in d.get("categories", {}).items():
                t["categories"][k] = t["categories"].get(k, 0) + v
    return total


def categories_hit(cov):
    names = set()
    hit = set()
    for d in cov.values():
        for k, v in d["categories"].items():
            names.add(k)
            if v:
                hit.add(k)
    return len(hit), len(names)


def signature(bins, artifact, target):
    """Failure signature IMPL:FIELD:CLASS (disagreements) or ref:property:MESSAGE (fuzz_ref)."""
    if target == "fuzz_diff":
        r = run([bins["spidx_repro"], "--signature", artifact])
        m = re.search(r"signature: (\S+)", r.stdout)
        if m and m.group(1) != "agree":
            return m.group(1)
    r = run([bins["fuzz_ref_replay"], artifact])
    out = r.stdout + r.stderr
    m = re.search(r"==== spidx: check failed ====\n(.*)", out)
    if m:
        msg = re.sub(r"-?\d+", "N", m.group(1).strip())[:80]
        return "ref:property:" + re.sub(r"[^A-Za-z0-9_.-]+", "-", msg).strip("-")
    return "unreproduced:" + os.path.basename(artifact)


def slug(sig):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", sig)[:80] + "-" + hashlib.sha1(sig.encode()).hexdigest()[:8]


def case_written_by_target(artifact):
    """The `.case` that the target's fuzz_fail wrote next to a crash artifact (named by the
    FNV-1a hash of the input): the case exactly as the target decoded it, or None."""
    h = 0xcbf29ce484222325
    with open(artifact, "rb") as f:
        for b in f.read():
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    path = os.path.join(os.path.dirname(artifact), f"mismatch-{h:016x}.case")
    return path if os.path.exists(path) else None


def triage(bins, run_dir, report_dir):
    """Deduplicates the run's crash artifacts by signature; minimizes the first artifact of each."""
    failures = {}
    for art in sorted(glob.glob(os.path.join(run_dir, "artifacts", "crash-*"))):
        target = owner_of(run_dir, art)
        sig = signature(bins, art, target)
        f = failures.setdefault(sig, {"signature": sig, "target": target, "artifacts": [], "new": False})
        f["artifacts"].append(os.path.relpath(art, ROOT))
    for sig, f in failures.items():
        known = os.path.join(STATE, "failures", slug(sig))
        f["new"] = not os.path.exists(known)
        os.makedirs(known, exist_ok=True)
        os.makedirs(os.path.join(report_dir, "failures"), exist_ok=True)
        out_case = os.path.join(report_dir, "failures", slug(sig) + ".case")
        first = os.path.join(ROOT, f["artifacts"][0])
        if f["target"] == "fuzz_diff" and not sig.startswith(("ref:", "unreproduced:")):
            r = run([bins["spidx_repro"], "--minimize", out_case, first], timeout=1800)
            m = re.search(r"---- minimized: (.*); wrote", r.stdout)
            f["minimized"] = m.group(1) if m else "minimizer gave no case"
        else:
            # fuzz_ref decodes bytes within its own, smaller budget, so spidx_repro (which
            # decodes like fuzz_diff) could turn its artifact into another case: keep the
            # case fuzz_ref wrote, or else the artifact's bytes for fuzz_ref_replay.
            if f["target"] == "fuzz_ref":
                written = case_written_by_target(first)
                if not written:
                    out_case = out_case[:-len(".case")] + ".bin"
                shutil.copy(written or first, out_case)
            else:
                run([bins["spidx_repro"], "--to-case", out_case, first])
            f["minimized"] = ("not minimized (did not reproduce)" if sig.startswith("unreproduced:")
                              else "not minimized (a property of the reference, not a disagreement)")
        if os.path.exists(out_case):
            shutil.copy(out_case, os.path.join(known, "case" + os.path.splitext(out_case)[1]))
            rel = os.path.relpath(out_case, ROOT)
            f["case"] = rel
            f["repro"] = (f"{os.path.relpath(bins['spidx_repro'], ROOT)} {rel}" if f["target"] == "fuzz_diff"
                          else f"{os.path.relpath(bins['fuzz_ref_replay'], ROOT)} {rel}")
    return failures


def owner_of(run_dir, artifact):
    """Which target wrote an artifact: the worker logs name the files they wrote."""
    base = os.path.basename(artifact)
    for path in glob.glob(os.path.join(run_dir, "*.log")):
        if base in open(path, errors="replace").read():
            return "fuzz_ref" if os.path.basename(path).startswith("fuzz_ref") else "fuzz_diff"
    return "fuzz_diff"


def plot(timeline, report_dir):
    """Coverage and execs over time as plot.svg, by gnuplot or else matplotlib."""
    csv = os.path.join(report_dir, "timeline.csv")
    with open(csv, "w") as f:
        f.write("elapsed_s,execs,execs_per_s,cov,ft,semantic_hit,failures\n")
        for t in timeline:
            f.write(",".join(str(x) for x in t) + "\n")
    svg = os.path.join(report_dir, "plot.svg")
    if len(timeline) < 2:
        return None, "fewer than two samples"
    if shutil.which("gnuplot"):
        script = f"""set terminal svg size 900,420 dynamic
set output '{svg}'
set datafile separator ','
set key autotitle columnhead left top
set xlabel 'elapsed (s)'
set ylabel 'libFuzzer coverage (cov, ft)'
set y2label 'execs'
set y2tics
set ytics nomirror
set grid
plot '{csv}' using 1:4 with lines lw 2 title 'cov', '' using 1:5 with lines lw 2 title 'ft', \\
     '' using 1:2 axes x1y2 with lines dt 2 lw 2 title 'execs'
"""
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode == 0 and os.path.exists(svg):
            return "plot.svg", "gnuplot"
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None, "neither gnuplot nor matplotlib is installed"
    fig, ax = plt.subplots(figsize=(9, 4.2))
    xs = [t[0] for t in timeline]
    ax.plot(xs, [t[3] for t in timeline], label="cov")
    ax.plot(xs, [t[4] for t in timeline], label="ft")
    ax.set_xlabel("elapsed (s)")
    ax.set_ylabel("libFuzzer coverage (cov, ft)")
    ax2 = ax.twinx()
    ax2.plot(xs, [t[1] for t in timeline], "--", color="gray", label="execs")
    ax2.set_ylabel("execs")
    fig.legend(loc="upper left")
    ax.grid(True)
    fig.savefig(svg)
    return "plot.svg", "matplotlib"


def write_report(report_dir, info, workers, timeline, coverage, failures, plot_file):
    info = dict(info)
    secs = max(1, info["elapsed_s"])
    info["workers"] = []
    for w in workers:
        last = w.last or (0,) * 9
        info["workers"].append({"name": w.name, "target": w.target, "jobs": w.forks, "command": " ".join(w.cmd),
                                "execs": last[0], "execs_per_s": round(last[0] / secs),
                                "execs_per_s_per_job": round(last[0] / secs / max(1, w.forks)),
                                "cov": last[1], "ft": last[2]})
    info["coverage"] = coverage
    info["failures"] = list(failures.values())
    info["plot"] = plot_file
    json.dump(info, open(os.path.join(report_dir, "report.json"), "w"), indent=2)
    new = [f for f in failures.values() if f["new"]]
    L = [f"# spidx campaign {info['started_utc']}", ""]
    L.append(f"**{'NEW FAILURES: ' + str(len(new)) if new else 'no new failure'}**"
             f"{' (interrupted: partial report)' if info['interrupted'] else ''}")
    L += ["", "| | |", "|---|---|"]
    for k in ("commit", "host", "gpu", "budget_minutes", "elapsed_s", "total_execs", "execs_per_s",
              "corpus_before", "corpus_after", "semantic_categories_hit"):
        L.append(f"| {k.replace('_', ' ')} | {info.get(k)} |")
    L += ["", "## Workers", "", "| worker | target | fork jobs | execs | execs/s | execs/s per job | cov | ft |",
          "|---|---|---:|---:|---:|---:|---:|---:|"]
    for w in info["workers"]:
        L.append(f"| {w['name']} | {w['target']} | {w['jobs']} | {w['execs']} | {w['execs_per_s']} | "
                 f"{w['execs_per_s_per_job']} | {w['cov']} | {w['ft']} |")
    L += ["", "execs/s = a worker's executions (libFuzzer fork mode, all its jobs) / elapsed time, "
          "including start-up and corpus loading; per job = that / jobs.", ""]
    L += ["## Failures", ""]
    if not failures:
        L.append("none")
    for f in failures.values():
        L += [f"- `{f['signature']}` ({'new' if f['new'] else 'seen before'}; {len(f['artifacts'])} artifact(s), "
              f"{f.get('minimized', '')})", f"  - repro: `{f.get('repro', 'n/a')}`"]
    L += ["", "## Semantic coverage (inputs per category)", ""]
    for target, cov in coverage.items():
        impls = sorted(cov)
        if not impls:
            continue
        L += [f"### {target}", "", "| category | " + " | ".join(impls) + " |",
              "|---|" + "---:|" * len(impls)]
        L.append("| inputs | " + " | ".join(str(cov[i]["inputs"]) for i in impls) + " |")
        for cat in cov[impls[0]]["categories"]:
            L.append(f"| {cat} | " + " | ".join(str(cov[i]["categories"].get(cat, 0)) for i in impls) + " |")
        L.append("")
    L += ["## Coverage and execs over time", ""]
    L.append("![coverage and execs over time](plot.svg)" if plot_file else f"no plot: {info.get('plot_note')}")
    open(os.path.join(report_dir, "report.md"), "w").write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=2.0, help="fuzzing budget (default 2; nightly: hours)")
    ap.add_argument("--workers", type=int, default=0,
                    help="fork jobs per GPU, or CPU jobs in all without a GPU (default: from the cores)")
    ap.add_argument("--seed", type=int, default=0, help="libFuzzer -seed (0: from the clock)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "fuzz"))
    args = ap.parse_args()

    started = datetime.datetime.now(datetime.timezone.utc)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    report_dir = os.path.join(ROOT, "reports", stamp)
    run_dir = os.path.join(STATE, "runs", stamp)
    os.makedirs(report_dir, exist_ok=True)
    os.makedirs(os.path.join(run_dir, "cov"), exist_ok=True)
    seconds = max(10, int(args.minutes * 60))
    seed = args.seed or int(time.time()) % 1000000007

    try:
        bins = build(args.build_dir)
    except HarnessError as e:
        print(f"[campaign] harness error: {e}", file=sys.stderr)
        return 2
    gpu_names = gpus()
    cores = os.cpu_count() or 2
    seeds = [os.path.join(ROOT, "corpus", "seed"), os.path.join(ROOT, "corpus", "regress")]
    plan = []  # (worker name, target, forks, extra env)
    if gpu_names:
        # One job per GPU by default: on the H100, 8 fork jobs sharing the GPU gave 3,634
        # execs/s in all against 5,000-6,000 for one process (contention for the device).
        per_gpu = args.workers or 1
        for g in range(len(gpu_names)):
            env = {"CUDA_VISIBLE_DEVICES": str(g), "SPIDX_REQUIRE_GPU": "1"}
            plan.append((f"fuzz_diff-gpu{g}", "fuzz_diff", per_gpu, env))
    else:
        total = args.workers or cores
        plan.append(("fuzz_ref", "fuzz_ref", max(1, (total + 1) // 2), {}))
        plan.append(("fuzz_diff-cpu", "fuzz_diff", max(1, total // 2), {}))

    corpus_counts = {}
    workers = []
    interrupted = {"flag": False}

    def on_signal(signum, _frame):
        interrupted["flag"] = True
        log(f"signal {signum}: stopping the fuzzers; keeping the corpus and failures, writing a partial report")

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    for name, target, forks, extra in plan:
        work = os.path.join(STATE, "corpus", target)  # resumed by the next campaign
        new = os.path.join(run_dir, "new", target)
        os.makedirs(work, exist_ok=True)
        os.makedirs(new, exist_ok=True)
        corpus_counts.setdefault(target, len(os.listdir(work)))
        env = dict(os.environ, SPIDX_COVERAGE_JSON=os.path.join(run_dir, "cov", f"{name}-%p.json"), **extra)
        workers.append(Worker(name, target, bins[target], forks, env, run_dir, seconds, seed, [new, work] + seeds))
        log(f"started {name}: {target}, {forks} fork job(s)"
            f"{', CUDA_VISIBLE_DEVICES=' + extra['CUDA_VISIBLE_DEVICES'] if 'CUDA_VISIBLE_DEVICES' in extra else ''}")
    log(f"budget {seconds} s; GPUs: {', '.join(gpu_names) or 'none (CPU forms only)'}; reports/{stamp}/")

    timeline = [(0, 0, 0, 0, 0, 0, 0)]
    t0 = time.time()
    while not interrupted["flag"]:
        time.sleep(1)
        elapsed = time.time() - t0
        running = any(w.proc.poll() is None for w in workers)
        if int(elapsed) % TICK_S == 0 or not running:
            st = [w.poll_status() for w in workers]
            execs = sum(s[0] for s in st if s)
            # fork mode's own exec/s is the last job's; the rate over the last tick is steadier
            rate = round((execs - timeline[-1][1]) / max(1e-9, elapsed - timeline[-1][0])) if timeline else 0
            cov = sum(s[1] for s in st if s)
            ft = sum(s[2] for s in st if s)
            hit, names = categories_hit(read_coverage(os.path.join(run_dir, "cov", "*.json")))
            fails = len(glob.glob(os.path.join(run_dir, "artifacts", "crash-*")))
            timeline.append((int(elapsed), execs, rate, cov, ft, hit, fails))
            log(f"{int(elapsed)//60:02d}:{int(elapsed)%60:02d}/{seconds//60:02d}:{seconds%60:02d} execs {execs} "
                f"({rate}/s) cov {cov} ft {ft} | semantic {hit}/{names or '?'} categories | failures {fails}")
        if not running:
            break
        if elapsed > seconds + 120:
            log("fuzzers overran their budget by 2 minutes: stopping them")
            break
    for w in workers:
        w.stop()
        w.poll_status()
        if w.proc.returncode not in (0, None, -signal.SIGINT, 130) and not w.last and not interrupted["flag"]:
            print(f"[campaign] harness error: {w.name} exited {w.proc.returncode}; see {w.log_path}", file=sys.stderr)
            return 2
    elapsed = int(time.time() - t0)

    # Merge: only inputs that add coverage join the working corpus.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish the bookkeeping; it is short
    corpus_after = {}
    for target in corpus_counts:
        work = os.path.join(STATE, "corpus", target)
        new = os.path.join(run_dir, "new", target)
        r = run([bins[target], "-merge=1", f"-artifact_prefix={os.path.join(run_dir, 'artifacts', '')}"]
                + [o for o in options(target) if o.startswith("-max_len")] + [work, new], timeout=1800)
        if r.returncode:
            log(f"merge of {target} failed (rc {r.returncode}); the new inputs stay in {new}")
        corpus_after[target] = len(os.listdir(work))
    failures = triage(bins, run_dir, report_dir)
    coverage = {w.target: read_coverage(os.path.join(run_dir, "cov", f"{w.target}*.json")) for w in workers}
    hit, names = categories_hit({f"{t}/{i}": d for t, c in coverage.items() for i, d in c.items()})
    plot_file, plot_note = plot(timeline, report_dir)
    total_execs = sum((w.last or (0,))[0] for w in workers)
    info = {
        "started_utc": stamp, "commit": git_commit(), "host": os.uname().nodename,
        "gpu": ", ".join(gpu_names) or "none", "budget_minutes": args.minutes, "elapsed_s": elapsed,
        "seed": seed, "interrupted": interrupted["flag"], "total_execs": total_execs,
        "execs_per_s": round(total_execs / max(1, elapsed)), "corpus_before": corpus_counts,
        "corpus_after": corpus_after, "semantic_categories_hit": f"{hit}/{names}", "plot_note": plot_note,
        "run_dir": os.path.relpath(run_dir, ROOT),
    }
    write_report(report_dir, info, workers, timeline, coverage, failures, plot_file)
    new = [f for f in failures.values() if f["new"]]
    with open(os.path.join(ROOT, "reports", "history.jsonl"), "a") as h:
        h.write(json.dumps({"utc": stamp, "commit": info["commit"], "gpu": info["gpu"], "elapsed_s": elapsed,
                            "execs": total_execs, "execs_per_s": info["execs_per_s"],
                            "failures": len(failures), "new_failures": len(new),
                            "interrupted": interrupted["flag"], "report": f"reports/{stamp}/report.md"}) + "\n")
    log(f"{total_execs} execs in {elapsed} s; {len(failures)} failure signature(s), {len(new)} new; "
        f"report: reports/{stamp}/report.md ({plot_note})")
    for f in new:
        log(f"NEW FAILURE {f['signature']}: repro: {f.get('repro')}")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
