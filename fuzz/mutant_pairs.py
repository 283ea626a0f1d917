#!/usr/bin/env python3
"""fuzz/mutant_pairs.py - do two bugs of one kernel keep failure signatures of their own?
For each pair mutant of the mutant build (<build>/kernels/mutants/mutant_pairs.json, which
CMake writes from kernels/mutants/mutants.h), fuzzes the pair and each of its two bugs
alone with fuzz_diff (fork mode from the committed corpora, SPIDX_FUZZ_SEEN_DIR: each
signature met is recorded once and its repeats go on fuzzing, as in a campaign) and
compares the signatures met, FIELD:CLASS with the implementation's name left out. A pair
reports both bugs when its signatures include one that only bug a shows alone and one
that only bug b shows alone; otherwise the two collapsed, and a campaign would list one
failure for two bugs. Writes reports/mutation/pairs-<UTC>.md and .json.
Needs a GPU and the mutant build: cmake --preset mutants && cmake --build --preset mutants.
Usage: python3 fuzz/mutant_pairs.py [--seconds 45] [--seed 1] [--lanes 3] [--only 101,103]
Exit: 0 every pair judged (collapses are findings, in the report), 2 a pair could not be
judged (a run failed, or a bug alone was not found)."""

import argparse
import concurrent.futures
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import campaign  # fuzz/campaign.py: the committed corpora, the GPU names, the commit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print(f"[pairs] {msg}", flush=True)


def signatures_met(build, impl, seconds, seed):
    """Fuzzes ref against impl; returns (the FIELD:CLASS set met, execs or None, error or None)."""
    d = tempfile.mkdtemp(prefix=f"spidx-pairs-{impl}-")
    try:
        seen = os.path.join(d, "seen")
        os.makedirs(seen)
        os.makedirs(os.path.join(d, "corpus"))
        env = dict(os.environ, SPIDX_IMPLS="ref," + impl, SPIDX_FUZZ_SEEN_DIR=seen, SPIDX_REQUIRE_GPU="1")
        cmd = [os.path.join(build, "fuzz", "fuzz_diff"), "-fork=1", "-ignore_crashes=1", f"-seed={seed}",
               f"-max_total_time={seconds}", "-max_len=4096", f"-dict={os.path.join(ROOT, 'fuzz', 'spidx.dict')}",
               f"-artifact_prefix={d}/", "-print_final_stats=1", os.path.join(d, "corpus")]
        try:
            r = subprocess.run(cmd + campaign.committed_corpora(), cwd=d, env=env, text=True, errors="replace",
                               capture_output=True, timeout=seconds + 180)
        except subprocess.TimeoutExpired:
            return set(), None, "fuzz_diff overran its budget by 3 minutes"
        except OSError as e:
            return set(), None, f"cannot run fuzz_diff: {e}"
        out = r.stdout + r.stderr
        if "implementations under test" not in out:
            return set(), None, "fuzz_diff did not start: " + " | ".join(out.strip().splitlines()[-2:])[-300:]
        sigs = set()
        for path in glob.glob(os.path.join(seen, "*")):
            with open(path, errors="replace") as f:
                sig = f.readline().strip()
            if sig.startswith(impl + ":"):
                sigs.add(sig[len(impl) + 1:])
        # Failures fuzz_diff never passes over (a write outside the buffers, a sticky CUDA
        # error) leave a .case each and no seen file: their signatures, from the first 50.
        for case in sorted(glob.glob(os.path.join(d, "mismatch-*.case")))[:50]:
            r2 = subprocess.run([os.path.join(build, "tools", "spidx_repro"), "--signature", case], env=env, text=True,
                                errors="replace", capture_output=True, timeout=300)
            for line in r2.stdout.splitlines():
                if line.startswith("signature: " + impl + ":"):
                    sigs.add(line[len("signature: ") + len(impl) + 1:].strip())
        execs = [int(x) for x in re.findall(r"#(\d+): cov", out)]
        return sigs, (execs[-1] if execs else None), None
    finally:
        shutil.rmtree(d, ignore_errors=True)


