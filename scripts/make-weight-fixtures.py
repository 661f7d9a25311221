#!/usr/bin/python3
"""
Builds the small weight files the model-loading tests read, in every format the loaders
accept, from ONE set of seeded random tensors, plus expected.json describing what each
loader must return (SHA-256 of the float32 little-endian bytes in OIHW layout, shapes and
the first few values).

Run from the repository root with the system Python that has torch:

    /usr/bin/python3 scripts/make-weight-fixtures.py

Outputs (test/fixtures/weights/, ~150 KB together):
  mini-vgg19-legacy.pth   torch.save(..., _use_new_zipfile_serialization=False)
  mini-vgg19-zip.pth      torch.save(...) default zip container
  mini-vgg19.safetensors  written by hand below (the format is 8 + JSON + raw bytes)
  mini-vgg19-f16.pth      zip, every tensor float16 (loaders must convert to float32)
  mini-vgg19-noncontig.pth zip, features.0.weight stored non-contiguously (must be refused)
  mini-vgg16.npz          Frossard-style keys (conv1_1_W in HWIO, conv1_1_b, fc6_W, ...)
  checkpoint-params.pth   zip, {'epoch': 3, 'state_dict': {features.0.*: nn.Parameter}}
  old-rebuild-tensor.pth  legacy, tensors pickled through torch._utils._rebuild_tensor (torch < 0.4)
  whole-module.pth        zip, torch.save(nn.Conv2d(...)): a module, not a state dict
  expected.json           reference values

The mini VGGs keep torchvision's `features` indexing exactly (so `features.N` keys match
the real vgg19/vgg16) but with narrow channel widths, and a tiny classifier so that
"the classifier is never read" is exercised. A few extras make the files less regular:
one conv bias is a view into a larger storage (non-zero storage_offset), and an int64
scalar buffer sits among the tensors (the legacy loader must size its storage correctly).
"""
import collections
import hashlib
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
from torchvision.models.vgg import make_layers

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'weights')

CFG19 = [4, 4, 'M', 6, 6, 'M', 8, 8, 8, 8, 'M', 8, 8, 8, 8, 'M', 8, 8, 8, 8, 'M']
CFG16 = [4, 4, 'M', 6, 6, 'M', 8, 8, 8, 'M', 8, 8, 8, 'M', 8, 8, 8, 'M']
NAMES19 = ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3', 'conv3_4',
           'conv4_1', 'conv4_2', 'conv4_3', 'conv4_4', 'conv5_1', 'conv5_2', 'conv5_3', 'conv5_4']
NAMES16 = ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3',
           'conv4_1', 'conv4_2', 'conv4_3', 'conv5_1', 'conv5_2', 'conv5_3']


class MiniVGG(nn.Module):
    """torchvision.models.VGG's layout (features / avgpool / classifier) at toy widths."""

    def __init__(self, cfg):
        super().__init__()
        self.features = make_layers(cfg)
        # torchvision pools to 7x7 before a 25088-wide Linear; 1x1 keeps the toy file small.
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        last = [c for c in cfg if c != 'M'][-1]
        self.classifier = nn.Sequential(
            nn.Linear(last, 4), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4, 4), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4, 3),
        )
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.5)
                # Non-zero biases so a loader that mixes up weight and bias is caught.
                nn.init.normal_(m.bias, 0.0, 0.5)


def conv_keys(model):
    return [f'features.{i}' for i, m in enumerate(model.features) if isinstance(m, nn.Conv2d)]


def f32_bytes(t):
    return np.ascontiguousarray(t.detach().to(torch.float32).numpy()).astype('<f4').tobytes()


