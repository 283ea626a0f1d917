"""seed_triton.py - PQCache's Triton kernel for this operation ("iteration 11"), as a
Python implementation for spidx's bridge (plugins/python), written from the description
in issue 16 and kept as its authors ran it, flaws included: do not fix it. The host side
clamps S and W, zeroes the weights (torch.zeros becomes zeroing the harness's tensor) and
takes the list tensor as it arrives (torch.empty). One program per (bi, hi) row walks the
row's S + heavy + W list positions in blocks of 256: it computes the block's entries with
masks, stores them to the list, then, in the same block iteration and without a barrier,
loads each entry just stored back from global memory and stores 1.0 at weight[row][entry]
with no bounds check. int64 lists, ZERO mode, the weights' own dtype; batch and head
strides are applied, so padded and permuted layouts are handled.
Compiled kernels are cached by Triton (in this process, and on disk in TRITON_CACHE_DIR,
default ~/.triton/cache); the integer arguments are not specialised, so one compilation
per weight dtype serves every shape."""

import torch
import triton
import triton.language as tl

BLOCK = 256


@triton.jit(do_not_specialize=["h", "S", "heavy", "W", "sk", "init_offset", "T", "t_sb", "t_sh", "l_sb", "l_sh",
                               "w_sb", "w_sh"])
def _seed_kernel(topk_ptr, list_ptr, weight_ptr, h, S, heavy, W, sk, init_offset, T, t_sb, t_sh, l_sb, l_sh, w_sb,
                 w_sh, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    bi = pid // h
    hi = pid % h
    topk_row = topk_ptr + bi * t_sb + hi * t_sh
    list_row = list_ptr + bi * l_sb + hi * l_sh
    weight_row = weight_ptr + bi * w_sb + hi * w_sh
    for start in range(0, T, BLOCK):
        pos = start + tl.arange(0, BLOCK)
        in_row = pos < T
        is_sink = pos < S
        is_heavy = (pos >= S) & (pos < S + heavy)
        top = tl.load(topk_row + (pos - S), mask=in_row & is_heavy, other=0)
        window = sk - W + (pos - S - heavy)
        entry = tl.where(is_sink, pos, tl.where(is_heavy, top + init_offset, window))
        tl.store(list_row + pos, entry, mask=in_row)
        for k in range(0, BLOCK):
            if start + k < T:
                e = tl.load(list_row + start + k)
                tl.store(weight_row + e, 1.0)


def run(p, topk, lst, weight):
    S, W = min(p.sink, p.sk), min(p.window, p.sk)
    T = S + p.heavy + W
    weight.zero_()
    rows = p.b * p.h
    if rows == 0:
        return
    (t_sb, t_sh, _), (l_sb, l_sh, _), (w_sb, w_sh, _) = topk.stride(), lst.stride(), weight.stride()
    _seed_kernel[(rows,)](topk, lst, weight, p.h, S, p.heavy, W, p.sk, p.init_offset, T, t_sb, t_sh, l_sb, l_sh,
                          w_sb, w_sh, BLOCK=BLOCK)


run.spidx = {"name": "seed_triton", "memory": "cuda", "index": ["int64"], "mode": ["zero"],
             "weight": ["float32", "float16", "bfloat16"], "layouts": ["padded", "permuted"]}