def verdict(a, b, pair):
    only_a, only_b = a - b, b - a
    if not a or not b:
        return "not judged: a bug alone was not found"
    if not only_a or not only_b:
        return "collapsed: the bugs alone show no signature of their own (" + ("same set" if a == b else "one set holds the other") + ")"
    seen_a, seen_b = pair & only_a, pair & only_b
    if seen_a and seen_b:
        return "both reported"
    return "collapsed: the pair showed only " + ("bug a's" if seen_a else "bug b's" if seen_b else "shared") + " signatures"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\nUsage")[0].split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "mutants"))
    ap.add_argument("--seconds", type=int, default=45, help="fuzz_diff budget per implementation (default 45)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lanes", type=int, default=3, help="fuzz_diff runs at once (they share the GPU)")
    ap.add_argument("--only", default="", help="pair numbers, comma-separated (default: all)")
    ap.add_argument("--out", default=os.path.join(ROOT, "reports", "mutation"))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)  # fuzz_diff runs in a temporary folder
    with open(os.path.join(args.build, "kernels", "mutants", "mutants.json")) as f:
        singles = {m["number"]: m["name"] for m in json.load(f)}
    with open(os.path.join(args.build, "kernels", "mutants", "mutant_pairs.json")) as f:
        pairs = json.load(f)
    if args.only:
        keep = {int(x) for x in args.only.split(",")}
        pairs = [p for p in pairs if p["number"] in keep]
    impls = sorted({singles[p["a"]] for p in pairs} | {singles[p["b"]] for p in pairs} | {p["name"] for p in pairs})
    log(f"{len(pairs)} pairs, {len(impls)} implementations, {args.seconds} s each, {args.lanes} at once")
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.lanes) as pool:
        found = dict(zip(impls, pool.map(lambda i: signatures_met(args.build, i, args.seconds, args.seed), impls)))
    errors = {i: e for i, (_, _, e) in found.items() if e}
    rows = []
    for p in pairs:
        a, b = singles[p["a"]], singles[p["b"]]
        sa, sb, sp = found[a][0], found[b][0], found[p["name"]][0]
        rows.append({"pair": p["name"], "a": a, "b": b, "a_signatures": sorted(sa), "b_signatures": sorted(sb),
                     "pair_signatures": sorted(sp), "verdict": verdict(sa, sb, sp) if p["name"] not in errors else
                     "not judged: " + errors[p["name"]]})
        log(f"{p['name']}: {rows[-1]['verdict']}")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    os.makedirs(args.out, exist_ok=True)
    info = {"stamp": stamp, "commit": campaign.git_commit(), "gpus": campaign.gpus(), "seconds": args.seconds,
            "seed": args.seed, "pairs": rows, "errors": errors,
            "execs": {i: found[i][1] for i in impls}}
    with open(os.path.join(args.out, f"pairs-{stamp}.json"), "w") as f:
        json.dump(info, f, indent=1)
    L = [f"# Pair mutants {stamp}", "", f"- commit: {info['commit']}", f"- GPU: {', '.join(info['gpus']) or 'none'}",
         f"- `python3 fuzz/mutant_pairs.py --seconds {args.seconds} --seed {args.seed}`: fuzz_diff -fork=1 from the "
         "committed corpora per implementation, every signature met recorded (SPIDX_FUZZ_SEEN_DIR)", "",
         "| pair | verdict | bug a alone | bug b alone | the pair |", "|---|---|---|---|---|"]
    for r in rows:
        L.append(f"| {r['pair']} | {r['verdict']} | {r['a']}: {', '.join(r['a_signatures']) or '-'} | "
                 f"{r['b']}: {', '.join(r['b_signatures']) or '-'} | {', '.join(r['pair_signatures']) or '-'} |")
    if errors:
        L += ["", "## Runs that could not be judged", ""] + [f"- {i}: {e}" for i, e in errors.items()]
    with open(os.path.join(args.out, f"pairs-{stamp}.md"), "w") as f:
        f.write("\n".join(L) + "\n")
    log(f"report: {os.path.relpath(os.path.join(args.out, f'pairs-{stamp}.md'), ROOT)}")
    return 2 if errors or any(r["verdict"].startswith("not judged") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
