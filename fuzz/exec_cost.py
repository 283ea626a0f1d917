#!/usr/bin/env python3
"""exec_cost.py - what one exec of each input costs a fuzz target, per implementation set:
the wall time of `-runs=N2` minus that of `-runs=N1` on the same file, over N2 - N1 execs,
so process start-up and CUDA initialization cancel out. Finds the inputs that slow a
campaign down (README "Performance of the harness").
Usage: python3 fuzz/exec_cost.py [--target build/fuzz/fuzz/fuzz_diff] [--sets ref,ref+fused,...]
       [--runs N1,N2] INPUT...     (sets use '+' between names: SPIDX_IMPLS gets commas)"""
import argparse
import os
import subprocess
import sys
import time


def seconds(target, impls, runs, path):
    env = dict(os.environ, SPIDX_IMPLS=impls)
    start = time.perf_counter()
    r = subprocess.run([target, f"-runs={runs}", path], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(f"exec_cost: {target} -runs={runs} {path} exited {r.returncode} (SPIDX_IMPLS={impls})")
    return time.perf_counter() - start


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\nUsage")[0].split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", default=os.path.join(root, "build", "fuzz", "fuzz", "fuzz_diff"))
    ap.add_argument("--sets", default="ref,ref+fused,ref+baseline,ref+fused+baseline")
    ap.add_argument("--runs", default="100,1100", help="N1,N2 (default 100,1100)")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    n1, n2 = (int(x) for x in a.runs.split(","))
    if not 0 < n1 < n2:
        sys.exit("exec_cost: --runs needs 0 < N1 < N2")
    sets = a.sets.split(",")
    width = max(len(os.path.basename(p)) for p in a.inputs) + 2
    print(f"{'input':<{width}}" + "".join(f"{s:>22}" for s in sets) + "   (microseconds per exec)")
    for path in a.inputs:
        row = f"{os.path.basename(path):<{width}}"
        for s in sets:
            impls = s.replace("+", ",")
            cost = (seconds(a.target, impls, n2, path) - seconds(a.target, impls, n1, path)) / (n2 - n1)
            row += f"{cost * 1e6:>22.1f}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
