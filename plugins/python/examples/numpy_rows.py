"""numpy_rows.py - ref/SPEC.md in numpy, as a Python implementation for the bridge
(plugins/python): a third CPU implementation, vectorised over all rows at once. The
list is built as one [b, h, T] array; the weights are set with one fancy-index store.
Run: SPIDX_PLUGINS=build/ci/plugins/python/spidx_python.so SPIDX_PY_PATH=plugins/python/examples \
     SPIDX_PY_IMPL=numpy_rows:run SPIDX_IMPLS=ref,numpy_rows build/ci/fuzz/fuzz_diff_replay corpus/seed"""

import numpy as np

# 1.0 as each weight type's bits (bfloat16 arrives as raw uint16 bits).
ONE = {"float32": np.float32(1.0), "float16": np.float16(1.0), "bfloat16": np.uint16(0x3F80)}


def run(p, topk, lst, weight):
    if p.b == 0 or p.h == 0:
        return  # no row: nothing to write (sink and window may be huge)
    S, W = min(p.sink, p.sk), min(p.window, p.sk)
    rows = (p.b, p.h)
    entries = np.concatenate([np.broadcast_to(np.arange(S, dtype=np.int64), rows + (S,)),
                              topk.astype(np.int64) + p.init_offset,
                              np.broadcast_to(np.arange(p.sk - W, p.sk, dtype=np.int64), rows + (W,))], axis=2)
    lst[...] = entries.astype(lst.dtype)
    if p.mode == 0:  # ZERO: the row starts at +0.0 (all bits zero for every type)
        weight[...] = 0
    bi, hi = np.indices(rows)
    weight[bi[..., None], hi[..., None], entries] = ONE[p.weight_dtype]


run.spidx = {"name": "numpy_rows"}
