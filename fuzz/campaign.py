#!/usr/bin/env python3
"""fuzz/campaign.py - one fuzz campaign, start to report: builds the libFuzzer targets if
missing or stale, rechecks the known failures (fuzz/failures.py), fuzzes for a time budget
(fuzz_diff per GPU with a GPU, under an MPS daemon it starts when it can; fuzz_ref plus
fuzz_diff's CPU form without), then merges the corpus, deduplicates and minimizes failures
and writes reports/<UTC>/report.{md,json} with a plot, plus a line in reports/history.jsonl.
Usage: python3 fuzz/campaign.py [--minutes M] [--workers N] [--seed S] [--no-mps] [--build-dir DIR] [--coverage]
(README "Campaigns"; --coverage adds line coverage of the host code, fuzz/line_coverage.sh)
Exit: 0 no new failure, 1 new failure(s), 2 harness error. Ctrl-C/SIGTERM stop every fuzzer
within STOP_GRACE_S seconds, keep everything found so far and write a partial report; the
exit code is then 128 + the signal's number (130, 143) unless a new failure (1) or a harness
error (2) says more, so that a nightly job cut short never reads as a clean run."""

import argparse
import concurrent.futures
import datetime
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failures as failures_py  # noqa: E402  fuzz/failures.py: known failures, recheck, promote
STATE = failures_py.STATE  # git-ignored: working corpora, known failures, raw runs (SPIDX_CAMPAIGNS_DIR)
STATUS_RE = re.compile(r"#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s:? (\d+) "
                       r"oom/timeout/crash: (\d+)/(\d+)/(\d+) time: (\d+)s")
TICK_S = 15  # seconds between status lines, on a fixed schedule from the start
STOP_GRACE_S = 5  # seconds the fuzzers get to exit on SIGINT before SIGKILL (fork mode ignores it)
# Artifacts the triage signs at most, spread over all: each signature is a process that
# loads every implementation (seconds with a Python plug-in), and failures a job cannot
# pass over (writes outside the buffers, sticky CUDA errors) leave one artifact each.
TRIAGE_MOST = 200
TRIAGE_LANES = 8  # signing processes at once: each may hold a CUDA context (and torch)
# libFuzzer's -timeout per input (its own default is 1200 s). A valid input takes seconds at
# most (a Triton compilation included), so a job stuck longer is a hang to report; it is also
# the way out of a fatal device fault under MPS: the server then refuses new clients until
# every client it struck has exited, and a client spinning in a CUDA call never does (seen
# on an H200 on 2026-12-01: a 20-minute campaign made no execution after its first 45 s).
INPUT_TIMEOUT_S = 60
# Seconds without a new execution, fuzzers alive, before the campaign stops them, restarts
# the MPS daemon it started and starts them again for the budget left: longer than
# libFuzzer's longest fork job (300 s) plus one input timeout, so only a stall trips it.
STALL_S = 420
MAX_RESTARTS = 5
ARTIFACT_KINDS = ("crash-*", "timeout-*", "oom-*")  # what libFuzzer writes for a failing input


class HarnessError(Exception):
    pass


def committed_corpora():
    """The committed corpus folders, as corpus/committed.txt lists them (absolute paths)."""
    with open(os.path.join(ROOT, "corpus", "committed.txt")) as f:
        names = [line.strip() for line in f if line[:1].isalpha()]
    return [os.path.join(ROOT, "corpus", n) for n in names]


def log(msg):
    print(f"[campaign] {msg}", flush=True)


