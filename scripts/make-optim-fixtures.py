#!/usr/bin/env python3
"""Reference trajectories for src/optim: torch.optim.LBFGS, torch.optim.Adam, torch.optim.RMSprop.

Run with a Python that has torch (the L-BFGS and Adam files were written with torch 1.13,
the RMSprop ones with torch 2.13; each file records its version):

    /usr/bin/python3 scripts/make-optim-fixtures.py             # every case
    /usr/bin/python3 scripts/make-optim-fixtures.py rmsprop     # only cases whose name starts so

Writes test/fixtures/optim/<name>.json, one file per case. Each file holds the start
point, the optimiser's settings, and the loss at every evaluated point, in the order the
optimiser asked for them. test/optim/parity.test.ts replays the same functions in
TypeScript and compares the losses.

Precision: everything runs in float32, as neural-style-pt does (the image is a float32
tensor). The TypeScript optimisers also keep vectors in Float32Array, so the two runs
differ only in reductions and scalars (torch: float32 dot products and 0-d float32
tensors for y.s, rho, H_diag; ours: float64), which keeps smooth trajectories within
~1e-5 relative over these runs.

Fixed-step L-BFGS on Rosenbrock is chaotic, though: there, float32 rounding alone moves
late losses by percents. Each file therefore also holds `lossesFloat64`, the same run in
float64, so a test can bound our deviation from the float32 run by a small multiple of
torch's own float32-vs-float64 deviation instead of by a number picked to pass.
`xs` (the point of every evaluation) lets a test feed torch's points to our optimiser
and compare single steps, which does not compound rounding.

L-BFGS is configured as neural-style-pt configures it: max_iter = number of steps,
tolerance_grad = -1, tolerance_change = -1, lr = 1, no line search, one step() call.
RMSprop runs at torch's defaults (alpha 0.99, eps 1e-8, not centred, no momentum) with
foreach=False, the per-tensor loop whose float32 arithmetic src/optim/rmsprop.ts mirrors
(CPU tensors take that path by default anyway).
"""
import json
import os
import sys

import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'optim')


def rosenbrock(x):
    """Extended Rosenbrock: sum over pairs (x[2i], x[2i+1]) of 100 (b - a^2)^2 + (1 - a)^2."""
    a = x[0::2]
    b = x[1::2]
    return (100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2).sum()


def abs_quadratic(x):
    """sum |x_i| + 0.05 sum (i+1) x_i^2: piecewise smooth, so some steps have y.s <= 1e-10."""
    w = torch.arange(1, x.numel() + 1, dtype=x.dtype)
    return x.abs().sum() + 0.05 * (w * x * x).sum()


def smooth_nonconvex(x):
    """sum (x_i - c_i)^2 + 0.5 sin(3 x_i), plus a weak chain coupling: smooth, several minima."""
    c = torch.linspace(-1.0, 1.0, x.numel(), dtype=x.dtype)
    return ((x - c) ** 2 + 0.5 * torch.sin(3.0 * x)).sum() + 0.1 * (x[:-1] * x[1:]).sum()


def weighted_abs(x):
    """sum (1 + i/10) |x_i - 0.3 i|: piecewise linear, so steps that cross no kink have y = 0."""
    i = torch.arange(x.numel(), dtype=x.dtype)
    return ((1.0 + 0.1 * i) * (x - 0.3 * i).abs()).sum()


FUNCTIONS = {'rosenbrock': rosenbrock, 'abs_quadratic': abs_quadratic,
             'smooth_nonconvex': smooth_nonconvex, 'weighted_abs': weighted_abs}


