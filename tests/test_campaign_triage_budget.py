#!/usr/bin/env python3
"""test_campaign_triage_budget.py - the campaign's triage keeps to its time budget
(--triage-minutes): past its deadline it signs no more failing-input artifacts (they are
counted unsigned) and minimizes no more cases (each is kept as its .case, and says why); a
minimization still running at the deadline is stopped. A fake spidx_repro stands in (its
minimizer never ends), so no GPU and no build are needed. Run: ctest -R test_campaign_triage_budget."""

import os
import sys
import tempfile
import time

FAKE_REPRO = """#!/bin/sh
[ "$1" = --impls ] && shift 2
case "$1" in
  --signature) echo "signature: fake:status:OK->E_DEVICE" ;;
  --minimize) exec sleep 300 ;;
  --to-case) echo "spidx-case 1" >"$2" ;;
  *) exit 2 ;;
esac
"""


def setup(tmp):
    os.makedirs(tmp)
    repro = os.path.join(tmp, "spidx_repro")
    with open(repro, "w") as f:
        f.write(FAKE_REPRO)
    os.chmod(repro, 0o755)
    run = os.path.join(tmp, "run")
    arts = os.path.join(run, "artifacts", "fuzz_diff-x")
    os.makedirs(arts)
    os.makedirs(os.path.join(run, "seen"))
    for i in range(3):
        with open(os.path.join(arts, f"crash-{i}"), "wb") as f:
            f.write(b"x")
    case = os.path.join(arts, "mismatch-0.case")
    with open(case, "w") as f:
        f.write("spidx-case 1\n")
    with open(os.path.join(run, "seen", "fake"), "w") as f:
        f.write(f"fake:weight:missing-one@tail\n{case}\n++\n")
    return {"spidx_repro": repro, "fuzz_ref_replay": repro}, run


def check(name, cond, detail):
    print(f"{'ok  ' if cond else 'FAIL'} {name}: {detail}")
    return cond


def main():
    results = []
    with tempfile.TemporaryDirectory(prefix="spidx-triage-") as tmp:
        os.environ["SPIDX_CAMPAIGNS_DIR"] = os.path.join(tmp, "state")
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fuzz"))
        import campaign  # noqa: E402  fuzz/campaign.py, after SPIDX_CAMPAIGNS_DIR is set

        # A deadline already past: nothing signed, nothing minimized, the case kept.
        bins, run = setup(os.path.join(tmp, "a"))
        t0 = time.monotonic()
        failures, unsigned = campaign.triage(bins, run, os.path.join(tmp, "a", "report"), deadline=t0)
        took = time.monotonic() - t0
        f = failures.get("fake:weight:missing-one@tail", {})
        results += [
            check("past the deadline: no artifact signed", unsigned == 3 and list(failures) == ["fake:weight:missing-one@tail"],
                  f"unsigned {unsigned}, signatures {sorted(failures)}"),
            check("past the deadline: the seen failure is kept unminimized",
                  f.get("minimized", "").startswith("not minimized (the triage's time budget was spent)")
                  and os.path.isfile(os.path.join(tmp, "a", "report", "failures",
                                                  campaign.slug("fake:weight:missing-one@tail") + ".case")),
                  f"minimized: {f.get('minimized')!r}"),
            check("past the deadline: it returns at once", took < 5, f"{took:.1f} s")]

        # A deadline 1 s ahead: the artifacts are signed, the minimizer (which never ends) is stopped.
        bins, run = setup(os.path.join(tmp, "b"))
        t0 = time.monotonic()
        failures, unsigned = campaign.triage(bins, run, os.path.join(tmp, "b", "report"), deadline=t0 + 1)
        took = time.monotonic() - t0
        f = failures.get("fake:weight:missing-one@tail", {})
        results += [
            check("before the deadline: the artifacts are signed", unsigned == 0
                  and len(failures.get("fake:status:OK->E_DEVICE", {}).get("artifacts", [])) == 3,
                  f"unsigned {unsigned}, signatures {sorted(failures)}"),
            check("at the deadline: the running minimization is stopped, the case kept",
                  f.get("minimized", "").startswith("not minimized (stopped at the triage's time budget)"),
                  f"minimized: {f.get('minimized')!r}"),
            check("at the deadline: it returns within the minimizer's last 10 s", took < 20, f"{took:.1f} s")]
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
