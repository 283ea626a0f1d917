#!/usr/bin/env python3
"""fuzz/failures.py - the life of a failure after a campaign found it.
  recheck   re-runs every known failure (campaigns/failures/<signature>/) on the current
            build: still failing, fixed (moved to campaigns/failures/fixed/, with the
            commit where it now passes) or not rechecked (an implementation it needs is
            unavailable here). Campaigns run it at their start and report it.
  promote   copies a failure's minimized case into corpus/regress/ with a header comment
            (what it caught, when, the repro command), after checking that it fails at
            the commit it was found at and passes at the current one.
  bisect    finds the first commit at which a case fails, with `git bisect run` in a
            separate worktree, building spidx_repro at each step (builds cached by commit).
Usage: python3 fuzz/failures.py recheck [--build-dir build/fuzz]
       python3 fuzz/failures.py promote FAILURE_DIR [--name NAME] [--found-at COMMIT]
                                      [--signature SIG] [--plugin TARGET] [--cuda]
       python3 fuzz/failures.py bisect CASE --good COMMIT --bad COMMIT [--impls ref,fused]
                                      [--plugin TARGET] [--cuda]
Exit: 0 done, 1 the check a command makes failed (promote: the case does not fail where
found or still fails now; bisect: no first bad commit), 2 usage or harness error."""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.environ.get("SPIDX_CAMPAIGNS_DIR") or os.path.join(ROOT, "campaigns")  # tests point it elsewhere
KNOWN = os.path.join(STATE, "failures")
FIXED = os.path.join(KNOWN, "fixed")
BUILDS = os.path.join(STATE, "builds")  # bisect and promote builds, one folder per commit


def log(msg):
    print(f"[failures] {msg}", flush=True)


