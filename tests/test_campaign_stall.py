#!/usr/bin/env python3
"""test_campaign_stall.py - a campaign whose fuzzers stall (alive, no execution: what a fatal
device fault under MPS leaves) restarts them: Campaign.monitor stops the workers after the
stall time, starts them again for the budget left with another seed and libFuzzer's input
timeout, and keeps counting their executions; a worker that stalls again after the last
allowed restart ends the run, recorded as such; under MPS the first stall restarts the
daemon and the second goes on without it. Fake workers stand in for libFuzzer (no GPU).
Run: ctest -R test_campaign_stall."""

import argparse
import os
import sys
import tempfile
import time

FAKE = """#!/bin/sh
# A fake libFuzzer: FAKE_MODE=silent prints nothing for 3 s and exits (a first pass over the
# corpus); otherwise the first start prints one status line and hangs, and later ones (the
# marker exists) print another and exit, or hang silently under FAKE_ALWAYS_STALL=silent,
# or print and hang again under FAKE_ALWAYS_STALL=1.
if [ "$FAKE_MODE" = silent ]; then exec sleep 3; fi
if [ -e "$FAKE_MARK" ]; then
  [ "$FAKE_ALWAYS_STALL" = silent ] && exec sleep 60
  if [ -z "$FAKE_ALWAYS_STALL" ]; then
    echo "#50: cov: 5 ft: 5 corp: 1 exec/s 50 oom/timeout/crash: 0/0/0 time: 1s"; exit 0
  fi
fi
: > "$FAKE_MARK"
echo "#100: cov: 10 ft: 10 corp: 1 exec/s 100 oom/timeout/crash: 0/0/0 time: 1s"
exec sleep 60
"""


def campaign_with_fake(campaign, tmp, always_stall, mode=""):
    fake = os.path.join(tmp, "fake-fuzzer")
    with open(fake, "w") as f:
        f.write(FAKE)
    os.chmod(fake, 0o755)
    c = campaign.Campaign(argparse.Namespace(minutes=1.0, seed=7, workers=0, no_mps=True, build_dir=tmp,
                                             coverage=False))
    os.makedirs(os.path.join(c.run_dir, "cov"), exist_ok=True)
    env = dict(os.environ, FAKE_MARK=os.path.join(tmp, "mark"), FAKE_MODE=mode)
    if always_stall:
        env["FAKE_ALWAYS_STALL"] = always_stall
    c.workers = [campaign.Worker("fake", "fuzz_diff", fake, 1, env, c.run_dir, c.seconds, c.seed, [tmp])]
    return c


def check(name, ok, got):
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": got {got}"))
    return ok


def main():
    with tempfile.TemporaryDirectory(prefix="spidx-stall-") as tmp:
        os.environ["SPIDX_CAMPAIGNS_DIR"] = os.path.join(tmp, "state")
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fuzz"))
        import campaign  # noqa: E402  fuzz/campaign.py, after SPIDX_CAMPAIGNS_DIR is set
        campaign.TICK_S = 0.25  # status lines (and so progress checks) four times a second
        results = []

        c = campaign_with_fake(campaign, tmp, always_stall=False)
        t0 = time.monotonic()
        c.monitor(stall_s=2)
        took = time.monotonic() - t0
        w = c.workers[0]
        results.append(check("a stall restarts the worker once, after the stall time", len(c.stalls) == 1
                             and c.stalls[0]["restarted"] and w.restarts == 1 and 2 <= took < 20,
                             f"stalls {c.stalls}, restarts {w.restarts}, {took:.1f} s"))
        results.append(check("the restart runs for the budget left, with another seed and the input timeout",
                             "-seed=8" in w.cmd and f"-timeout={campaign.INPUT_TIMEOUT_S}" in w.cmd
                             and any(a.startswith("-max_total_time=") and int(a.split("=")[1]) < c.seconds
                                     for a in w.cmd), " ".join(w.cmd)))
        results.append(check("executions are counted over both processes (100 + 50)",
                             c.timeline[-1][1] == 150 and w.last[0] == 150, c.timeline[-1]))
        results.append(check("the restart logs to its own file", os.path.basename(w.log_path) == "fake-restart1.log",
                             w.log_path))

        os.remove(os.path.join(tmp, "mark"))
        c = campaign_with_fake(campaign, tmp, always_stall="", mode="silent")
        c.monitor(stall_s=1)
        results.append(check("a worker without a status line yet (libFuzzer's first pass) is not a stall",
                             not c.stalls and c.workers[0].restarts == 0, c.stalls))

        c = campaign_with_fake(campaign, tmp, always_stall="silent")
        w = c.workers[0]
        time.sleep(0.5)
        w.poll_status()
        campaign.stop_all(c.workers, grace=1.0)
        w.restart(30)
        time.sleep(0.5)
        w.poll_status()
        results.append(check("until a restarted process prints, its executions are the earlier ones' and its "
                             "coverage the last one seen", w.last is not None and w.last[:3] == (100, 10, 10),
                             w.last))
        campaign.stop_all(c.workers, grace=1.0)

        os.remove(os.path.join(tmp, "mark"))
        campaign.MAX_RESTARTS = 1
        c = campaign_with_fake(campaign, tmp, always_stall="1")
        c.monitor(stall_s=1.5)
        try:
            c.stop_workers()
            stopped = "ok"
        except campaign.HarnessError as e:
            stopped = str(e)
        results.append(check("a stall after the last allowed restart ends the run, recorded as not restarted, "
                             "and is no harness error", [s["restarted"] for s in c.stalls] == [True, False]
                             and stopped == "ok", (c.stalls, stopped)))

        # Under an MPS daemon the campaign started: the first stall restarts it, the second
        # goes on without it (the daemon's control is faked: no GPU here).
        calls = []
        campaign.stop_mps = lambda mps: (calls.append("stop"), mps.update(state="started and stopped"))
        campaign.start_mps = lambda args, bins, mps: (calls.append("start"), mps.update(state="started"))
        os.remove(os.path.join(tmp, "mark"))
        campaign.MAX_RESTARTS = 2
        c = campaign_with_fake(campaign, tmp, always_stall="1")
        c.mps = {"state": "started", "why": ""}
        c.workers[0].forks = 4  # as planned under MPS: cores per GPU - 1
        c.monitor(stall_s=1.5)
        campaign.stop_all(c.workers, grace=1.0)
        results.append(check("under MPS: the first stall restarts the daemon, the second stops it for good "
                             "and the jobs drop to one per GPU", c.workers[0].forks == 1 and
                             calls == ["stop", "start", "stop"] and c.mps["state"] == "stopped after a second stall"
                             and [s["restarted"] for s in c.stalls] == [True, True, False], (calls, c.mps, c.stalls)))
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