def describe(named, first=True):
    """name -> {weight/bias: shape, sha256, first values} for expected.json."""
    out = {}
    for name, (w, b) in named.items():
        out[name] = {
            'weightShape': list(w.shape),
            'weightSha256': hashlib.sha256(f32_bytes(w)).hexdigest(),
            'biasShape': list(b.shape),
            'biasSha256': hashlib.sha256(f32_bytes(b)).hexdigest(),
        }
        if first:
            out[name]['weightFirst'] = [float(x) for x in w.detach().to(torch.float32).flatten()[:3]]
            out[name]['biasFirst'] = [float(x) for x in b.detach().to(torch.float32).flatten()[:3]]
    return out


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for key, t in tensors.items():
        data = f32_bytes(t)
        header[key] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header['__metadata__'] = {'format': 'pt', 'source': 'make-weight-fixtures.py'}
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)  # the reference writer pads to 8 bytes
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    # ---- mini VGG19: legacy pth, zip pth, safetensors, f16 zip --------------------------
    torch.manual_seed(19)
    m19 = MiniVGG(CFG19)
    sd = m19.state_dict()  # OrderedDict with _metadata (pickled through BUILD)
    keys19 = conv_keys(m19)
    assert len(keys19) == 16

    # conv2_1's bias becomes a view at offset 5 of a larger storage: exercises storage_offset.
    bias = sd['features.5.bias']
    big = torch.randn(bias.numel() + 9)
    big[5:5 + bias.numel()] = bias
    sd['features.5.bias'] = big[5:5 + bias.numel()]
    assert sd['features.5.bias'].storage_offset() == 5
    # An int64 scalar between the tensors: its storage has 8-byte elements.
    sd['features.step_count'] = torch.tensor(7, dtype=torch.int64)

    named19 = collections.OrderedDict(
        (n, (sd[k + '.weight'], sd[k + '.bias'])) for n, k in zip(NAMES19, keys19))
    expected['vgg19'] = describe(named19)
    expected['vgg19Keys'] = dict(zip(NAMES19, keys19))

    torch.save(sd, os.path.join(OUT, 'mini-vgg19-legacy.pth'), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(OUT, 'mini-vgg19-zip.pth'))
    write_safetensors(os.path.join(OUT, 'mini-vgg19.safetensors'),
                      collections.OrderedDict((k, v) for k, v in sd.items() if v.dtype == torch.float32))

    sd16 = collections.OrderedDict((k, v.half()) for k, v in sd.items() if v.dtype == torch.float32)
    torch.save(sd16, os.path.join(OUT, 'mini-vgg19-f16.pth'))
    expected['vgg19f16'] = describe(collections.OrderedDict(
        (n, (sd16[k + '.weight'], sd16[k + '.bias'])) for n, k in zip(NAMES19, keys19)), first=False)

    # Non-contiguous conv1_1 weight (same values, OIHW logical shape, permuted strides).
    w = sd['features.0.weight']
    noncontig = w.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    assert not noncontig.is_contiguous() and torch.equal(noncontig, w)
    torch.save(collections.OrderedDict([('features.0.weight', noncontig), ('features.0.bias', sd['features.0.bias'])]),
               os.path.join(OUT, 'mini-vgg19-noncontig.pth'))

    # ---- mini VGG16 in Frossard's npz layout --------------------------------------------
    torch.manual_seed(16)
    m16 = MiniVGG(CFG16)
    sd16v = m16.state_dict()
    keys16 = conv_keys(m16)
    assert len(keys16) == 13
    arrays = collections.OrderedDict()
    for n, k in zip(NAMES16, keys16):
        # Frossard stores kernels as HWIO (TensorFlow order); OIHW -> HWIO is (2, 3, 1, 0).
        arrays[n + '_W'] = sd16v[k + '.weight'].numpy().transpose(2, 3, 1, 0).astype('<f4')
        arrays[n + '_b'] = sd16v[k + '.bias'].numpy().astype('<f4')
    lin = [m for m in m16.classifier if isinstance(m, nn.Linear)]
    for name, layer in zip(['fc6', 'fc7', 'fc8'], lin):
        arrays[name + '_W'] = layer.weight.detach().numpy().T.astype('<f4')  # (in, out)
        arrays[name + '_b'] = layer.bias.detach().numpy().astype('<f4')
    np.savez(os.path.join(OUT, 'mini-vgg16.npz'), **arrays)
    expected['vgg16'] = describe(collections.OrderedDict(
        (n, (sd16v[k + '.weight'], sd16v[k + '.bias'])) for n, k in zip(NAMES16, keys16)))

    # ---- small oddities seen in real files ------------------------------------------------
    conv0 = collections.OrderedDict([('features.0.weight', sd['features.0.weight']), ('features.0.bias', sd['features.0.bias'])])
    torch.save({'epoch': 3, 'state_dict': collections.OrderedDict((k, nn.Parameter(v)) for k, v in conv0.items())},
               os.path.join(OUT, 'checkpoint-params.pth'))

    # torch < 0.4 pickled tensors as _rebuild_tensor(storage, offset, size, stride).
    original_reduce = torch.Tensor.__reduce_ex__

    def old_reduce(self, proto):
        return (torch._utils._rebuild_tensor, (self.storage(), self.storage_offset(), tuple(self.size()), self.stride()))
    torch.Tensor.__reduce_ex__ = old_reduce
    try:
        torch.save(conv0, os.path.join(OUT, 'old-rebuild-tensor.pth'), _use_new_zipfile_serialization=False)
    finally:
        torch.Tensor.__reduce_ex__ = original_reduce

    torch.save(nn.Conv2d(3, 2, 3), os.path.join(OUT, 'whole-module.pth'))

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')

    total = 0
    for name in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, name))
        total += size
        print(f'{size:8d}  {name}')
    print(f'{total:8d}  total')


if __name__ == '__main__':
    main()