def git(*args, cwd=ROOT, check=True):
    r = subprocess.run(["git", *args], cwd=cwd, text=True, capture_output=True)
    if check and r.returncode:
        raise RuntimeError(f"git {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout.strip()


def head_commit():
    return os.environ.get("SPIDX_COMMIT") or git("rev-parse", "HEAD", check=False) or "unknown"


def read_meta(d):
    try:
        with open(os.path.join(d, "meta.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"signature": os.path.basename(d)}


def write_meta(d, meta):
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


def case_of(d):
    for name in ("case.case", "case.bin"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return None


def impls_of(signature):
    """The implementations a failure needs: IMPL:FIELD:CLASS and crash:IMPL name one beside
    ref; ref:..., hang:... and unreproduced:... none."""
    parts = signature.split(":")
    impl = parts[1] if parts[0] == "crash" and len(parts) > 1 else parts[0]
    return None if impl in ("ref", "unreproduced", "hang", "unknown") else f"ref,{impl}"


def verdict(tools, case, meta):
    """Runs one known failure: 'failing', 'passing' or 'unavailable: why'. A failure no
    tool reproduced (signature unreproduced:...) is never judged passing: nothing names
    what to compare."""
    sig = meta.get("signature", "")
    if sig.startswith("unreproduced:"):
        return "unavailable: it was never reproduced, so nothing says what to compare"
    if sig.startswith("hang:"):
        return "unavailable: it hung when re-run; a recheck does not wait for hangs"
    # spidx_repro from the repository root (relative SPIDX_PLUGINS and SPIDX_PY_PATH work);
    # fuzz_ref_replay in a scratch folder, where a failure writes its case.
    with tempfile.TemporaryDirectory(prefix="spidx-recheck-") as tmp:
        if meta.get("target") == "fuzz_ref" or case.endswith(".bin"):
            cmd, env = [tools["fuzz_ref_replay"], os.path.abspath(case)], dict(os.environ)
        else:
            impls = impls_of(sig)
            cmd = [tools["spidx_repro"], *(["--impls", impls] if impls else []), os.path.abspath(case)]
            env = dict(os.environ)
        cwd = tmp if cmd[0] == tools["fuzz_ref_replay"] else ROOT
        r = subprocess.run(cmd, cwd=cwd, env=env, text=True, errors="replace", capture_output=True, timeout=1800)
    out = r.stdout + r.stderr
    if r.returncode == 0:
        return "passing"
    if r.returncode == 2:  # a named implementation cannot run here, or the input is unusable
        return "unavailable: " + (out.strip().splitlines() or ["exit 2"])[-1][:160]
    if r.returncode == 3:  # spidx_repro: the named implementation does not declare this case
        return "unavailable: not applicable to the implementation it failed on"
    return "failing"


def recheck(build_dir, quiet=False):
    """Re-runs every open known failure; moves fixed ones to fixed/. Returns a list of
    {signature, first_seen, state, fixed_at?} for the campaign report."""
    tools = {"spidx_repro": os.path.join(build_dir, "tools", "spidx_repro"),
             "fuzz_ref_replay": os.path.join(build_dir, "fuzz", "fuzz_ref_replay")}
    rows = []
    if not os.path.isdir(KNOWN):
        return rows
    now = head_commit()
    for slug in sorted(os.listdir(KNOWN)):
        d = os.path.join(KNOWN, slug)
        if slug == "fixed" or not os.path.isdir(d):
            continue
        meta = read_meta(d)
        case = case_of(d)
        if not case:
            rows.append({"signature": meta.get("signature", slug), "state": "no case kept: cannot recheck",
                         "first_seen": meta.get("first_seen_commit", "?")})
            continue
        v = verdict(tools, case, meta)
        row = {"signature": meta.get("signature", slug), "first_seen": meta.get("first_seen_commit", "?"),
               "first_seen_utc": meta.get("first_seen_utc", "?")}
        if v == "passing":
            meta.update(fixed_at_commit=now, fixed_seen_utc=utc_now())
            write_meta(d, meta)
            os.makedirs(FIXED, exist_ok=True)
            dest = os.path.join(FIXED, slug)
            if os.path.exists(dest):
                shutil.rmtree(dest)
            shutil.move(d, dest)
            row.update(state="fixed", fixed_at=now)
        else:
            row["state"] = "still failing" if v == "failing" else f"not rechecked ({v})"
        rows.append(row)
        if not quiet:
            log(f"{row['signature']}: {row['state']} (first seen at {row['first_seen']})")
    return rows


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- builds at a commit -------------------------------------------------------------
def build_at(commit, targets, cuda, worktree=None):
    """Builds `targets` of the commit in BUILDS/<sha>[-cuda] from a worktree of it (one
    made here when worktree is None); returns the build folder. Cached: a folder whose
    targets exist is reused."""
    sha = git("rev-parse", commit)
    out = os.path.join(BUILDS, sha + ("-cuda" if cuda else ""))
    stamp = os.path.join(out, "spidx-built-" + "-".join(sorted(targets)))
    if os.path.exists(stamp):
        return out
    shutil.rmtree(out, ignore_errors=True)  # a partial build, maybe from another worktree path
    own = worktree is None
    src = worktree or tempfile.mkdtemp(prefix="spidx-worktree-")
    try:
        if own:
            git("worktree", "add", "--detach", src, sha)
        cfg = ["cmake", "-S", src, "-B", out, "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSPIDX_ENABLE_TESTS=OFF",
               "-DSPIDX_ENABLE_BENCH=OFF", f"-DSPIDX_ENABLE_CUDA={'ON' if cuda else 'OFF'}"]
        for cmd in (cfg, ["cmake", "--build", out, "-j", str(os.cpu_count() or 2), "--target", *targets]):
            r = subprocess.run(cmd, text=True, capture_output=True)
            if r.returncode:
                raise RuntimeError(f"build of {sha[:12]} failed: {' '.join(cmd[:3])}: {(r.stdout + r.stderr)[-600:]}")
        open(stamp, "w").close()
        return out
    finally:
        if own:
            git("worktree", "remove", "--force", src, check=False)


def repro_at(build, case, impls, plugin):
    """spidx_repro of a build on the case: its exit code (0 agree, 1 mismatch, 2 unusable)."""
    cmd = [os.path.join(build, "tools", "spidx_repro")]
    if plugin:
        found = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(build, "plugins")) for f in fs
                 if f == plugin + ".so"]
        if not found:
            return 2
        cmd += ["--plugin", found[0]]
    cmd += (["--impls", impls] if impls else []) + [os.path.abspath(case)]
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace").returncode


# ---- promote ----------------------------------------------------------------------------
def promote(args):
    d = os.path.abspath(args.failure)
    meta = read_meta(d) if os.path.isdir(d) else {}
    case = case_of(d) if os.path.isdir(d) else d
    if not case or not case.endswith(".case"):
        log(f"{args.failure}: no minimized .case to promote (fuzz_ref's byte inputs stay in the campaign folder)")
        return 2
    sig = meta.get("signature") or args.signature
    found = args.found_at or meta.get("first_seen_commit")
    if not sig or not found or found == "unknown":
        log("the signature and the commit it was found at are needed (--signature, --found-at)")
        return 2
    impls = impls_of(sig)
    targets = ["spidx_repro"] + ([args.plugin] if args.plugin else [])
    then = repro_at(build_at(found, targets, args.cuda), case, impls, args.plugin)
    now = repro_at(build_at("HEAD", targets, args.cuda), case, impls, args.plugin)
    log(f"at {found[:12]} (found): spidx_repro exit {then}; at HEAD: exit {now}")
    crash = sig.startswith("crash:")  # the process died by a signal: a negative exit code
    if not (then == 1 or (crash and then < 0)) or now != 0:
        log("not promoted: a regression case must fail where it was found (exit 1, or a signal for a crash) "
            "and pass now (exit 0)")
        return 1
    name = args.name or re.sub(r"[^a-z0-9_]+", "_", sig.lower()).strip("_")
    dest = os.path.join(ROOT, "corpus", "regress", name + ".case")
    if os.path.exists(dest):
        log(f"{os.path.relpath(dest, ROOT)} exists: choose another --name")
        return 2
    impl, field, cls = (sig.split(":") + ["?", "?"])[:3]
    with open(case) as f:
        lines = f.read().splitlines()
    body = [line for line in lines[1:] if not line.startswith("#")]
    rel = os.path.relpath(dest, ROOT)
    caught = (f"# Caught: {field} crashed the process running it; signature {sig}." if crash else
              f"# Caught: {impl} disagreed with the reference on {field} ({cls}); signature {sig}.")
    header = [lines[0], caught,
              f"# Found by a campaign at commit {found[:12]} on {meta.get('first_seen_utc', '?')}; passes at"
              f" {head_commit()[:12]} (checked by fuzz/failures.py promote).",
              f"# Repro: build/ci/tools/spidx_repro{' --impls ' + impls if impls else ''} {rel}"]
    with open(dest, "w") as f:
        f.write("\n".join(header + body) + "\n")
    log(f"wrote {rel}")
    return 0


# ---- bisect -----------------------------------------------------------------------------
STEP = """#!/usr/bin/env bash
# One `git bisect run` step: build this commit (cached), run the case: 0 good, 1 bad, 125 skip.
exec {python} {me} _step {case} --impls '{impls}' --plugin '{plugin}' {cuda}
"""


def bisect(args):
    case = os.path.abspath(args.case)
    good, bad = git("rev-parse", args.good), git("rev-parse", args.bad)
    wt = tempfile.mkdtemp(prefix="spidx-bisect-")
    git("worktree", "add", "--detach", wt, bad)
    try:
        step = os.path.join(wt, ".spidx-bisect-step.sh")
        with open(step, "w") as f:
            f.write(STEP.format(python=sys.executable, me=os.path.abspath(__file__), case=case,
                                impls=args.impls or "", plugin=args.plugin or "",
                                cuda="--cuda" if args.cuda else ""))
        os.chmod(step, 0o755)
        git("bisect", "start", bad, good, cwd=wt)
        r = subprocess.run(["git", "bisect", "run", step], cwd=wt, text=True, capture_output=True)
        out = r.stdout + r.stderr
        m = re.search(r"^([0-9a-f]{40}) is the first bad commit", out, re.M)
        git("bisect", "reset", cwd=wt, check=False)
        if not m:
            log("no first bad commit found:\n" + out[-1500:])
            return 1
        sha = m.group(1)
        subject = git("log", "-1", "--format=%s", sha)
        repro = (f"build/ci/tools/spidx_repro{' --plugin <' + args.plugin + '.so>' if args.plugin else ''}"
                 f"{' --impls ' + args.impls if args.impls else ''} {os.path.relpath(case, ROOT)}")
        print(f"first bad commit: {sha[:12]} {subject}")
        print(f"repro at that commit: git checkout {sha[:12]} && cmake --build --preset ci && {repro}")
        return 0
    finally:
        git("worktree", "remove", "--force", wt, check=False)


def step(args):
    """Inside `git bisect run`: the current directory is the worktree at the commit."""
    commit = git("rev-parse", "HEAD", cwd=os.getcwd())
    targets = ["spidx_repro"] + ([args.plugin] if args.plugin else [])
    try:
        build = build_at(commit, targets, args.cuda, worktree=os.getcwd())
    except RuntimeError as e:
        print(f"[failures] {commit[:12]}: {e}: skipped", file=sys.stderr)
        return 125
    rc = repro_at(build, args.case, args.impls, args.plugin)
    print(f"[failures] {commit[:12]}: spidx_repro exit {rc}", file=sys.stderr)
    return {0: 0, 1: 1}.get(rc, 125)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("recheck", help="re-run every known failure on the current build")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build", "fuzz"))
    p = sub.add_parser("promote", help="copy a fixed failure's case into corpus/regress/")
    p.add_argument("failure", help="campaigns/failures/<signature>/ (or fixed/<signature>/), or a .case")
    p.add_argument("--name", default="", help="file name in corpus/regress/ (default: from the signature)")
    p.add_argument("--found-at", default="", help="commit it was found at (default: from meta.json)")
    p.add_argument("--signature", default="", help="IMPL:FIELD:CLASS (default: from meta.json)")
    p.add_argument("--plugin", default="", help="a plug-in target the signature's implementation comes from")
    p.add_argument("--cuda", action="store_true", help="build the CUDA implementations (on a GPU host)")
    p = sub.add_parser("bisect", help="first commit at which a case fails")
    p.add_argument("case")
    p.add_argument("--good", required=True)
    p.add_argument("--bad", required=True)
    p.add_argument("--impls", default="", help="SPIDX_IMPLS for spidx_repro (e.g. ref,fused)")
    p.add_argument("--plugin", default="", help="a plug-in target built at each step and loaded (e.g. rowmark)")
    p.add_argument("--cuda", action="store_true", help="build the CUDA implementations (on a GPU host)")
    p = sub.add_parser("_step")
    p.add_argument("case")
    p.add_argument("--impls", default="")
    p.add_argument("--plugin", default="")
    p.add_argument("--cuda", action="store_true")
    args = ap.parse_args()
    try:
        if args.cmd == "recheck":
            rows = recheck(os.path.abspath(args.build_dir))
            log(f"{len(rows)} known failure(s): " + ", ".join(f"{sum(r['state'] == s for r in rows)} {s}"
                                                             for s in ("still failing", "fixed")))
            return 0
        return {"promote": promote, "bisect": bisect, "_step": step}[args.cmd](args)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        log(f"error: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
