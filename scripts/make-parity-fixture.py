#!/usr/bin/env python3
"""PyTorch reference for the whole objective (loss parts and image gradient).

Builds a narrow VGG19-shaped network with fixed random weights, small fixed images,
and computes, in float64, exactly what jcjohnson/neural-style defines:
  content = content_weight * sum_l mean((F_l - P_l)^2)
  style   = style_weight   * sum_l mean((G_l - A_l)^2),  G = F F^T / (C*H*W),
            A_l = sum_i b_i A_l^(i) with blend weights b normalised to 1
  tv      = tv_weight * 0.5 * sum over channels of (dx^2 + dy^2) on the [:-1, :-1] grid
and optionally jcjohnson's --normalize_gradients (each term's gradient divided by its
L1 norm before its weight). Writes test/fixtures/parity/<case>.json + .bin (float32 LE).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make-parity-fixture.py
CI does not need PyTorch: it reads the committed fixture.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'parity')
WIDTHS = [4, 8, 8, 16, 16]
BLOCKS = [2, 2, 4, 4, 4]  # VGG19


def layer_table():
    layers = []
    for b, (width, n) in enumerate(zip(WIDTHS, BLOCKS), start=1):
        for i in range(1, n + 1):
            layers.append({'name': f'conv{b}_{i}', 'kind': 'conv', 'out': width})
            layers.append({'name': f'relu{b}_{i}', 'kind': 'relu'})
        layers.append({'name': f'pool{b}', 'kind': 'pool'})
    return layers


def make_weights(gen):
    weights = {}
    cin = 3
    for layer in layer_table():
        if layer['kind'] != 'conv':
            continue
        cout = layer['out']
        std = (2.0 / (cin * 9)) ** 0.5
        weights[layer['name']] = (
            (torch.randn(cout, cin, 3, 3, generator=gen) * std).float(),
            (torch.randn(cout, generator=gen) * 0.1).float(),
        )
        cin = cout
    return weights


class NormalizeGrad(torch.autograd.Function):
    """Identity forward; backward divides by (L1 norm / weight + 1e-8), as jcjohnson's loss modules do."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.weight = weight
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (grad.abs().sum() / ctx.weight + 1e-8), None


def features(x, weights, pooling, wanted):
    out = {}
    last = max(i for i, l in enumerate(layer_table()) if l['name'] in wanted)
    h = x
    for layer in layer_table()[: last + 1]:
        if layer['kind'] == 'conv':
            w, b = weights[layer['name']]
            h = F.conv2d(h, w.double(), b.double(), padding=1)
        elif layer['kind'] == 'relu':
            h = F.relu(h)
        else:
            h = F.max_pool2d(h, 2, 2) if pooling == 'max' else F.avg_pool2d(h, 2, 2)
        out[layer['name']] = h
    return out


def gram(f):
    _, c, hh, ww = f.shape
    m = f.reshape(c, hh * ww)
    return m @ m.t() / (c * hh * ww)


def smooth_image(gen, h, w):
    """A blurry random picture in Caffe preprocessed units (BGR, 0-255 minus mean)."""
    coarse = torch.rand(1, 3, h // 4 + 1, w // 4 + 1, generator=gen, dtype=torch.float64) * 255
    img = F.interpolate(coarse, size=(h, w), mode='bilinear', align_corners=False)
    mean = torch.tensor([103.939, 116.779, 123.68], dtype=torch.float64).view(1, 3, 1, 1)
    return (img - mean).float()


def run_case(name, spec, seed=0):
    gen = torch.Generator().manual_seed(seed)
    weights = make_weights(gen)
    h, w = spec['height'], spec['width']
    content = smooth_image(gen, h, w)
    styles = [smooth_image(gen, h + 4 * i, w - 2 * i) for i in range(len(spec['blend']))]
    x0 = (content + torch.randn(content.shape, generator=gen) * 20).float()

    cl, sl = spec['content_layers'], spec['style_layers']
    targets_c = {k: v.detach() for k, v in features(content.double(), weights, spec['pooling'], cl).items() if k in cl}
    blend = torch.tensor(spec['blend'], dtype=torch.float64)
    blend = blend / blend.sum()
    targets_s = {l: 0 for l in sl}
    for b, s in zip(blend, styles):
        fs = features(s.double(), weights, spec['pooling'], sl)
        for l in sl:
            targets_s[l] = targets_s[l] + b * gram(fs[l]).detach()

    x = x0.double().requires_grad_(True)
    feats = features(x, weights, spec['pooling'], cl + sl)
    norm = spec['normalize_gradients']

    def hook(f, weight):
        return NormalizeGrad.apply(f, weight) if norm else f

    content_loss = spec['content_weight'] * sum(((hook(feats[l], spec['content_weight']) - targets_c[l]) ** 2).mean() for l in cl)
    style_loss = spec['style_weight'] * sum(((gram(hook(feats[l], spec['style_weight'])) - targets_s[l]) ** 2).mean() for l in sl)
    dx = x[:, :, :-1, :-1] - x[:, :, :-1, 1:]
    dy = x[:, :, :-1, :-1] - x[:, :, 1:, :-1]
    tv_loss = spec['tv_weight'] * 0.5 * ((dx ** 2).sum() + (dy ** 2).sum())
    loss = content_loss + style_loss + tv_loss
    loss.backward()

    blobs = []
    offset = 0

    def add(tensor_name, t):
        nonlocal offset
        arr = t.detach().float().contiguous().numpy().astype('<f4').tobytes()
        blobs.append(arr)
        entry = {'name': tensor_name, 'dims': list(t.shape), 'offset': offset}
        offset += len(arr)
        return entry

    tensors = []
    for lname, (wt, bs) in weights.items():
        tensors.append(add(f'{lname}.weight', wt))
        tensors.append(add(f'{lname}.bias', bs))
    tensors.append(add('content', content))
    for i, s in enumerate(styles):
        tensors.append(add(f'style{i}', s))
    tensors.append(add('x', x0))
    tensors.append(add('grad', x.grad))

    manifest = {
        'generator': 'scripts/make-parity-fixture.py',
        'torch': torch.__version__,
        'spec': spec,
        'layers': [{'name': l['name'], 'kind': l['kind']} for l in layer_table()],
        'expected': {
            'loss': loss.item(),
            'content': content_loss.item(),
            'style': style_loss.item(),
            'tv': tv_loss.item(),
        },
        'tensors': tensors,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(OUT, f'{name}.bin'), 'wb') as f:
        for b in blobs:
            f.write(b)
    print(name, manifest['expected'])


DEFAULT_STYLE = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1']
run_case('max-two-styles', {
    'height': 40, 'width': 36, 'pooling': 'max',
    'content_layers': ['relu4_2'], 'style_layers': DEFAULT_STYLE,
    'content_weight': 5.0, 'style_weight': 100.0, 'tv_weight': 1e-3,
    'blend': [3.0, 1.0], 'normalize_gradients': False,
})
run_case('avg-normalized', {
    'height': 38, 'width': 42, 'pooling': 'avg',
    'content_layers': ['relu2_2', 'relu4_2'], 'style_layers': DEFAULT_STYLE,
    'content_weight': 5.0, 'style_weight': 100.0, 'tv_weight': 1e-3,
    'blend': [1.0], 'normalize_gradients': True,
}, seed=1)
