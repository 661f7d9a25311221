#!/usr/bin/env python3
"""PyTorch reference for the Laplacian pyramid parameterisation (src/parameterisations/pyramid.ts).

Written from the definition Kolkin et al. use (NNST's utils/imagePyramid.py does the same):
  decompose: cur = x; per level: small = F.interpolate(cur, (h // 2, w // 2), bilinear,
             align_corners=False); lap = cur - F.interpolate(small, (h, w), same); cur = small;
             the last entry is the coarsest image
  synthesise: cur = coarsest; from the coarsest detail up: cur = lap + F.interpolate(cur, size of lap)
In float64, for odd and even sizes and several depths. For each case also the gradient of
a random linear functional of the synthesised image, sum(syn(pyr) * r), with respect to
every level (autograd), which the graph's synthesis must reproduce.

Run with a Python that has torch (developed against torch 2.13, CPU):

    python3 scripts/make-pyramid-fixture.py

Writes test/fixtures/parameterisations/pyramid.json.
"""
import json
import os

import torch
import torch.nn.functional as F

CASES = [
    # (h, w, levels): odd and even sides, down to the deepest level the size allows
    (15, 21, 3),
    (20, 20, 4),
    (17, 11, 3),
    (9, 5, 2),
    (16, 12, 0),
]


def down(x):
    return F.interpolate(x, (x.size(2) // 2, x.size(3) // 2), mode='bilinear', align_corners=False)


def up(x, size):
    return F.interpolate(x, size, mode='bilinear', align_corners=False)


def decompose(x, levels):
    pyr, cur = [], x
    for _ in range(levels):
        small = down(cur)
        pyr.append(cur - up(small, (cur.size(2), cur.size(3))))
        cur = small
    pyr.append(cur)
    return pyr


def synthesise(pyr):
    cur = pyr[-1]
    for lap in reversed(pyr[:-1]):
        cur = lap + up(cur, (lap.size(2), lap.size(3)))
    return cur


def flat(t):
    # Nine significant digits: far below the 1e-6 the tests ask for, a third of the file.
    return [float(f'{float(v):.9g}') for v in t.detach().reshape(-1)]


def main():
    torch.manual_seed(0)
    cases = []
    for h, w, levels in CASES:
        x = torch.rand(1, 3, h, w, dtype=torch.float64)
        pyr = decompose(x, levels)
        # Levels that are not an exact decomposition of anything, so synthesis is tested on its own.
        free = [torch.randn_like(p).requires_grad_(True) for p in pyr]
        image = synthesise(free)
        r = torch.randn_like(image)
        (image * r).sum().backward()
        cases.append({
            'height': h, 'width': w, 'levels': levels,
            'x': flat(x),
            'pyramid': [flat(p) for p in pyr],
            'reconstructed': flat(synthesise(pyr)),
            'free': [flat(p) for p in free],
            'synthesised': flat(image),
            'projection': flat(r),
            'gradients': [flat(p.grad) for p in free],
        })
    path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'parameterisations', 'pyramid.json')
    with open(path, 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': cases}, f)
    print(f'wrote {path}: {len(cases)} cases')


if __name__ == '__main__':
    main()
