#!/usr/bin/env python3
"""fuzz/jobs_curve.py - how campaign throughput grows with fork jobs per GPU: runs one short
campaign (fuzz/campaign.py, each from the committed corpora alone, in a fresh state folder)
per job count and tabulates execs/s, per job, and the share of job time spent starting, so
that the campaign's default (cores / GPUs - 1 under MPS) can be checked against where the
curve flattens. Run it on the GPU machine; it starts MPS through the campaign as usual.
Usage: python3 fuzz/jobs_curve.py [--jobs 4,8,12,15] [--seconds 40] [--seed 1] [--no-mps]
Writes reports/campaign-curve-<UTC>.md. Exit: 0, or 2 when a campaign failed to run."""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_point(jobs, seconds, seed, no_mps):
    """Runs one campaign with `jobs` fork jobs per GPU; returns its report.json, or None."""
    with tempfile.TemporaryDirectory(prefix=f"spidx-curve-{jobs}-") as state:
        cmd = [sys.executable, os.path.join(ROOT, "fuzz", "campaign.py"), "--minutes", f"{seconds / 60:.4f}",
               "--workers", str(jobs), "--seed", str(seed)] + (["--no-mps"] if no_mps else [])
        r = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, SPIDX_CAMPAIGNS_DIR=state), text=True,
                           errors="replace", capture_output=True, timeout=seconds + 900)
        for line in r.stdout.splitlines():
            if "report: reports/" in line:
                path = os.path.join(ROOT, line.split("report: ")[1].split()[0].replace("report.md", "report.json"))
                with open(path) as f:
                    return json.load(f)
        print(f"[curve] {jobs} jobs: the campaign gave no report (exit {r.returncode}):\n" + r.stdout[-1500:]
              + r.stderr[-1500:], file=sys.stderr)
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\nUsage")[0].split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", default="4,8,12,15", help="fork jobs per GPU, one campaign each")
    ap.add_argument("--seconds", type=int, default=40, help="each campaign's budget (default 40)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-mps", action="store_true")
    args = ap.parse_args()
    rows, failed = [], False
    for jobs in (int(x) for x in args.jobs.split(",")):
        rep = one_point(jobs, args.seconds, args.seed, args.no_mps)
        if rep is None:
            failed = True
            continue
        diff = [w for w in rep.get("workers", []) if w.get("target") == "fuzz_diff"]
        execs = sum(w.get("execs", 0) for w in diff)
        rate = round(execs / max(1, rep["elapsed_s"]))
        total_jobs = sum(w.get("jobs", 0) for w in diff)
        rows.append({"jobs_per_gpu": jobs, "gpus": rep.get("gpu"), "mps": rep.get("mps"), "execs": execs,
                     "elapsed_s": rep["elapsed_s"], "execs_per_s": rate,
                     "per_job": round(rate / max(1, total_jobs)), "job_startup": rep.get("job_startup"),
                     "failures": len(rep.get("failures", []))})
        print(f"[curve] {jobs} jobs/GPU: {rate} execs/s ({rows[-1]['per_job']}/job), start-up {rows[-1]['job_startup']}",
              flush=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    L = [f"# Campaign throughput against fork jobs per GPU, {stamp}", "",
         f"`python3 fuzz/jobs_curve.py --jobs {args.jobs} --seconds {args.seconds} --seed {args.seed}"
         f"{' --no-mps' if args.no_mps else ''}`: one campaign per point, each from the committed corpora in a "
         "fresh state folder; fuzz_diff workers only; execs/s over the campaign's elapsed time.", "",
         "| jobs per GPU | GPUs | MPS | execs | s | execs/s | per job | job start-up | failures |",
         "|---:|---|---|---:|---:|---:|---:|---|---:|"]
    L += [f"| {r['jobs_per_gpu']} | {r['gpus']} | {r['mps']} | {r['execs']} | {r['elapsed_s']} | {r['execs_per_s']} | "
          f"{r['per_job']} | {r['job_startup']} | {r['failures']} |" for r in rows]
    out = os.path.join(ROOT, "reports", f"campaign-curve-{stamp}.md")
    with open(out, "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L[4:]))
    print(f"[curve] report: {os.path.relpath(out, ROOT)}")
    return 2 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
