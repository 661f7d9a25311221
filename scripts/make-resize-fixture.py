#!/usr/bin/env python3
"""PyTorch reference for the bilinear Resize and its gradient (src/graph/grads/resize.ts).

For each case: x [N, C, h, w] and a random projection r [N, C, h', w'] in float64,
y = F.interpolate(x, size=(h', w'), mode='bilinear', align_corners=...) and
dx = d(sum(y * r))/dx by autograd. Both align_corners=True and False, down- and
upsampling, odd and even sizes, and 1-pixel edge cases (a 1-pixel input; a 1-pixel
output, where PyTorch's align_corners=False samples the middle of the input).

Run with a Python that has torch (developed against torch 2.13, CPU):

    python3 scripts/make-resize-fixture.py

Writes test/fixtures/graph/resize.json; test/graph/resize.test.ts compares onnxruntime's
Resize (our forward) and our gradient graph with it.
"""
import json
import os

import torch
import torch.nn.functional as F

CASES = [
    # (h, w) -> (h', w')
    ((7, 5), (3, 2)),
    ((6, 6), (12, 12)),
    ((5, 9), (10, 18)),
    ((9, 7), (4, 3)),
    ((2, 3), (1, 1)),
    ((1, 1), (3, 4)),
    ((3, 5), (7, 2)),
    ((4, 4), (4, 4)),
    ((8, 6), (4, 3)),
]


def main():
    torch.manual_seed(0)
    out = []
    for (h, w), (ho, wo) in CASES:
        for align_corners in (False, True):
            x = torch.randn(1, 2, h, w, dtype=torch.float64, requires_grad=True)
            r = torch.randn(1, 2, ho, wo, dtype=torch.float64)
            y = F.interpolate(x, size=(ho, wo), mode='bilinear', align_corners=align_corners)
            (y * r).sum().backward()
            out.append({
                'alignCorners': align_corners,
                'input': [1, 2, h, w],
                'output': [1, 2, ho, wo],
                'x': [float(f'{v:.10g}') for v in x.detach().flatten().tolist()],
                'r': [float(f'{v:.10g}') for v in r.flatten().tolist()],
                'y': [float(f'{v:.10g}') for v in y.detach().flatten().tolist()],
                'grad': [float(f'{v:.10g}') for v in x.grad.flatten().tolist()],
            })
    path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'graph', 'resize.json')
    with open(path, 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': out}, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {path}: {len(out)} cases')


if __name__ == '__main__':
    main()