def rosenbrock_start(n):
    # The classic start (-1.2, 1) for every pair, nudged so the pairs differ.
    x = []
    for i in range(n // 2):
        x += [-1.2 + 0.1 * i, 1.0 - 0.05 * i]
    return x


def run(fn_name, x0, make_opt, steps, kind, dtype):
    fn = FUNCTIONS[fn_name]
    x = torch.tensor(x0, dtype=dtype, requires_grad=True)
    opt = make_opt([x])
    losses = []
    xs = []

    def closure():
        xs.append(x.detach().tolist())
        opt.zero_grad()
        loss = fn(x)
        loss.backward()
        losses.append(float(loss.detach()))
        return loss

    if kind == 'lbfgs':
        opt.step(closure)  # one call, max_iter = steps, as neural-style-pt does
    else:
        for _ in range(steps):
            opt.step(closure)
    return losses, xs, x.detach().tolist()


CASES = [
    # name, function, x0, optimiser kind, settings, steps
    ('lbfgs-rosenbrock', 'rosenbrock', rosenbrock_start(10), 'lbfgs',
     {'lr': 1.0, 'history_size': 100}, 30),
    ('lbfgs-rosenbrock-history3', 'rosenbrock', rosenbrock_start(10), 'lbfgs',
     {'lr': 1.0, 'history_size': 3}, 30),
    ('lbfgs-abs-quadratic', 'abs_quadratic', [0.9 - 0.37 * i for i in range(10)], 'lbfgs',
     {'lr': 1.0, 'history_size': 5}, 30),
    ('lbfgs-smooth-nonconvex', 'smooth_nonconvex', [2.0 - 0.45 * i for i in range(10)], 'lbfgs',
     {'lr': 1.0, 'history_size': 4}, 30),
    ('lbfgs-weighted-abs', 'weighted_abs', [3.1 - 0.7 * i for i in range(10)], 'lbfgs',
     {'lr': 1.0, 'history_size': 100}, 30),
    ('adam-rosenbrock', 'rosenbrock', rosenbrock_start(10), 'adam',
     {'lr': 0.05}, 30),
    ('adam-abs-quadratic', 'abs_quadratic', [0.9 - 0.37 * i for i in range(10)], 'adam',
     {'lr': 0.5}, 30),
    # RMSprop: a learning rate as a stylisation in 0-1 RGB units would use, and larger ones.
    ('rmsprop-rosenbrock', 'rosenbrock', rosenbrock_start(10), 'rmsprop',
     {'lr': 2e-3, 'alpha': 0.99}, 30),
    ('rmsprop-rosenbrock-lr0.02', 'rosenbrock', rosenbrock_start(10), 'rmsprop',
     {'lr': 0.02, 'alpha': 0.99}, 30),
    ('rmsprop-abs-quadratic', 'abs_quadratic', [0.9 - 0.37 * i for i in range(10)], 'rmsprop',
     {'lr': 2e-3, 'alpha': 0.99}, 30),
    ('rmsprop-abs-quadratic-lr0.1', 'abs_quadratic', [0.9 - 0.37 * i for i in range(10)], 'rmsprop',
     {'lr': 0.1, 'alpha': 0.99}, 30),
]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    only = sys.argv[1:]
    for name, fn_name, x0, kind, settings, steps in CASES:
        if only and not any(name.startswith(prefix) for prefix in only):
            continue
        if kind == 'lbfgs':
            def make_opt(params, s=settings, n=steps):
                return torch.optim.LBFGS(params, lr=s['lr'], max_iter=n, history_size=s['history_size'],
                                         tolerance_grad=-1, tolerance_change=-1, line_search_fn=None)
        elif kind == 'rmsprop':
            def make_opt(params, s=settings):
                return torch.optim.RMSprop(params, lr=s['lr'], alpha=s['alpha'], eps=1e-8, weight_decay=0,
                                           momentum=0, centered=False, foreach=False)
        else:
            def make_opt(params, s=settings):
                return torch.optim.Adam(params, lr=s['lr'], betas=(0.9, 0.999), eps=1e-8)
        losses, xs, x_final = run(fn_name, x0, make_opt, steps, kind, torch.float32)
        losses64, _, _ = run(fn_name, x0, make_opt, steps, kind, torch.float64)
        doc = {
            'generator': 'scripts/make-optim-fixtures.py',
            'torch': torch.__version__,
            'dtype': 'float32',
            'function': fn_name,
            'optimizer': kind,
            'settings': settings,
            'steps': steps,
            'x0': x0,
            'losses': losses,
            'xs': xs,
            'lossesFloat64': losses64,
            'xFinal': x_final,
        }
        path = os.path.join(OUT_DIR, name + '.json')
        with open(path, 'w') as f:
            json.dump(doc, f, indent=1)
            f.write('\n')
        print(f'{name}: {len(losses)} evaluations, loss {losses[0]:.6g} -> {losses[-1]:.6g}')


if __name__ == '__main__':
    main()