def run(cmd, **kw):
    # errors="replace": the tools may echo an input's bytes, which need not be UTF-8
    return subprocess.run(cmd, cwd=ROOT, text=True, errors="replace", capture_output=True, **kw)


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
        why = "no clang here" if not shutil.which("clang") else "--build-dir is not build/fuzz, so nothing is built"
        log(f"{why}: using the binaries already in {build_dir} (they may be stale)")
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
        with open(path) as f:
            for line in f:
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
        self.binary, self.env, self.run_dir, self.seed, self.corpora = binary, env, run_dir, seed, corpora
        self.restarts = 0
        self.carried = 0  # executions of the processes a stall made the campaign restart
        self.before = None  # the last status tuple of the process before the latest restart
        self.start(seconds)

    def start(self, seconds):
        """Starts libFuzzer in fork mode for `seconds`, logging to <name>.log (the first time)
        or <name>-restart<N>.log."""
        self.log_path = os.path.join(self.run_dir, self.name + (f"-restart{self.restarts}" if self.restarts else "")
                                     + ".log")
        self.last_raw = None  # the latest status tuple parsed from this process's log
        self.progress_at = time.monotonic()  # when this process's executions last grew (monitor)
        self.offset = 0   # bytes of the log already read
        self.partial = b""  # the log's last line, read before its newline was written
        art = os.path.join(self.run_dir, "artifacts", self.name, "")  # per worker: triage tells the targets apart
        os.makedirs(art, exist_ok=True)
        # A restart gets another seed: the same one would replay the mutations that led to the stall.
        self.cmd = [self.binary, f"-fork={self.forks}", "-ignore_crashes=1", "-ignore_timeouts=1",
                    f"-timeout={INPUT_TIMEOUT_S}", f"-max_total_time={seconds}", f"-seed={self.seed + self.restarts}",
                    f"-artifact_prefix={art}", "-print_final_stats=1"] + options(self.target) + self.corpora
        # The child keeps its own descriptor of the log; this process only reads it.
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(self.cmd, cwd=self.run_dir, stdout=logf, stderr=subprocess.STDOUT,
                                         env=self.env, start_new_session=True)

    def restart(self, seconds):
        """After a stall (the process is stopped): keeps its executions and starts anew."""
        if self.last_raw is not None:
            self.carried += self.last_raw[0]
            self.before = self.last_raw
        self.restarts += 1
        self.start(seconds)

    @property
    def last(self):
        """The latest status tuple, executions counted over every restart; until a restarted
        process prints, the previous process's coverage figures (None before any line)."""
        raw = self.last_raw or self.before
        if raw is None:
            return None
        return (self.carried + (self.last_raw[0] if self.last_raw else 0),) + raw[1:]

    def poll_status(self, final=False):
        """Parses the status lines appended to the log since the last call. A line without its
        newline yet waits for the next call, unless `final` (the process has exited)."""
        with open(self.log_path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        self.offset += len(chunk)
        lines = (self.partial + chunk).split(b"\n")
        self.partial = b"" if final else lines.pop()
        for line in lines:
            m = STATUS_RE.search(line.decode(errors="replace"))
            if m:
                self.last_raw = tuple(int(x) for x in m.groups())
        return self.last

    def signal_group(self, signum):
        """Sends signum to the worker's process group (libFuzzer and its fork-mode jobs)."""
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            pass


def stop_all(workers, grace=STOP_GRACE_S):
    """Stops every worker at once: SIGINT to each process group, one wait for all of them
    until `grace` seconds have passed, then SIGKILL to every group (fork-mode jobs can
    outlive their parent). Returns the seconds it took. What the fuzzers wrote stays."""
    t0 = time.monotonic()
    for w in workers:
        if w.proc.poll() is None:
            w.signal_group(signal.SIGINT)
    while any(w.proc.poll() is None for w in workers) and time.monotonic() - t0 < grace:
        time.sleep(0.05)
    for w in workers:
        w.signal_group(signal.SIGKILL)
    for w in workers:
        try:
            w.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log(f"{w.name} (pid {w.proc.pid}) did not exit after SIGKILL")
    return time.monotonic() - t0


def read_coverage(pattern):
    """Sums the per-job semantic coverage JSON files: {impl: {"inputs": n, "categories": {...},
    "not_applicable": {"inputs": n, "categories": {...}}}}; not applicable = inputs outside what
    a plug-in declares, not run on it."""
    total = {}
    for path in glob.glob(pattern):
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue  # a job still writing it
        for impl, d in data.get("implementations", {}).items():
            t = total.setdefault(impl, {"inputs": 0, "categories": {},
                                        "not_applicable": {"inputs": 0, "categories": {}}})
            t["inputs"] += d.get("inputs", 0)
            for k, v in d.get("categories", {}).items():
                t["categories"][k] = t["categories"].get(k, 0) + v
            na = d.get("not_applicable", {})
            t["not_applicable"]["inputs"] += na.get("inputs", 0)
            for k, v in na.get("categories", {}).items():
                t["not_applicable"]["categories"][k] = t["not_applicable"]["categories"].get(k, 0) + v
    return total


def read_startup(pattern):
    """The fork jobs' start-up: (jobs, seconds starting, seconds alive) summed over the
    per-process coverage files that carry them (fuzz_startup_times: from process start to
    libFuzzer's first mutation; parents and merges carry none)."""
    jobs, start, alive = 0, 0.0, 0.0
    for path in glob.glob(pattern):
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        if "lifetime_s" in data:
            jobs += 1
            start += data["startup_s"]
            alive += data["lifetime_s"]
    return jobs, start, alive


def startup_text(jobs, start, alive):
    if not jobs or alive <= 0:
        return "not measured (no job reported its start-up)"
    return (f"{100 * start / alive:.1f}% of job time ({jobs} jobs, {start / jobs:.2f} s starting and "
            f"{alive / jobs:.1f} s alive on average)")


def categories_hit(cov):
    names = set()
    hit = set()
    for d in cov.values():
        for k, v in d["categories"].items():
            names.add(k)
            if v:
                hit.add(k)
    return len(hit), len(names)


CASE_WRITTEN_RE = re.compile(r"^==== case written to (.+) \(replay: ", re.M)  # fuzz_fail's line


def replay_ref(bins, artifact):
    """Runs fuzz_ref_replay on an artifact's bytes in a fresh temporary directory: it decodes
    them within fuzz_ref's own budget and fails as fuzz_ref did, and its fuzz_fail writes the
    case there under the name it chooses and prints on its "case written to" line.
    Returns (the replay's output, that case's bytes or None when no case was written); the
    output is None when the replay outlived 2 input timeouts (a hang)."""
    with tempfile.TemporaryDirectory(prefix="spidx-triage-") as tmp:
        try:
            r = subprocess.run([bins["fuzz_ref_replay"], os.path.abspath(artifact)], cwd=tmp, text=True,
                               errors="replace", capture_output=True, timeout=2 * INPUT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None, None
        out = r.stdout + r.stderr
        m = CASE_WRITTEN_RE.search(out)
        case = os.path.join(tmp, m.group(1)) if m else None
        if not case or not os.path.isfile(case):
            return out, None
        with open(case, "rb") as f:
            return out, f.read()


CRASHED_IN_RE = re.compile(r"while implementation '([^']+)' was running")  # harness/case_crash.c's report


def signature(bins, artifact, target, tries=3):
    """Failure signature, from the artifact re-run alone in a fresh process: IMPL:FIELD:CLASS
    (a disagreement), ref:property:MESSAGE (fuzz_ref's), crash:IMPL (the re-run died by a
    signal inside IMPL). A fuzz_diff artifact that agrees is re-run up to `tries` times (a
    race fails some runs only). One per artifact, so that each stays new until looked at:
    hang:TARGET:ARTIFACT when a re-run outlives 2 input timeouts, unreproduced:TARGET:ARTIFACT
    when it never fails (a flaky failure or, under MPS, another client's fatal device fault,
    which reaches every client; fuzz_fail's .case beside the artifacts says which error)."""
    name = os.path.basename(artifact)
    if target == "fuzz_diff":
        for _ in range(tries):
            try:
                r = run([bins["spidx_repro"], "--signature", artifact], timeout=2 * INPUT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                return f"hang:fuzz_diff:{name}"
            m = re.search(r"signature: (\S+)", r.stdout)
            if m and m.group(1) != "agree":
                return m.group(1)
            c = CRASHED_IN_RE.search(r.stdout + r.stderr)  # printed before a sanitizer's exit 1, too
            if c or r.returncode < 0 or r.returncode >= 128:  # killed by a signal: no verdict printed
                return f"crash:{c.group(1) if c else 'unknown'}"
            if not m:
                break  # no verdict (it could not run): fuzz_diff's decoder is also fuzz_ref's
    out, _ = replay_ref(bins, artifact)
    if out is None:
        return f"hang:{target}:{name}"
    m = re.search(r"^==== signature: (\S+)$", out, re.M)  # fuzz_fail prints fuzz_ref's (fuzz_property_signature)
    return m.group(1) if m else f"unreproduced:{target}:{name}"


def short_commit(commit):
    """A commit as reports print it: 12 hex digits, and what followed the full hash
    ("+dirty", or a label such as "+ref11" given through SPIDX_COMMIT) kept."""
    return commit[:12] + commit[40:] if len(commit) > 40 and commit[40] == "+" else commit[:12]


def slug(sig):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", sig)[:80] + "-" + hashlib.sha1(sig.encode()).hexdigest()[:8]


def triage(bins, run_dir, report_dir, minimize=True, most=TRIAGE_MOST, deadline=None):
    """Failures by signature, from two sources: the fuzz_diff jobs' seen folder (each
    signature they met, signed in the process that met it, with the case its first meeting
    wrote and the repeats that went on fuzzing), and the failing-input artifacts (crash-,
    timeout-, oom-), signed here (at
    most `most`, spread evenly over them, the first included): failures a job cannot pass
    over, fuzz_ref's, and crashes. Minimizes the first case of each fuzz_diff failure on
    the implementation its signature names (unless not `minimize`: an interrupted campaign
    keeps it as .case unminimized). Past `deadline` (a time.monotonic() value; None: none)
    it signs no more artifacts and minimizes no more cases (each is kept as its .case), so
    that a campaign on a time budget ends with its report. Returns (failures, the number of
    artifacts left unsigned: past `most`, or past the deadline)."""
    def late():
        return deadline is not None and time.monotonic() >= deadline

    failures = {}
    for sig, (case, repeats) in read_seen(run_dir).items():
        target = "fuzz_ref" if sig.startswith("ref:property:") else "fuzz_diff"
        failures[sig] = {"signature": sig, "target": target, "new": False, "repeats": repeats, "artifacts": [],
                         "first_case": os.path.relpath(case, ROOT) if case and os.path.isfile(case) else None}
    arts = sorted(artifacts(run_dir), key=lambda a: (os.path.getmtime(a), os.path.basename(a)))  # oldest first
    unsigned = max(0, len(arts) - most)
    if unsigned:
        arts = [arts[i * len(arts) // most] for i in range(most)]
    # A process per artifact, a few at once: each loads every implementation (a Python
    # plug-in imports torch: seconds, and GPU memory for its context). map keeps the
    # artifacts' order, so "first" stays the first.
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(TRIAGE_LANES, os.cpu_count() or 2)) as pool:
        sigs = list(pool.map(lambda a: None if late() else signature(bins, a, owner_of(a)), arts))
    unsigned += sigs.count(None)
    for art, sig in zip(arts, sigs):
        if sig is None:
            continue
        f = failures.setdefault(sig, {"signature": sig, "target": owner_of(art), "artifacts": [], "new": False})
        f["artifacts"].append(os.path.relpath(art, ROOT))
    for sig, f in failures.items():
        known = os.path.join(STATE, "failures", slug(sig))
        f["new"] = not os.path.exists(known)
        os.makedirs(known, exist_ok=True)
        if f["new"]:  # what fuzz/failures.py recheck and promote read
            failures_py.write_meta(known, {"signature": sig, "target": f["target"], "first_seen_commit": git_commit(),
                                           "first_seen_utc": failures_py.utc_now(),
                                           "report": os.path.relpath(report_dir, ROOT)})
        # The case its first meeting wrote (a seen signature), else its first artifact.
        first_rel = f.get("first_case") or (f["artifacts"][0] if f["artifacts"] else None)
        if not first_rel:
            f["minimized"] = "no case kept: its first meeting's case could not be written"
            continue
        os.makedirs(os.path.join(report_dir, "failures"), exist_ok=True)
        out_case = os.path.join(report_dir, "failures", slug(sig) + ".case")
        first = os.path.join(ROOT, first_rel)
        # The implementation the signature names (fuzz/failures.py reads the signature forms):
        # minimizing against it alone keeps its disagreement, not an earlier implementation's
        # on the same input. A crash names one too, but cannot be minimized in-process.
        named = failures_py.impls_of(sig) if f["target"] == "fuzz_diff" else None
        impls = ["--impls", named] if named else []
        disagreement = named is not None and not sig.startswith("crash:")
        if disagreement and (not minimize or late()):
            run([bins["spidx_repro"]] + impls + ["--to-case", out_case, first])
            f["minimized"] = ("not minimized (the campaign was interrupted): spidx_repro --minimize does it"
                              if not minimize else
                              "not minimized (the triage's time budget was spent): spidx_repro --minimize does it")
        elif disagreement:
            try:
                left = 1800 if deadline is None else min(1800, max(10, deadline - time.monotonic()))
                r = run([bins["spidx_repro"]] + impls + ["--minimize", out_case, first], timeout=left)
                m = re.search(r"---- minimized: (.*); wrote", r.stdout)
                f["minimized"] = m.group(1) if m else "minimizer gave no case"
            except subprocess.TimeoutExpired:  # the budget ran out, or 30 minutes: keep the case as it is
                run([bins["spidx_repro"]] + impls + ["--to-case", out_case, first])
                f["minimized"] = ("not minimized (stopped at the triage's time budget): spidx_repro --minimize does it"
                                  if late() else "not minimized (the minimizer ran 30 minutes): spidx_repro "
                                  "--minimize does it")
        else:
            # fuzz_ref decodes bytes within its own, smaller budget, so spidx_repro (which
            # decodes like fuzz_diff) could turn its artifact into another case: keep the
            # case that fuzz_ref_replay writes for it, or else (no case written, as after a
            # sanitizer crash) the artifact's bytes, for fuzz_ref_replay.
            if f["target"] == "fuzz_ref":
                _, case = replay_ref(bins, first)
                if case is None:
                    out_case = out_case[:-len(".case")] + ".bin"
                    shutil.copy(first, out_case)
                else:
                    with open(out_case, "wb") as out:
                        out.write(case)
            else:
                run([bins["spidx_repro"], "--to-case", out_case, first])
            f["minimized"] = ("not minimized (did not fail when re-run alone)" if sig.startswith("unreproduced:")
                              else "not minimized (it hung when re-run alone)" if sig.startswith("hang:")
                              else "not minimized (it crashes the process that runs it)" if sig.startswith("crash:")
                              else "not minimized (a property of the reference, not a disagreement)")
        if os.path.exists(out_case):
            shutil.copy(out_case, os.path.join(known, "case" + os.path.splitext(out_case)[1]))
            rel = os.path.relpath(out_case, ROOT)
            f["case"] = rel
            f["repro"] = (plugin_env() + " ".join([os.path.relpath(bins["spidx_repro"], ROOT)] + impls + [rel])
                          if f["target"] == "fuzz_diff" else f"{os.path.relpath(bins['fuzz_ref_replay'], ROOT)} {rel}")
    return failures, unsigned


def plugin_env():
    """The plug-in settings a repro command needs, as they are in this environment."""
    return "".join(f"{k}={shlex.quote(os.environ[k])} " for k in ("SPIDX_PLUGINS", "SPIDX_PY_IMPL", "SPIDX_PY_PATH")
                   if os.environ.get(k))


def read_seen(run_dir):
    """{signature: (the case its first meeting wrote, repeats)} from the fuzz_diff jobs'
    SPIDX_FUZZ_SEEN_DIR (fuzz_seen_before): one file per signature met, the signature and
    the case's path on its first two lines, then one '+' per repeat that went on fuzzing
    instead of failing again. Files being made (.tmp-*) are skipped."""
    out = {}
    for path in glob.glob(os.path.join(run_dir, "seen", "*")):
        with open(path, errors="replace") as f:
            sig, _, rest = f.read().partition("\n")
        case, _, plus = rest.partition("\n")
        if sig and case:
            out[sig] = (case, plus.count("+"))
    return out


def artifacts(run_dir, worker="*"):
    """A worker's failing inputs as libFuzzer wrote them (crashes, timeouts, out-of-memory)."""
    return [p for kind in ARTIFACT_KINDS for p in glob.glob(os.path.join(run_dir, "artifacts", worker, kind))]


def owner_of(artifact):
    """Which target wrote an artifact: each worker (and each merge) has its own artifact
    folder, named after it. (In fork mode the worker's log does not name the files.)"""
    folder = os.path.basename(os.path.dirname(artifact))
    return "fuzz_ref" if folder.startswith("fuzz_ref") else "fuzz_diff"


def gnuplot_svg(script):
    """Runs a gnuplot script; True when it ran."""
    if not shutil.which("gnuplot"):
        return False
    return subprocess.run(["gnuplot"], input=script, text=True, capture_output=True).returncode == 0


def plot(timeline, report_dir, title):
    """plot.svg: libFuzzer's coverage (cov, ft) and the executions over time above, the
    semantic categories reached below, with a marker wherever the failure count grew; by
    gnuplot, or else matplotlib."""
    csv = os.path.join(report_dir, "timeline.csv")
    with open(csv, "w") as f:
        f.write("elapsed_s,execs,execs_per_s,cov,ft,semantic_hit,failures\n")
        for t in timeline:
            f.write(",".join(str(x) for x in t) + "\n")
    # A failure marker at each sample where the count of crash artifacts grew.
    grew = [(t[0], t[5], t[6]) for prev, t in zip(timeline, timeline[1:]) if t[6] > prev[6]]
    fcsv = os.path.join(report_dir, "failures.csv")
    with open(fcsv, "w") as f:
        f.write("elapsed_s,semantic_hit,failures\n")
        for g in grew:
            f.write(",".join(str(x) for x in g) + "\n")
    svg = os.path.join(report_dir, "plot.svg")
    if len(timeline) < 2:
        return None, "fewer than two samples"
    top = max(1, max(t[5] for t in timeline))
    script = f"""set terminal svg size 960,640 dynamic font 'sans,11'
set output '{svg}'
set datafile separator ','
set multiplot layout 2,1 title "{title}" font 'sans,13'
set lmargin 12
set rmargin 12
set key autotitle columnhead left top
set grid
set ylabel 'libFuzzer coverage'
set y2label 'executions'
set y2tics
set ytics nomirror
set format y2 '%.1s%c'
plot '{csv}' using 1:4 with lines lw 2 title 'cov (edges)', '' using 1:5 with lines lw 2 title 'ft (features)', \\
     '' using 1:2 axes x1y2 with lines dt 2 lw 2 lc rgb 'gray40' title 'executions'
unset y2label
unset y2tics
set ytics mirror
set xlabel 'elapsed (s)'
set ylabel 'semantic categories reached'
set yrange [0:{top + 2}]
set key right bottom
plot '{csv}' using 1:6 with steps lw 2 lc rgb '#1b7837' title 'semantic categories', \\
     '{fcsv}' using 1:2 with points pt 7 ps 1.4 lc rgb '#d7301f' title 'new failures'
unset multiplot
"""
    if gnuplot_svg(script) and os.path.exists(svg):
        return "plot.svg", "gnuplot"
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None, "neither gnuplot nor matplotlib is installed"
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(9.6, 6.4), sharex=True)
    fig.suptitle(title)
    xs = [t[0] for t in timeline]
    ax.plot(xs, [t[3] for t in timeline], label="cov (edges)")
    ax.plot(xs, [t[4] for t in timeline], label="ft (features)")
    ax.set_ylabel("libFuzzer coverage")
    ax2 = ax.twinx()
    ax2.plot(xs, [t[1] for t in timeline], "--", color="gray", label="executions")
    ax2.set_ylabel("executions")
    ax.legend(loc="upper left")
    ax.grid(True)
    bx.step(xs, [t[5] for t in timeline], where="post", color="#1b7837", label="semantic categories")
    if grew:
        bx.plot([g[0] for g in grew], [g[1] for g in grew], "o", color="#d7301f", label="new failures")
    bx.set_xlabel("elapsed (s)")
    bx.set_ylabel("semantic categories reached")
    bx.legend(loc="lower right")
    bx.grid(True)
    fig.savefig(svg)
    return "plot.svg", "matplotlib"


def plot_history(history, svg):
    """The nightly trend from reports/history.jsonl: execs/s and libFuzzer coverage per
    campaign by date, new failures as markers. Returns a note on what was drawn."""
    runs = []
    if os.path.exists(history):
        with open(history) as f:
            for line in f:
                try:
                    runs.append(json.loads(line))
                except ValueError:
                    continue
    if len(runs) < 2:
        return "fewer than two campaigns in reports/history.jsonl"
    csv = svg[:-len(".svg")] + ".csv"
    with open(csv, "w") as f:
        f.write("utc,execs_per_s,cov,new_failures\n")
        for r in runs:
            f.write(f"{r['utc']},{r.get('execs_per_s', 0)},{r.get('cov', 'NaN')},{r.get('new_failures', 0)}\n")
    # gnuplot refuses a series without a single defined point: draw only those with data
    # (lines written before coverage was recorded have none).
    series = [f"'{csv}' using 1:2 with linespoints lw 2 title 'execs/s'"]
    if any("cov" in r for r in runs):
        series.append("'' using 1:3 axes x1y2 with linespoints lw 2 dt 2 title 'cov'")
    if any(r.get("new_failures", 0) > 0 for r in runs):
        series.append("'' using 1:($4 > 0 ? $2 : 1/0) with points pt 7 ps 1.6 lc rgb '#d7301f' title 'new failures'")
    script = f"""set terminal svg size 960,460 dynamic font 'sans,11'
set output '{svg}'
set datafile separator ','
set title "spidx campaigns: execution rate, coverage and new failures ({len(runs)} runs)" font 'sans,13'
set xdata time
set timefmt '%Y%m%dT%H%M%SZ'
set format x "%m-%d\\n%H:%M"
set key left top
set grid
set ylabel 'executions per second'
set y2label 'libFuzzer coverage (cov)'
set y2tics
set ytics nomirror
plot {", ".join(series)}
"""
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed: no history plot"
    if gnuplot_svg(script) and os.path.exists(svg):
        return f"{len(runs)} campaigns"
    return "gnuplot failed: no history plot"


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
    with open(os.path.join(report_dir, "report.json"), "w") as out:
        json.dump(info, out, indent=2)
    new = [f for f in failures.values() if f["new"]]
    L = [f"# spidx campaign {info['started_utc']}", ""]
    L.append(f"**{'NEW FAILURES: ' + str(len(new)) if new else 'no new failure'}**"
             f"{' (interrupted: partial report)' if info['interrupted'] else ''}")
    if info.get("overran"):
        L += ["", f"Stopped 2 minutes past the budget: {', '.join(info['overran'])}. A worker that printed no "
              "status line spent the budget in libFuzzer's first pass over the corpus (a process restarted after "
              "each failing input): an implementation that fails on most inputs."]
    for st in info.get("stalls", []):
        under_mps = not st["mps"].startswith("off")  # "off (why)" when the run had none
        L += ["", f"Stall at {st['at_s']} s: no execution for {st['idle_s']} s with the fuzzers alive; "
              + ("they were stopped and started again for the budget left (MPS after it: " + st["mps"] + "). "
                 if st["restarted"] else "not restarted: the run ended there. ")
              + ("Under MPS a fatal device fault reaches every client, and the server takes no new client until "
                 "all of them have exited; " if under_mps else "")
              + "the failing inputs met around it are re-run alone by the triage (fuzz_fail's .case files beside "
              "them in the run folder's artifacts/ name the error each process saw)."]
    L += ["", "| | |", "|---|---|"]
    for k in ("commit", "host", "gpu", "mps", "budget_minutes", "elapsed_s", "total_execs", "execs_per_s",
              "job_startup", "corpus_before", "corpus_after", "semantic_categories_hit"):
        L.append(f"| {k.replace('_', ' ')} | {info.get(k)} |")
    L += ["", "## Workers", "", "| worker | target | fork jobs | execs | execs/s | execs/s per job | cov | ft |",
          "|---|---|---:|---:|---:|---:|---:|---:|"]
    for w in info["workers"]:
        L.append(f"| {w['name']} | {w['target']} | {w['jobs']} | {w['execs']} | {w['execs_per_s']} | "
                 f"{w['execs_per_s_per_job']} | {w['cov']} | {w['ft']} |")
    L += ["", "execs/s = a worker's executions (libFuzzer fork mode, all its jobs) / elapsed time, "
          "including start-up and corpus loading; per job = that / jobs.", ""]
    L += ["## Failures", ""]
    if info.get("unsigned_artifacts"):
        L += [f"{info['unsigned_artifacts']} more failing-input artifacts were not signed: the triage signs at most "
              f"{TRIAGE_MOST}, spread over all of them, within its time budget (`--triage-minutes`; "
              f"`{info['run_dir']}/artifacts/`).", ""]
    if not failures:
        L.append("none")
    for f in failures.values():
        L += [f"- `{f['signature']}` ({'new' if f['new'] else 'seen before'}; {len(f['artifacts'])} artifact(s)"
              + (f", {f['repeats']} repeat(s) not stopped on" if f.get("repeats") else "")
              + f", {f.get('minimized', '')})", f"  - repro: `{f.get('repro', 'n/a')}`"]
    known = info.get("known_failures", [])
    L += ["", "## Known failures, rechecked before the run", ""]
    if not known:
        L.append("none known (campaigns/failures/ is empty)")
    for state in ("still failing", "fixed"):
        rows = [r for r in known if r["state"] == state]
        if rows:
            L += [f"### {state} ({len(rows)})", ""]
            L += [f"- `{r['signature']}`: first seen at {short_commit(r['first_seen'])} ({r.get('first_seen_utc', '?')})"
                  + (f", passes at {short_commit(r['fixed_at'])}" if state == "fixed" else "") for r in rows]
            L.append("")
    other = [r for r in known if r["state"] not in ("still failing", "fixed")]
    L += [f"- `{r['signature']}`: {r['state']}" for r in other]
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
        na = [i for i in impls if cov[i].get("not_applicable", {}).get("inputs")]
        if na:  # inputs a plug-in does not declare: not run on it, never counted as passes
            L += ["", "Not applicable (inputs outside what the implementation declares; not run):", "",
                  "| category | " + " | ".join(na) + " |", "|---|" + "---:|" * len(na),
                  "| inputs | " + " | ".join(str(cov[i]["not_applicable"]["inputs"]) for i in na) + " |"]
            for cat in cov[impls[0]]["categories"]:
                L.append(f"| {cat} | " + " | ".join(
                    str(cov[i]["not_applicable"]["categories"].get(cat, 0)) for i in na) + " |")
        L.append("")
    L += ["## Coverage and execs over time", ""]
    L.append("![coverage, execs, semantic categories and failures over time](plot.svg)" if plot_file
             else f"no plot: {info.get('plot_note')}")
    L += ["", "Trend over all campaigns on this machine: [`reports/history.svg`](../history.svg) "
          "(from `reports/history.jsonl`)."]
    with open(os.path.join(report_dir, "report.md"), "w") as out:
        out.write("\n".join(L) + "\n")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\nUsage:")[0], epilog="Exit:" + __doc__.split("\nExit:")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=2.0, help="fuzzing budget (default 2; nightly: hours)")
    ap.add_argument("--workers", type=int, default=0,
                    help="fork jobs per GPU, or CPU jobs in all without a GPU (default: from the cores)")
    ap.add_argument("--seed", type=int, default=0, help="libFuzzer -seed (0: from the clock)")
    ap.add_argument("--no-mps", action="store_true",
                    help="do not start the CUDA MPS control daemon (default: start one when it can, for this run)")
    ap.add_argument("--triage-minutes", type=float, default=15.0,
                    help="time budget of the triage after fuzzing (default 15): past it, failures are no longer "
                         "signed or minimized, but kept as cases, and the report is written")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "fuzz"),
                    help="the libFuzzer build (default build/fuzz, built or refreshed when clang is here; "
                         "any other folder is used as it is)")
    ap.add_argument("--coverage", action="store_true",
                    help="afterwards, line coverage of the host code over the working corpus "
                         "(fuzz/line_coverage.sh: coverage/ and a table in report.md)")
    args = ap.parse_args()
    if args.triage_minutes <= 0:
        ap.error("--triage-minutes must be more than 0")
    args.build_dir = os.path.abspath(args.build_dir)  # the tools run with the repository root as cwd
    return args


def start_mps(args, bins, mps):
    """Starts the CUDA MPS control daemon for this run when it can: GPUs shared by several
    fork jobs run them at once under MPS instead of time-slicing. Fills mps {"state":
    "started" | "already running" | "off", "why": ...}, "started" as soon as the daemon is,
    so that main's finally stops it even when this is interrupted; only a daemon this
    campaign started is stopped."""
    ctl = shutil.which("nvidia-cuda-mps-control")
    if args.no_mps:
        mps.update(state="off", why="--no-mps")
    elif not ctl:
        mps.update(state="off", why="nvidia-cuda-mps-control is not installed")
    elif os.geteuid() != 0:
        mps.update(state="off", why="starting the MPS daemon needs root")
    elif subprocess.run(["pgrep", "-x", "nvidia-cuda-mps"], capture_output=True).returncode == 0:
        mps.update(state="already running", why="not started by this campaign: left running")  # comm is cut to 15
    else:
        r = subprocess.run([ctl, "-d"], capture_output=True, text=True)
        if r.returncode:
            mps.update(state="off", why=f"nvidia-cuda-mps-control -d failed: {(r.stdout + r.stderr).strip()[:120]}")
            return
        mps.update(state="started", why="")
        # One client first brings the MPS server up; many jobs connecting while it starts get
        # "MPS server is not ready" (seen on the H200). The client compares fused with the
        # reference on a seed, whatever SPIDX_IMPLS or SPIDX_PLUGINS say.
        seed = os.path.join(ROOT, "corpus", "seed", "sink_empty.case")
        env = {k: v for k, v in os.environ.items() if k not in ("SPIDX_IMPLS", "SPIDX_PLUGINS")}
        why = "?"
        for _ in range(5):
            try:
                w = subprocess.run([bins["spidx_repro"], "--impls", "ref,fused", seed], capture_output=True,
                                   text=True, env=env, timeout=60)
            except subprocess.TimeoutExpired:
                why = "it did not finish in 60 s"
                continue
            if w.returncode == 0:
                return
            why = ((w.stdout + w.stderr).strip().splitlines() or ["?"])[-1][:120]
            time.sleep(1)
        stop_mps(mps)
        mps.update(state="off", why="a first CUDA client could not use the MPS server: " + why)


def stop_mps(mps):
    """Stops a daemon this campaign started. `quit` waits for the server's clients; one that
    hangs (a client stuck after a fatal device fault) would hold it forever: after 30 s the
    daemon and its server are killed."""
    if mps.get("state") == "started":
        uid = str(os.geteuid())  # the daemon this campaign started runs as its user
        try:
            subprocess.run(["nvidia-cuda-mps-control"], input="quit\n", text=True, capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            log("MPS: quit did not return in 30 s: killing the daemon and its server")
            subprocess.run(["pkill", "-KILL", "-u", uid, "-x", "nvidia-cuda-mps-server"], capture_output=True)
            subprocess.run(["pkill", "-KILL", "-u", uid, "-f", "nvidia-cuda-mps-control"], capture_output=True)
        # Until the daemon has gone, start_mps would find it and take it for another's.
        for _ in range(100):
            if subprocess.run(["pgrep", "-u", uid, "-x", "nvidia-cuda-mps"], capture_output=True).returncode:
                break
            time.sleep(0.1)
        mps["state"] = "started and stopped"


class Campaign:
    """One campaign's state; main() runs its steps in order."""

    def __init__(self, args):
        self.args = args
        self.stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.report_dir = os.path.join(ROOT, "reports", self.stamp)
        self.run_dir = os.path.join(STATE, "runs", self.stamp)
        self.seconds = max(10, int(args.minutes * 60))
        self.seed = args.seed or int(time.time()) % 1000000007
        self.bins = {}
        self.gpu_names = []
        self.plan = []           # (worker name, target, fork jobs, extra environment)
        self.workers = []
        self.corpus_before = {}  # target: inputs in its working corpus before the run
        self.corpus_after = {}
        self.timeline = [(0, 0, 0, 0, 0, 0, 0)]  # (elapsed s, execs, execs/s, cov, ft, semantic hit, failures)
        self.t0 = None           # time.monotonic() when monitoring began
        self.elapsed = 0         # whole seconds from t0 until every worker had stopped
        self.interrupted = False
        self.overran = []  # workers killed after overrunning the budget by 2 minutes
        self.signum = 0
        self.known = []          # fuzz/failures.py recheck's rows
        self.stalls = []         # {"at_s", "idle_s", "restarted", "mps"}: each stall the monitor met
        self.stalled_out = []    # workers a stall ended (not restarted): stopped by the campaign
        self.mps = {"state": "off", "why": "no GPU"}  # start_mps fills it

    # ---- set-up and build -------------------------------------------------------------
    def set_up(self):
        """Creates the report and run folders, builds the targets and plans the workers."""
        os.makedirs(self.report_dir, exist_ok=True)
        os.makedirs(os.path.join(self.run_dir, "cov"), exist_ok=True)
        self.bins = build(self.args.build_dir)
        self.gpu_names = gpus()
        # Every known failure, rerun on this build before fuzzing: fixed ones leave the open list.
        self.known = failures_py.recheck(self.args.build_dir)
        if self.gpu_names:
            start_mps(self.args, self.bins, self.mps)
            log(f"MPS: {self.mps['state']}" + (f" ({self.mps['why']})" if self.mps.get("why") else ""))
            # Without MPS, processes sharing a GPU time-slice it and more jobs are slower: one
            # job per GPU. With MPS they run at once: cores / GPUs - 1 jobs per GPU.
            mps_on = self.mps["state"] in ("started", "already running")
            per_gpu = self.args.workers or (max(1, (os.cpu_count() or 2) // len(self.gpu_names) - 1) if mps_on else 1)
            for g in range(len(self.gpu_names)):
                env = {"CUDA_VISIBLE_DEVICES": str(g), "SPIDX_REQUIRE_GPU": "1"}
                if mps_on:  # fuzz_diff's failure message then says a dead context may be another client's
                    env["SPIDX_FUZZ_UNDER_MPS"] = "1"
                self.plan.append((f"fuzz_diff-gpu{g}", "fuzz_diff", per_gpu, env))
        else:
            total = self.args.workers or os.cpu_count() or 2
            self.plan.append(("fuzz_ref", "fuzz_ref", max(1, (total + 1) // 2), {}))
            self.plan.append(("fuzz_diff-cpu", "fuzz_diff", max(1, total // 2), {}))

    def on_signal(self, signum, _frame):
        self.interrupted = True
        self.signum = signum
        log(f"signal {signum}: stopping the fuzzers; keeping the corpus and failures, writing a partial report")

    # ---- start the workers -----------------------------------------------------------
    def start_workers(self):
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGTERM, self.on_signal)
        seeds = committed_corpora()
        for name, target, forks, extra in self.plan:
            work = os.path.join(STATE, "corpus", target)  # resumed by the next campaign
            new = os.path.join(self.run_dir, "new", target)
            os.makedirs(work, exist_ok=True)
            os.makedirs(new, exist_ok=True)
            self.corpus_before.setdefault(target, len(os.listdir(work)))
            env = dict(os.environ, SPIDX_COVERAGE_JSON=os.path.join(self.run_dir, "cov", f"{name}-%p.json"),
                       **extra)
            if target in ("fuzz_diff", "fuzz_ref"):  # a repeat of a failure goes on fuzzing (fuzz_seen_before)
                env["SPIDX_FUZZ_SEEN_DIR"] = os.path.join(self.run_dir, "seen")
                os.makedirs(env["SPIDX_FUZZ_SEEN_DIR"], exist_ok=True)
            self.workers.append(Worker(name, target, self.bins[target], forks, env, self.run_dir, self.seconds,
                                       self.seed, [new, work] + seeds))
            log(f"started {name}: {target}, {forks} fork job(s)"
                f"{', CUDA_VISIBLE_DEVICES=' + extra['CUDA_VISIBLE_DEVICES'] if 'CUDA_VISIBLE_DEVICES' in extra else ''}")
        log(f"budget {self.seconds} s; GPUs: {', '.join(self.gpu_names) or 'none (CPU forms only)'}; "
            f"reports/{self.stamp}/")

    # ---- monitor ---------------------------------------------------------------------
    def status_line(self, elapsed, final=False):
        """Samples the workers' logs and coverage into the timeline and prints a status line."""
        st = [w.poll_status(final) for w in self.workers]
        execs = sum(s[0] for s in st if s)
        prev = self.timeline[-1]
        # fork mode's own exec/s is the last job's; the rate over the last tick is steadier
        rate = round((execs - prev[1]) / max(1e-9, elapsed - prev[0]))
        cov = sum(s[1] for s in st if s)
        ft = sum(s[2] for s in st if s)
        hit, names = categories_hit(read_coverage(os.path.join(self.run_dir, "cov", "*.json")))
        fails = len(artifacts(self.run_dir))
        repeats = sum(r for _, r in read_seen(self.run_dir).values())
        e, b = int(elapsed), self.seconds
        self.timeline.append((e, execs, rate, cov, ft, hit, fails))
        log(f"{e // 60:02d}:{e % 60:02d}/{b // 60:02d}:{b % 60:02d} execs {execs} "
            f"({rate}/s) cov {cov} ft {ft} | semantic {hit}/{names or '?'} categories | failures {fails}"
            + (f" (+{repeats} repeats)" if repeats else ""))

    def monitor(self, stall_s=STALL_S):
        """Until the fuzzers exit, a signal arrives or they overrun the budget by 2 minutes:
        a status line at t0 + 15 s, t0 + 30 s, ... (a late one does not shift the next), and
        one more when the fuzzers have exited. Fuzzers alive that made no execution for
        stall_s seconds are restarted (recover), at most MAX_RESTARTS times. A worker's
        stall clock starts at its process's first status line: libFuzzer's fork mode first
        passes over the whole corpus without one, for as long as that takes."""
        t0 = self.t0 = time.monotonic()
        next_status = t0 + TICK_S
        seen = {}  # worker name: (process restarts, executions) at its last growth
        while not self.interrupted:
            time.sleep(max(0.0, min(1.0, next_status - time.monotonic())))
            now = time.monotonic()
            running = any(w.proc.poll() is None for w in self.workers)
            if now >= next_status or not running:
                self.status_line(now - t0, final=not running)
                while next_status <= now:  # a tick missed entirely (a slow sample) is skipped
                    next_status += TICK_S
                for w in self.workers:
                    mark = (w.restarts, w.last_raw[0] if w.last_raw else -1)
                    if seen.get(w.name) != mark:
                        seen[w.name], w.progress_at = mark, now
            if not running:
                break
            stalled = [w for w in self.workers
                       if w.proc.poll() is None and w.last_raw is not None and now - w.progress_at > stall_s]
            if stalled and self.seconds - (now - t0) > 30:
                idle = int(max(now - w.progress_at for w in stalled))
                if len(self.stalls) >= MAX_RESTARTS:
                    log(f"no execution for {idle} s after {MAX_RESTARTS} restarts: stopping")
                    self.stalls.append({"at_s": int(now - t0), "idle_s": idle, "restarted": False,
                                        "mps": self.mps["state"]})
                    self.stalled_out = [w.name for w in self.workers if w.proc.poll() is None]
                    break
                self.recover(now - t0, idle)
            if now - t0 > self.seconds + 120:
                self.overran = [w.name for w in self.workers if w.proc.poll() is None]
                log(f"fuzzers overran their budget by 2 minutes: stopping {', '.join(self.overran)}")
                break

    def recover(self, elapsed, idle):
        """A stall: fuzzers alive, no execution for `idle` seconds. Under MPS the likely
        cause is a fatal device fault: the server delivers it to every client and refuses
        new ones until all of them have exited (the MPS documentation's error containment).
        Stops every worker, restarts the MPS daemon when this campaign started it (after a
        second stall, goes on without MPS: an implementation that faults again and again
        would keep stalling every job; without MPS, one job per GPU unless --workers says
        otherwise, as set_up plans), and starts the workers again for the budget left after
        all that (another seed; the corpora keep what was found), unless under 30 s are left
        or a signal came."""
        ours = self.mps["state"] == "started"
        again = ours and any(st["restarted"] for st in self.stalls)
        log(f"stall: no execution for {idle} s at {int(elapsed)} s; restarting the fuzzers"
            + ((" without MPS (a second stall)" if again else " and the MPS daemon") if ours else ""))
        stop_all(self.workers)
        for w in self.workers:
            w.poll_status(final=True)
        if ours:
            stop_mps(self.mps)
            if again:
                self.mps.update(state="stopped after a second stall", why="")
            else:
                start_mps(self.args, self.bins, self.mps)
            log(f"MPS: {self.mps['state']}" + (f" ({self.mps['why']})" if self.mps.get("why") else ""))
            if self.mps["state"] != "started":  # now without MPS: the plan set_up makes without it
                for w in self.workers:
                    w.env.pop("SPIDX_FUZZ_UNDER_MPS", None)
                    w.forks = self.args.workers or 1
        left = int(self.seconds - (time.monotonic() - self.t0))
        restart = left > 30 and not self.interrupted
        if restart:
            for w in self.workers:
                w.restart(left)
        else:
            self.stalled_out = [w.name for w in self.workers]
            log("not restarted: " + ("a signal came" if self.interrupted else f"{max(0, left)} s of the budget left"))
        self.stalls.append({"at_s": int(elapsed), "idle_s": idle, "restarted": restart, "mps": self.mps["state"]})

    # ---- stop ------------------------------------------------------------------------
    def stop_workers(self):
        """Stops every worker; a worker whose process failed before any status line (not by
        a signal of ours or the user's, nor stopped after a stall) is a harness error."""
        took = stop_all(self.workers)
        if self.interrupted:
            log(f"the fuzzers stopped {took:.1f} s after the signal")
        for w in self.workers:
            w.poll_status(final=True)
        self.elapsed = int(time.monotonic() - self.t0)
        for w in self.workers:
            failed_inputs = artifacts(self.run_dir, w.name)
            if w.name in self.overran and w.last_raw is None and failed_inputs:
                # libFuzzer's fork mode first runs the whole corpus, restarting a process
                # after each crash, and its time limit does not bound that pass: an
                # implementation that fails on most inputs can take the whole budget there.
                # Not a harness error: the failures it found are triaged and reported.
                log(f"{w.name} never reached fuzzing: its first pass over the corpus took the whole budget "
                    f"({len(failed_inputs)} failing inputs)")
            elif (w.proc.returncode not in (0, None, -signal.SIGINT, 130) and w.last_raw is None
                  and not self.interrupted and w.name not in self.stalled_out):
                raise HarnessError(f"{w.name} exited {w.proc.returncode}; see {w.log_path}")

    # ---- merge -----------------------------------------------------------------------
    def merge_corpora(self):
        """Only the new inputs that add coverage join the working corpus."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish the bookkeeping; it is short
        for target in self.corpus_before:
            work = os.path.join(STATE, "corpus", target)
            new = os.path.join(self.run_dir, "new", target)
            prefix = os.path.join(self.run_dir, "artifacts", f"{target}-merge", "")
            os.makedirs(prefix, exist_ok=True)
            env = dict(os.environ)
            # Repeats of a failure met while fuzzing are not artifacts again; the merge keeps
            # such inputs when they add coverage (they pass over a recorded failure), and the
            # next campaign meets them once more, as the open failure they are.
            if target in ("fuzz_diff", "fuzz_ref"):
                env["SPIDX_FUZZ_SEEN_DIR"] = os.path.join(self.run_dir, "seen")
            r = run([self.bins[target], "-merge=1", f"-artifact_prefix={prefix}"]
                    + [o for o in options(target) if o.startswith("-max_len")] + [work, new], timeout=1800, env=env)
            if r.returncode:
                log(f"merge of {target} failed (rc {r.returncode}); the new inputs stay in {new}")
            self.corpus_after[target] = len(os.listdir(work))

    # ---- triage ----------------------------------------------------------------------
    def triage(self):
        # Minimizing can take minutes: an interrupted campaign leaves it to spidx_repro.
        deadline = time.monotonic() + 60 * getattr(self.args, "triage_minutes", 15.0)
        failures, self.unsigned = triage(self.bins, self.run_dir, self.report_dir, minimize=not self.interrupted,
                                         deadline=deadline)
        self.triage_late = time.monotonic() >= deadline
        if self.unsigned:
            log(f"triage: {self.unsigned} artifacts left unsigned (at most {TRIAGE_MOST} are signed, spread over "
                f"all{'; the time budget ran out' if self.triage_late else ''})")
        return failures

    # ---- line coverage ---------------------------------------------------------------
    def line_coverage(self):
        """Host-code line coverage of the working corpora and the committed ones, into the report."""
        corpora = [os.path.join(STATE, "corpus", t) for t in self.corpus_before] + committed_corpora()
        r = run(["bash", os.path.join(ROOT, "fuzz", "line_coverage.sh"), "--report-dir", self.report_dir] + corpora,
                timeout=3600)
        for line in (r.stdout + r.stderr).splitlines():
            if line.startswith("line coverage"):
                log(line)
        if r.returncode:
            raise HarnessError(f"fuzz/line_coverage.sh exited {r.returncode}")

    # ---- report ----------------------------------------------------------------------
    def report(self, failures):
        """Writes report.md/.json and the plot, appends to reports/history.jsonl; returns the new failures."""
        coverage = {w.target: read_coverage(os.path.join(self.run_dir, "cov", f"{w.target}*.json"))
                    for w in self.workers}
        hit, names = categories_hit({f"{t}/{i}": d for t, c in coverage.items() for i, d in c.items()})
        title = (f"spidx campaign {self.stamp}: commit {short_commit(git_commit())}, "
                 f"{', '.join(self.gpu_names) or 'CPU only'}, budget {self.args.minutes:g} min"
                 f"{' (interrupted)' if self.interrupted else ''}")
        plot_file, plot_note = plot(self.timeline, self.report_dir, title)
        total_execs = sum((w.last or (0,))[0] for w in self.workers)
        elapsed, stamp = self.elapsed, self.stamp
        info = {
            "started_utc": stamp, "commit": git_commit(), "host": os.uname().nodename,
            "gpu": ", ".join(self.gpu_names) or "none", "budget_minutes": self.args.minutes, "elapsed_s": elapsed,
            "seed": self.seed, "interrupted": self.interrupted, "total_execs": total_execs,
            "execs_per_s": round(total_execs / max(1, elapsed)), "corpus_before": self.corpus_before,
            "corpus_after": self.corpus_after, "semantic_categories_hit": f"{hit}/{names}", "plot_note": plot_note,
            "run_dir": os.path.relpath(self.run_dir, ROOT), "known_failures": self.known,
            "mps": self.mps["state"] + (f" ({self.mps['why']})" if self.mps.get("why") else ""),
            "job_startup": startup_text(*read_startup(os.path.join(self.run_dir, "cov", "*.json"))),
            "unsigned_artifacts": getattr(self, "unsigned", 0), "overran": self.overran, "stalls": self.stalls,
        }
        write_report(self.report_dir, info, self.workers, self.timeline, coverage, failures, plot_file)
        new = [f for f in failures.values() if f["new"]]
        with open(os.path.join(ROOT, "reports", "history.jsonl"), "a") as h:
            h.write(json.dumps({"utc": stamp, "commit": info["commit"], "gpu": info["gpu"], "elapsed_s": elapsed,
                                "execs": total_execs, "execs_per_s": info["execs_per_s"],
                                "failures": len(failures), "new_failures": len(new),
                                "cov": sum((w.last or (0, 0))[1] for w in self.workers),
                                "semantic_categories_hit": hit,
                                "interrupted": self.interrupted, "report": f"reports/{stamp}/report.md"}) + "\n")
        history_note = plot_history(os.path.join(ROOT, "reports", "history.jsonl"),
                                    os.path.join(ROOT, "reports", "history.svg"))
        log(f"trend: reports/history.svg ({history_note})")
        log(f"fork jobs' start-up: {info['job_startup']}")
        log(f"{total_execs} execs in {elapsed} s; {len(failures)} failure signature(s), {len(new)} new; "
            f"report: reports/{stamp}/report.md ({plot_note})")
        for f in new:
            log(f"NEW FAILURE {f['signature']}: repro: {f.get('repro')}")
        return new


def main():
    c = Campaign(parse_args())
    try:
        return run_campaign(c)
    finally:
        stop_mps(c.mps)  # only a daemon this campaign started; an interrupted one too


def run_campaign(c):
    # The handlers first: a SIGTERM while setting up (or starting MPS) still ends in main's finally.
    signal.signal(signal.SIGINT, c.on_signal)
    signal.signal(signal.SIGTERM, c.on_signal)
    try:
        c.set_up()
        c.start_workers()
        c.monitor()
        c.stop_workers()
        # The merge and the triage run without MPS: the triage re-runs failures several at
        # once, and under MPS a fatal device fault in one would reach the others and be
        # signed as theirs.
        stop_mps(c.mps)
    except HarnessError as e:
        print(f"[campaign] harness error: {e}", file=sys.stderr)
        return 2
    try:
        c.merge_corpora()
        new = c.report(c.triage())
        if c.args.coverage and not c.interrupted:
            c.line_coverage()
    except Exception:  # a crash of this script is a harness error, not a new failure (exit 1)
        traceback.print_exc()
        print("[campaign] harness error: the bookkeeping after the run failed", file=sys.stderr)
        return 2
    if new:
        return 1
    return 128 + c.signum if c.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
