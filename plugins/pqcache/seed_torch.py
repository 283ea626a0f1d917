"""seed_torch.py - PQCache's PyTorch path for this operation, as a Python implementation
for spidx's bridge (plugins/python), written from the description in issue 16 and kept
as its authors ran it, flaws included: do not fix it. The list and weight tensors are the
harness's (torch.empty becomes the list as it arrives, torch.zeros becomes zeroing the
weights it is given). It validates nothing. int64 lists, ZERO mode; any strides (torch
indexing follows them); the weights' own dtype.
Run: README "What spidx found in the PQCache kernels"."""

import torch


def run(p, topk, lst, weight):
    S, W = min(p.sink, p.sk), min(p.window, p.sk)
    heavy, dev = p.heavy, lst.device
    lst[:, :, :S] = torch.arange(S, device=dev)
    lst[:, :, S:S + heavy] = topk + p.init_offset
    lst[:, :, S + heavy:] = torch.arange(p.sk - W, p.sk, device=dev)
    weight.zero_()
    weight[torch.arange(p.b, device=dev)[:, None, None], torch.arange(p.h, device=dev)[None, :, None], lst] = 1.0


run.spidx = {"name": "seed_torch", "memory": "cuda", "index": ["int64"], "mode": ["zero"],
             "weight": ["float32", "float16", "bfloat16"], "layouts": ["padded", "permuted"]}
