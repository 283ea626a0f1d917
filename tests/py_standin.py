"""py_standin.py - a Python implementation for tests/test_python_bridge.sh that checks the
shapes the bridge passes for a call without rows whose extents numpy cannot hold: every
extent that fits arrives as the call has it (here the list and weight rows' lengths), the
zero extent stays 0, and the one that does not fit (h) arrives as 1."""


def run(p, topk, lst, weight):
    want = {"list": (0, 1, p.list_length), "weight": (0, 1, p.sk)}
    got = {"list": tuple(lst.shape), "weight": tuple(weight.shape)}
    if p.b != 0 or p.h < 1 << 61 or got != want:
        raise AssertionError(f"stand-in shapes {got}, expected {want} (b={p.b}, h={p.h})")


run.spidx = {"name": "standin"}
