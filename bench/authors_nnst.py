#!/usr/bin/env python3
"""The authors' NNST (github.com/nkolkin13/NeuralNeighborStyleTransfer, MIT) on the CPU,
for `npm run bench:methods`: their styleTransfer.py run as it is, from a copy that
bench/methods.ts extracts into a temporary folder (none of their files is in this repo),
with these changes made from outside, in this process only:

  torchvision   not imported (it is broken in our venv, and vgg16(pretrained=True) would
                download): a stub module whose models.vgg16(pretrained=...) returns an
                object with .features = torchvision's VGG-16 layout (Conv2d 3x3 pad 1,
                ReLU(inplace=True), MaxPool2d(2, 2)) loaded with the weights in --weights,
                the same file our side loads
  imageio       not installed: a stub whose imread/imwrite go through Pillow
  torch.cuda.synchronize   a no-op (styleTransfer.py calls it around the run)
  utils/zca.py  calls torch.eye(n).cuda() whatever the device: its `torch` is a view of
                torch whose eye() returns a tensor whose .cuda() is itself
  --cpu         passed on their command line (misc.USE_GPU = False)
  sizes         styleTransfer.py fixes sz = 512, max_scls = 4 and max_iter = 200: the
                wrappers below put --size, --scales and --iterations in their place (the
                same values at 512 px with 200 iterations)
  timing        utils.stylize.replace_features (their nearest-neighbour search: centring,
                distances chunk by chunk, argmin, gather) and produce_stylization are
                wrapped with timers; optimize_output_im is wrapped to record each stage's
                side and iteration count

Their defaults stay: alpha 0.75, rotations of the style on (flip_aug), colour match on, no
content loss. torch uses --threads threads. Prints one JSON line last.

    python bench/authors_nnst.py --repo DIR --content C --style S --output O.png \\
        --weights W.json [--size 512] [--iterations 200] [--scales 4] [--threads 2]
"""
import argparse
import json
import resource
import runpy
import sys
import time
import types

import numpy as np
import torch
import torch.nn as nn

VGG16_BLOCKS = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
# What this runner changes to run their code on the CPU (the JSON line repeats it).
PATCHES = [
    'torchvision stubbed: models.vgg16(pretrained=...).features = VGG-16 in their layout with the bench weights',
    'imageio stubbed with Pillow (imread, imwrite)',
    'torch.cuda.synchronize a no-op',
    'utils/zca.py: torch.eye(n).cuda() stays on the CPU',
    '--cpu on their command line',
]


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def load_weights(path):
    """name -> (weight, bias) from the JSON index and its float32 data file (bench/methods.ts writes both)."""
    with open(path) as f:
        index = json.load(f)
    data = np.fromfile(index['data'], dtype='<f4')
    out = {}
    for layer in index['layers']:
        def tensor(t):
            n = int(np.prod(t['dims']))
            return torch.from_numpy(data[t['offset']:t['offset'] + n].copy()).view(*t['dims'])
        out[layer['name']] = (tensor(layer['weight']), tensor(layer['bias']))
    return out


def vgg16_features(weights):
    """torchvision's vgg16().features (the 'D' configuration), with these weights."""
    mods, cin = [], 3
    for b, (width, n) in enumerate(VGG16_BLOCKS, start=1):
        for i in range(1, n + 1):
            conv = nn.Conv2d(cin, width, kernel_size=3, padding=1)
            w, bias = weights[f'conv{b}_{i}']
            with torch.no_grad():
                conv.weight.copy_(w)
                conv.bias.copy_(bias)
            mods += [conv, nn.ReLU(inplace=True)]
            cin = width
        mods.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*mods)


def install_stubs(weights):
    from PIL import Image

    imageio = types.ModuleType('imageio')
    imageio.imread = lambda path: np.asarray(Image.open(path).convert('RGB'))
    imageio.imwrite = lambda path, im: Image.fromarray(np.asarray(im)).save(path)
    sys.modules['imageio'] = imageio

    def vgg16(pretrained=False, **_):
        return types.SimpleNamespace(features=vgg16_features(weights))

    tv = types.ModuleType('torchvision')
    tv.models = types.ModuleType('torchvision.models')
    tv.models.vgg16 = vgg16
    sys.modules['torchvision'] = tv
    sys.modules['torchvision.models'] = tv.models

    torch.cuda.synchronize = lambda *a, **k: None


