"""py_raises.py - Python implementations that misbehave, for tests/test_python_bridge.sh:
each must fail its call: an exception (with its traceback), sys.exit, a bad status."""


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
