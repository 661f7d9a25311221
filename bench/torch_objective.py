#!/usr/bin/env python3
"""PyTorch column of `npm run bench`: the same objective as src/objective/, timed.

VGG19 with random weights of the real shapes (He-normal; the values do not change the
cost), up to relu5_1; content relu4_2, style relu1_1..relu5_1 (Gram / (C*H*W)), TV and
max pooling, exactly as scripts/make-parity-fixture.py defines them, in float32.
One evaluation = forward + backward w.r.t. the image only (weights need no gradient).

Standalone it prints one JSON line: {"size", "threads", "times_ms": [...], "median_ms",
"peak_rss_bytes", "baseline_rss_bytes", "stylize": {...}}:

    /usr/bin/python3 bench/torch_objective.py --size 512 --reps 5 --warmup 1 --threads 2

With --serve it is bench.ts's PyTorch worker: one JSON line per command on stdin, so that
bench.ts can alternate its evaluations with ours. Runs on Debian's torch 1.13
(/usr/bin/python3) and on torch 2.13 (the venv of bench/setup-torch-venv.sh) alike;
--check prints what the two must agree on for the same seed (loss parts, gradient, five
L-BFGS losses).
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

BLOCKS = [(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)]
CONTENT = ['relu4_2']
STYLE = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1']
WEIGHTS = {'content': 5.0, 'style': 100.0, 'tv': 1e-3}


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def vgg19_layers():
    layers = []
    cin = 3
    for b, (width, n) in enumerate(BLOCKS, start=1):
        for i in range(1, n + 1):
            layers.append(('conv', f'conv{b}_{i}', cin, width))
            layers.append(('relu', f'relu{b}_{i}', None, None))
            cin = width
        layers.append(('pool', f'pool{b}', None, None))
    return layers


def make_weights(gen):
    weights = {}
    for kind, name, cin, cout in vgg19_layers():
        if kind != 'conv':
            continue
        std = (2.0 / (cin * 9)) ** 0.5
        weights[name] = (torch.randn(cout, cin, 3, 3, generator=gen) * std, torch.randn(cout, generator=gen) * 0.01)
    return weights


def features(x, weights, wanted):
    out = {}
    names = [l[1] for l in vgg19_layers()]
    last = max(names.index(n) for n in wanted)
    h = x
    for kind, name, _, _ in vgg19_layers()[: last + 1]:
        if kind == 'conv':
            w, b = weights[name]
            h = F.conv2d(h, w, b, padding=1)
        elif kind == 'relu':
            h = F.relu(h)
        else:
            h = F.max_pool2d(h, 2, 2)
        out[name] = h
    return out


def gram(f):
    _, c, hh, ww = f.shape
    m = f.reshape(c, hh * ww)
    return m @ m.t() / (c * hh * ww)


def image(gen, size, height=None):
    return torch.randn(1, 3, height or size, size, generator=gen) * 60


def objective_parts(x, weights, targets_c, targets_s):
    feats = features(x, weights, CONTENT + STYLE)
    content = WEIGHTS['content'] * sum(((feats[l] - targets_c[l]) ** 2).mean() for l in CONTENT)
    style = WEIGHTS['style'] * sum(((gram(feats[l]) - targets_s[l]) ** 2).mean() for l in STYLE)
    dx = x[:, :, :-1, :-1] - x[:, :, :-1, 1:]
    dy = x[:, :, :-1, :-1] - x[:, :, 1:, :-1]
    tv = WEIGHTS['tv'] * 0.5 * ((dx ** 2).sum() + (dy ** 2).sum())
    return content, style, tv


def objective(x, weights, targets_c, targets_s):
    content, style, tv = objective_parts(x, weights, targets_c, targets_s)
    return content + style + tv


def evaluate(x, weights, targets_c, targets_s):
    x = x.detach().requires_grad_(True)
    loss = objective(x, weights, targets_c, targets_s)
    loss.backward()
    return loss.item(), x.grad


def stylize(content, weights, targets_c, targets_s, steps):
    """torch.optim.Adam on the image, lr 10 in network units: what `-optimizer adam` does."""
    x = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=10)
    t0 = time.perf_counter()
    first = last = None
    eval_ms, optimizer_ms = [], []
    for _ in range(steps):
        t = time.perf_counter()
        opt.zero_grad()
        loss = objective(x, weights, targets_c, targets_s)
        loss.backward()
        first = loss.item() if first is None else first
        last = loss.item()
        u = time.perf_counter()
        opt.step()
        eval_ms.append((u - t) * 1000)
        optimizer_ms.append((time.perf_counter() - u) * 1000)
    total = (time.perf_counter() - t0) * 1000
    return {'steps': steps, 'totalMs': total, 'perStepMs': total / steps, 'firstLoss': first, 'lastLoss': last,
            'evalMs': eval_ms, 'optimizerMs': optimizer_ms}


def stylize_lbfgs(content, weights, targets_c, targets_s, steps, losses_out=False):
    """torch.optim.LBFGS as neural-style-pt runs it: max_iter = steps evaluations,
    history 100, no line search, no tolerance stop (what `-optimizer lbfgs` does)."""
    x = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], max_iter=steps, history_size=100, tolerance_grad=-1, tolerance_change=-1, lr=1)
    losses = []
    eval_ms = []

    def closure():
        t = time.perf_counter()
        opt.zero_grad()
        loss = objective(x, weights, targets_c, targets_s)
        loss.backward()
        losses.append(loss.item())
        eval_ms.append((time.perf_counter() - t) * 1000)
        return loss

    t0 = time.perf_counter()
    opt.step(closure)
    total = (time.perf_counter() - t0) * 1000
    # What is not in the closure is the optimiser's own work (direction, history, update).
    result = {'steps': len(losses), 'totalMs': total, 'perStepMs': total / len(losses), 'firstLoss': losses[0], 'lastLoss': losses[-1],
              'evalMs': eval_ms, 'optimizerMs': [(total - sum(eval_ms)) / len(losses)] * len(losses)}
    if losses_out:
        result['losses'] = losses
    return result


def check(x, weights, targets_c, targets_s, lbfgs_steps=5):
    """What two PyTorch versions must agree on for the same seed: the loss parts, the
    gradient, and a few L-BFGS steps' losses (bench.ts compares 1.13 with 2.13)."""
    probe = torch.Generator().manual_seed(1)
    x = (x.detach() + 10 * torch.randn(x.shape, generator=probe)).requires_grad_(True)  # off the content image: content ≠ 0
    content, style, tv = objective_parts(x, weights, targets_c, targets_s)
    (content + style + tv).backward()
    g = x.grad.double()
    direction = torch.randn(g.shape, generator=probe, dtype=torch.float64)
    weight_sum = sum(w.double().abs().sum().item() + b.double().abs().sum().item() for w, b in weights.values())
    trajectory = stylize_lbfgs(x.detach(), weights, targets_c, targets_s, lbfgs_steps, losses_out=True)
    return {'torch': torch.__version__, 'weightsAbsSum': weight_sum,
            'parts': {'content': content.item(), 'style': style.item(), 'tv': tv.item()},
            'gradNorm': g.norm().item(), 'gradDot': (g * direction).sum().item(),
            'lbfgsLosses': trajectory['losses']}


