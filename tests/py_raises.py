"""py_raises.py - Python implementations that misbehave, for tests/test_python_bridge.sh:
each must fail its call: an exception (with its traceback), sys.exit, a bad status, a
failure in the first of two calls."""


def run(p, topk, lst, weight):
    raise RuntimeError(f"no kernel for b={p.b}")


run.spidx = {"name": "raises"}


def exits(p, topk, lst, weight):
    """sys.exit inside an implementation must fail the call, not end the process with 0."""
    import sys
    sys.exit(0)


exits.spidx = {"name": "exits"}


def big_status(p, topk, lst, weight):
    """A status outside spidx_status (here one that is 0 in 32 bits) must fail the call."""
    return 1 << 32


big_status.spidx = {"name": "big_status"}


_calls = [0]


def fails_first(p, topk, lst, weight):
    """Fails the first call of its process, then computes as numpy_rows does: with call =
    twice the failure is in the call before the checked one, which must still be reported."""
    _calls[0] += 1
    if _calls[0] == 1:
        raise RuntimeError("first call")
    from numpy_rows import run as numpy_rows
    return numpy_rows(p, topk, lst, weight)


fails_first.spidx = {"name": "fails_first"}
