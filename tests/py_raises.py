"""py_raises.py - a Python implementation that raises, for tests/test_python_bridge.sh:
the bridge must turn the exception into a failure that carries its traceback."""


def run(p, topk, lst, weight):
    raise RuntimeError(f"no kernel for b={p.b}")


run.spidx = {"name": "raises"}