def timed_eval(x, weights, targets_c, targets_s):
    c0 = time.process_time()
    t0 = time.perf_counter()
    loss, _ = evaluate(x, weights, targets_c, targets_s)
    return {'ms': (time.perf_counter() - t0) * 1000, 'cpuMs': (time.process_time() - c0) * 1000, 'loss': loss}


def reply(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--size', type=int, default=256, help='image width')
    p.add_argument('--height', type=int, default=None, help='image height (default: --size, a square)')
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--stylize-steps', type=int, default=0, help='Adam steps of a stylize-like run (0: none)')
    p.add_argument('--check', action='store_true',
                   help='print the loss parts, gradient summary and 5 L-BFGS losses instead of timings (for comparing PyTorch versions)')
    p.add_argument('--serve', action='store_true',
                   help='answer bench.ts commands on stdin (eval, stylize N, stats, quit), one JSON line each')
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    t_setup = time.perf_counter()
    gen = torch.Generator().manual_seed(0)
    weights = make_weights(gen)
    with torch.no_grad():
        content, style = image(gen, args.size, args.height), image(gen, args.size, args.height)
        targets_c = {l: v for l, v in features(content, weights, CONTENT).items() if l in CONTENT}
        fs = features(style, weights, STYLE)
        targets_s = {l: gram(fs[l]) for l in STYLE}
    baseline = peak_rss_bytes()
    x = content.clone()
    for _ in range(args.warmup):
        evaluate(x, weights, targets_c, targets_s)

    if args.serve:
        reply({'ready': True, 'setupMs': (time.perf_counter() - t_setup) * 1000, 'threads': torch.get_num_threads(),
               'torch': torch.__version__, 'rssBeforeObjective': baseline})
        for line in sys.stdin:
            cmd = line.split()
            if not cmd:
                continue
            if cmd[0] == 'eval':
                reply(timed_eval(x, weights, targets_c, targets_s))
            elif cmd[0] == 'stylize':
                reply(stylize(content, weights, targets_c, targets_s, int(cmd[1])))
            elif cmd[0] == 'stylize-lbfgs':
                reply(stylize_lbfgs(content, weights, targets_c, targets_s, int(cmd[1])))
            elif cmd[0] == 'check':
                reply(check(x, weights, targets_c, targets_s))
            elif cmd[0] == 'stats':
                reply({'peakRss': peak_rss_bytes()})
            elif cmd[0] == 'quit':
                break
            else:
                reply({'error': 'unknown command ' + line.strip()})
        return

    if args.check:
        json.dump(check(x, weights, targets_c, targets_s), sys.stdout)
        print()
        return

    runs = [timed_eval(x, weights, targets_c, targets_s) for _ in range(args.reps)]
    times = [r['ms'] for r in runs]
    result = {
        'size': args.size,
        'height': args.height or args.size,
        'threads': torch.get_num_threads(),
        'torch': torch.__version__,
        'times_ms': times,
        'median_ms': statistics.median(times),
        'cpu_ms': [r['cpuMs'] for r in runs],
        'baseline_rss_bytes': baseline,
        'peak_rss_bytes': peak_rss_bytes(),
    }
    if args.stylize_steps > 0:
        result['stylize'] = stylize(content, weights, targets_c, targets_s, args.stylize_steps)
    json.dump(result, sys.stdout)
    print()


if __name__ == '__main__':
    main()
