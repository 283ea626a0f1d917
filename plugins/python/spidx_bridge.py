"""spidx_bridge.py - the Python side of the bridge plug-in (spidx_python.c): loads the
functions SPIDX_PY_IMPL names, reads what each declares, and calls one with the harness's
buffers as numpy arrays (host memory) or torch tensors (CUDA memory, through DLPack),
shaped [b, h, n] with the call's strides, and the params as attributes (with list_length,
the list row's S + heavy + W).

A function declares itself with an attribute `spidx` (every key optional):
    run.spidx = {"name": "my_kernel",        # default: the function's name
                 "memory": "cuda",           # "host" (numpy, default) or "cuda" (torch)
                 "index": ["int64"],         # default: int64 and int32
                 "weight": ["float32", "float16", "bfloat16"],   # default: all three
                 "mode": ["zero"],           # default: zero and keep
                 "layouts": ["padded", "permuted"]}              # default: both
It is called as run(p, topk, list, weight) and returns None (SPIDX_OK) or a spidx status
(an int, 0 to 6). Python implementations run on valid calls only: a status-4 call would
need the detail of the first invalid entry, which a status alone cannot give. bfloat16 weights arrive as numpy uint16 (raw bits) on the host and as torch.bfloat16
on the GPU. A tensor without elements arrives as a fresh empty array of the call's shape,
or, where the array library cannot hold that shape (numpy refuses extents whose product
passes its index range even when one of them is 0; torch refuses contiguous strides that
overflow), with its largest extents made 1, one at a time, until the library accepts it:
still empty, its zero extents and every extent that fits kept, and p carries the call's
real extents. Any exception, SystemExit and KeyboardInterrupt
included, fails the call."""

import importlib
import types

CAP = {"int64": 1 << 0, "int32": 1 << 1, "float32": 1 << 2, "float16": 1 << 3, "bfloat16": 1 << 4,
       "zero": 1 << 5, "keep": 1 << 6, "padded": 1 << 7, "permuted": 1 << 8}  # spidx_plugin.h's SPIDX_CAP_*
STATUS_MAX = 6  # spidx_status: SPIDX_OK = 0 .. SPIDX_E_DEVICE = 6
MEMORY = {"host": 0, "cuda": 1}
INDEX = {0: "int64", 1: "int32"}                        # spidx_index_type
WEIGHT = {0: "float32", 1: "float16", 2: "bfloat16"}    # spidx_weight_type

_funcs = []  # (function, memory)


def load(spec):
    """'module:function' -> (name, memory, caps) for spidx_plugin_impl."""
    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"'{spec}' is not module:function")
    fn = getattr(importlib.import_module(module), name)
    if not callable(fn):
        raise TypeError(f"{spec} is not callable")
    d = dict(getattr(fn, "spidx", {}))
    unknown = set(d) - {"name", "memory", "index", "weight", "mode", "layouts"}
    if unknown:
        raise ValueError(f"{spec}.spidx has unknown keys {sorted(unknown)}")
    memory = MEMORY[d.get("memory", "host")]
    caps = 0
    for key, default in (("index", ["int64", "int32"]), ("weight", ["float32", "float16", "bfloat16"]),
                         ("mode", ["zero", "keep"]), ("layouts", ["padded", "permuted"])):
        for v in d.get(key, default):
            caps |= CAP[v]
    _funcs.append((fn, memory))
    return d.get("name", name), memory, caps


def _empty(make, shape):
    """make(shape), a tensor without elements; where the array library refuses the shape
    itself (its size or stride arithmetic overflows although nothing is stored: b = 0
    beside h = 3.7e18 is a valid call), the largest extent is made 1 and it tries again, so
    that a function slicing the other extents sees them as the call has them."""
    shape = list(shape)
    while True:
        try:
            return make(tuple(shape))
        except (ValueError, RuntimeError):
            i = max(range(len(shape)), key=lambda k: shape[k])
            if shape[i] <= 1:
                raise
            shape[i] = 1


def _host_array(np, view, dtype, shape, strides):
    itemsize = np.dtype(dtype).itemsize
    if 0 in shape:
        return _empty(lambda s: np.empty(s, dtype), shape)
    if view is None:
        return np.empty(shape, dtype)
    flat = np.frombuffer(view, dtype=dtype)
    return np.lib.stride_tricks.as_strided(flat, shape=shape, strides=tuple(s * itemsize for s in strides))


def call(index, params, topk, lst, weight):
    fn, memory = _funcs[index]
    p = types.SimpleNamespace(**params)
    p.index_dtype = INDEX[p.index_type]
    p.weight_dtype = WEIGHT[p.weight_type]
    shapes = [(p.b, p.h, p.heavy), (p.b, p.h, p.list_length), (p.b, p.h, p.sk)]
    strides = [p.topk_strides + (1,), p.list_strides + (1,), p.weight_strides + (1,)]
    try:
        r = _call(fn, memory, p, shapes, strides, topk, lst, weight)
    except Exception:
        raise
    except BaseException as e:  # SystemExit, KeyboardInterrupt: a failed call, not the process's end
        raise RuntimeError(f"{type(e).__name__}: {e}") from e
    if r is None:
        return 0
    if type(r) is not int or not 0 <= r <= STATUS_MAX:
        raise TypeError(f"returned {r!r}: None or a spidx status (an int, 0 to {STATUS_MAX}) is expected")
    return r


def _call(fn, memory, p, shapes, strides, topk, lst, weight):
    if memory == MEMORY["host"]:
        import numpy as np
        wtype = {"float32": np.float32, "float16": np.float16, "bfloat16": np.uint16}[p.weight_dtype]
        dtypes = [np.int64, np.int64 if p.index_dtype == "int64" else np.int32, wtype]
        arrays = [_host_array(np, v, t, s, st) for v, t, s, st in zip((topk, lst, weight), dtypes, shapes, strides)]
        return fn(p, *arrays)
    else:
        import torch
        from torch.utils.dlpack import from_dlpack
        dtypes = [torch.int64, torch.int64 if p.index_dtype == "int64" else torch.int32,
                  getattr(torch, p.weight_dtype)]
        def tensor(v, t, s):
            if 0 in s:
                return _empty(lambda shape: torch.empty(shape, dtype=t, device="cuda"), s)
            return from_dlpack(v) if v is not None else torch.empty(s, dtype=t, device="cuda")
        tensors = [tensor(v, t, s) for v, t, s in zip((topk, lst, weight), dtypes, shapes)]
        with torch.cuda.stream(torch.cuda.ExternalStream(p.stream)):
            return fn(p, *tensors)
