#!/usr/bin/env python3
"""test_campaign_stop.py - an interrupted campaign stops its fuzzers promptly: campaign.stop_all
sends SIGINT to every worker at once and SIGKILLs what is left after its grace period, with 2
and with 16 workers that ignore SIGINT (as fork-mode libFuzzer does), and returns at once for
workers that exit on it. Fake workers stand in for libFuzzer. Run: ctest -R test_campaign_stop."""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fuzz"))
import campaign  # noqa: E402  fuzz/campaign.py

STUBBORN = "#!/bin/sh\ntrap '' INT\nsleep 60 & wait\n"  # ignores SIGINT, and so does its child
OBEDIENT = "#!/bin/sh\nexec sleep 60\n"                    # sleep dies on SIGINT


def workers(tmp, script, n):
    path = os.path.join(tmp, f"fake-{n}-{len(script)}")
    with open(path, "w") as f:
        f.write(script)
    os.chmod(path, 0o755)
    ws = [campaign.Worker(f"w{i}", "fuzz_diff", path, 1, dict(os.environ), tmp, 60, 1, [tmp]) for i in range(n)]
    time.sleep(0.3)  # let the shells install their traps
    return ws


def check(tmp, script, n, grace, at_least, at_most):
    ws = workers(tmp, script, n)
    took = campaign.stop_all(ws, grace=grace)
    alive = [w.name for w in ws if w.proc.poll() is None]
    ok = not alive and at_least <= took <= at_most
    print(f"{'ok  ' if ok else 'FAIL'} {n} workers, grace {grace} s: stopped in {took:.2f} s"
          f" (want {at_least}-{at_most} s){'; still running: ' + ', '.join(alive) if alive else ''}")
    return ok


def main():
    with tempfile.TemporaryDirectory(prefix="spidx-stop-") as tmp:
        results = [check(tmp, STUBBORN, 2, 2.0, 1.9, 4.0),
                   check(tmp, STUBBORN, 16, 2.0, 1.9, 4.0),
                   check(tmp, OBEDIENT, 16, 2.0, 0.0, 1.0)]
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