class _CpuEye(types.ModuleType):
    """torch as utils/zca.py sees it: eye()'s tensor stays on the CPU when asked for .cuda()."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def eye(*a, **k):
        t = torch.eye(*a, **k)
        t.cuda = lambda *_, **__: t
        return t


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--repo', required=True, help='their code, extracted (bench/methods.ts makes a temporary copy)')
    p.add_argument('--content', required=True)
    p.add_argument('--style', required=True)
    p.add_argument('--output', required=True)
    p.add_argument('--weights', required=True, help='JSON index of the VGG-16 weights (bench/methods.ts writes it)')
    p.add_argument('--size', type=int, default=512)
    p.add_argument('--iterations', type=int, default=200)
    p.add_argument('--scales', type=int, default=4)
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.backends.nnpack.set_flags(False)  # unsupported on this CPU: it would only warn
    weights = load_weights(args.weights)
    weights_abs_sum = float(sum(w.double().abs().sum() + b.double().abs().sum() for w, b in weights.values()))
    install_stubs(weights)

    sys.path.insert(0, args.repo)
    import utils.misc as misc
    import utils.stylize as st
    import utils.zca as zca

    zca.torch = _CpuEye('torch')

    record = {'search_ms': 0.0, 'search_calls': 0, 'stages': [], 'run_ms': None}
    changes = []

    load = misc.load_path_for_pytorch
    def load_at_size(path, target_size=1000, **k):
        if target_size != args.size:
            changes.append(f'image size {target_size} -> {args.size}')
        return load(path, target_size=args.size, **k)
    misc.load_path_for_pytorch = load_at_size

    replace = st.replace_features
    def timed_replace(src, ref):
        t = time.perf_counter()
        out = replace(src, ref)
        record['search_ms'] += (time.perf_counter() - t) * 1000
        record['search_calls'] += 1
        return out
    st.replace_features = timed_replace

    optimize = st.optimize_output_im
    def recorded_optimize(s_pyr, c_pyr, content_im, style_im, target_feats, lr, max_iter, scl, phi, final_pass=False, **k):
        h, w = c_pyr[scl].shape[2:]
        t = time.perf_counter()
        out = optimize(s_pyr, c_pyr, content_im, style_im, target_feats, lr, max_iter, scl, phi, final_pass=final_pass, **k)
        record['stages'].append({'side': max(h, w), 'width': w, 'height': h, 'iterations': max_iter, 'final_pass': final_pass, 'ms': (time.perf_counter() - t) * 1000})
        return out
    st.optimize_output_im = recorded_optimize

    produce = st.produce_stylization
    def produce_with(*a, **k):
        for key, value in (('max_iter', args.iterations), ('max_scls', args.scales)):
            if k.get(key) != value:
                changes.append(f'{key} {k.get(key)} -> {value}')
            k[key] = value
        record['settings'] = {key: k[key] for key in ('max_iter', 'lr', 'content_weight', 'max_scls', 'flip_aug', 'content_loss', 'dont_colorize')}
        t = time.perf_counter()
        out = produce(*a, **k)
        record['run_ms'] = (time.perf_counter() - t) * 1000
        return out
    st.produce_stylization = produce_with

    sys.argv = ['styleTransfer.py', '--content_path', args.content, '--style_path', args.style, '--output_path', args.output, '--cpu']
    runpy.run_path(f'{args.repo}/styleTransfer.py', run_name='__main__')

    print(json.dumps({
        'runMs': record['run_ms'],
        'searchMs': record['search_ms'],
        'searchCalls': record['search_calls'],
        'stages': record['stages'],
        'settings': record['settings'],
        'changes': sorted(set(changes)),
        'patches': PATCHES,
        'threads': torch.get_num_threads(),
        'torch': torch.__version__,
        'weightsAbsSum': weights_abs_sum,
        'peakRssBytes': peak_rss_bytes(),
    }))


if __name__ == '__main__':
    main()
