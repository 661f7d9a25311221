#!/usr/bin/env python3
"""PyTorch reference for the temporal loss of Ruder, Dosovitskiy & Brox (GCPR 2016), eq. (3):

  temporal = temporal_weight * sum_j (1/D) * sum_k c_jk * (x_k - w_jk)^2,   D = 3*H*W

for a given image x, warped earlier frames w_j and reliabilities c_j in {0, 1} (one per
pixel, the same for the three channels), with the gradient from autograd, in float64.
Writes test/fixtures/temporal/long-term.json.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make-temporal-fixture.py
CI does not need PyTorch: it reads the committed fixture.
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'temporal')
H, W = 6, 9
FRAMES = [1, 2]  # --temporal-frames 1,2: two earlier frames
WEIGHT = 7.5


def main():
    gen = torch.Generator().manual_seed(13)
    x = (torch.randn(1, 3, H, W, generator=gen, dtype=torch.float64) * 40).requires_grad_(True)
    warped = {j: torch.randn(1, 3, H, W, generator=gen, dtype=torch.float64) * 40 for j in FRAMES}
    # One reliability per pixel, repeated over the channels.
    reliability = {j: (torch.rand(1, 1, H, W, generator=gen) > 0.3).double().expand(1, 3, H, W).contiguous() for j in FRAMES}
    d = 3 * H * W
    loss = WEIGHT * sum((reliability[j] * (x - warped[j]) ** 2).sum() / d for j in FRAMES)
    loss.backward()
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    fixture = {
        'height': H,
        'width': W,
        'frames': FRAMES,
        'weight': WEIGHT,
        'x': flat(x),
        'warped': {str(j): flat(warped[j]) for j in FRAMES},
        'reliability': {str(j): flat(reliability[j]) for j in FRAMES},
        'expected': {'loss': float(loss), 'grad': flat(x.grad)},
        'torch': torch.__version__,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'long-term.json'), 'w') as f:
        json.dump(fixture, f)
    print('loss', float(loss))


if __name__ == '__main__':
    main()
