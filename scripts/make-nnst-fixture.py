#!/usr/bin/env python3
"""PyTorch reference for NNST-Opt (src/methods/nnst), written from the definitions of
Kolkin et al., "Neural Neighbor Style Transfer" (2022), in float64:

  network      VGG-16 in torchvision's `features` layout (conv 3x3 pad 1 + ReLU, 2x2 max
               pools), narrow random widths; input (x - ImageNet mean) / std on RGB in 0-1
  hypercolumns h(img) = concat over relu4_3, relu4_2, relu4_1, relu3_3, relu3_2, relu3_1,
               relu2_2, relu2_1, relu1_2, relu1_1 of F_l / C_l resized with
               F.interpolate(bilinear, align_corners=True) to (H // 4, W // 4)
  rotations    S, flip(S, [2]).T, flip(S, [2, 3]), flip(S, [3]).T   (.T: transpose(2, 3))
  targets      each query column q -> the style column s* = argmin_s 1 - cos(q - mean_Q,
               s - mean_S) (means over ALL columns of each set); the target is s* itself
  hypercolumn  L_h(x) = mean_p (1 - sum_c t^_c h^_c(x)),  v^ = v / sqrt(clamp(sum_c v^2, 1e-8, 1e8))
  layer match  per layer: O = F_l(x), S_l = the style's map and its rotations' (the quarter
               turns' maps transposed back) stacked along the rows; samples [:, a::s, b::s]
               of both, each set centred on its own mean and unit per column;
               loss_l = mean over output samples of min over style samples of 1 - cos;
               L = sum_l loss_l
  iteration 0  of an NNST run: the output starts as the content's Laplacian pyramid with its
               3 finest levels zeroed; at the coarsest scale scl (scale count
               round(log2(side / 64)) + 1, as src/methods/nnst/index.ts counts) the image is
               that pyramid synthesised from level scl; the targets come from the query =
               the content halved scl times (bilinear, align_corners=False, as the pyramid
               halves) against the style halved scl times with its rotations; the first
               loss reported is L_h of that image.

The images are stored as integer codes k with value k / 256 (exact in float32 and float64),
the weights as float32 values (9 significant digits round-trip them); everything else is
rounded to 9 significant digits. The network's widths are distinct per block so that a
channel mixed up between layers shows; conv5_* is stored too (a whole VGG-16 table) though
no definition reads it. The fixture is about 870 KB.

Run with a Python that has torch (developed against torch 2.13, CPU; torchvision is not
needed):

    /work/main/node_modules/.cache/torch-venv/bin/python scripts/make-nnst-fixture.py

Writes test/fixtures/nnst/nnst.json.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.backends.nnpack.set_flags(False)  # it only warns on CPUs it does not support

WIDTHS = [4, 6, 8, 10, 12]  # out-channels of conv1_* … conv5_*
BLOCKS = [2, 2, 3, 3, 3]  # VGG-16 ('D')
LAYERS = ['relu4_3', 'relu4_2', 'relu4_1', 'relu3_3', 'relu3_2', 'relu3_1', 'relu2_2', 'relu2_1', 'relu1_2', 'relu1_1']
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

# The layer-match loss at each layer's (stride, row offset, column offset). 'rule': the
# stride src/methods/nnst/terms.ts picks at this size (every map here is at most 64 a
# side: stride 1); 'strided': strides 2 and 3 with offsets, to exercise the sampling.
SAMPLINGS = {
    'rule': {l: (1, 0, 0) for l in LAYERS},
    'strided': {
        'relu4_3': (1, 0, 0),
        'relu4_2': (2, 1, 0),
        'relu4_1': (2, 0, 1),
        'relu3_3': (2, 1, 1),
        'relu3_2': (3, 2, 0),
        'relu3_1': (1, 0, 0),
        'relu2_2': (3, 1, 2),
        'relu2_1': (2, 0, 0),
        'relu1_2': (3, 0, 2),
        'relu1_1': (2, 1, 1),
    },
}


def vgg16_features():
    """torchvision's vgg16().features with narrow widths: features.N indexes as torchvision's."""
    mods, names, cin = [], [], 3
    for b, (width, n) in enumerate(zip(WIDTHS, BLOCKS), start=1):
        for i in range(1, n + 1):
            mods += [nn.Conv2d(cin, width, 3, padding=1), nn.ReLU(inplace=False)]
            names += [f'conv{b}_{i}', f'relu{b}_{i}']
            cin = width
        mods.append(nn.MaxPool2d(2, 2))
        names.append(f'pool{b}')
    return nn.Sequential(*mods), names


def init_weights(features, names, gen):
    """He-normal weights, small random biases, drawn in float32 (what the TS side loads) and used in float64."""
    weights = {}
    for m, name in zip(features, names):
        if isinstance(m, nn.Conv2d):
            fan_in = m.in_channels * 9
            w = (torch.randn(m.weight.shape, generator=gen, dtype=torch.float32) * math.sqrt(2 / fan_in))
            b = torch.randn(m.bias.shape, generator=gen, dtype=torch.float32) * 0.1
            with torch.no_grad():
                m.weight.copy_(w.double())
                m.bias.copy_(b.double())
            weights[name] = {'weight': {'dims': list(w.shape), 'data': flat(w)}, 'bias': {'dims': list(b.shape), 'data': flat(b)}}
    return weights


class Net:
    def __init__(self, features, names):
        self.features, self.names = features, names
        for p in features.parameters():
            p.requires_grad_(False)

    def maps(self, rgb, wanted=LAYERS):
        """Layer name -> activation of the torchvision-preprocessed RGB image [1, 3, H, W]."""
        h, out = (rgb - MEAN) / STD, {}
        last = max(self.names.index(l) for l in wanted)
        for m, name in zip(list(self.features)[: last + 1], self.names[: last + 1]):
            h = m(h)
            if name in wanted:
                out[name] = h
        return out

    def hypercolumns(self, rgb):
        size = (rgb.size(2) // 4, rgb.size(3) // 4)
        maps = self.maps(rgb)
        return torch.cat([F.interpolate(maps[l] / maps[l].size(1), size, mode='bilinear', align_corners=True) for l in LAYERS], 1)


def rotations(s):
    return [s, torch.flip(s, [2]).transpose(2, 3), torch.flip(s, [2, 3]), torch.flip(s, [3]).transpose(2, 3)]


def columns(t):
    """[1, C, h, w] -> [C, h*w], positions row-major."""
    return t.reshape(t.size(1), -1)


def centred_unit(v):
    c = v - v.mean(1, keepdim=True)
    return c / c.norm(dim=0, keepdim=True)


def nearest(queries, styles):
    """Index of each query column's nearest style column (centred cosine) and its margin over the runner-up."""
    cos = centred_unit(styles).t() @ centred_unit(queries)  # [M, N]
    top = cos.topk(2, dim=0)
    return top.indices[0], top.values[0] - top.values[1]


def feat_unit(v):
    return v / v.pow(2).sum(1, keepdim=True).clamp(1e-8, 1e8).sqrt()


def hypercolumn_loss(net, x, target):
    """target: [1, C, h, w] unnormalised (the chosen style columns)."""
    return (1 - (feat_unit(target) * feat_unit(net.hypercolumns(x))).sum(1)).mean()


def style_layer_maps(net, style):
    """Layer -> the style's map and its rotations' (quarter turns transposed back), stacked along the rows."""
    per_view = [net.maps(v) for v in rotations(style)]
    stacked = {}
    for l in LAYERS:
        maps = [m[l] if k in (0, 2) else m[l].transpose(2, 3) for k, m in enumerate(per_view)]
        stacked[l] = torch.cat(maps, 2)
    return stacked


def distinct_margin(cos, styles, apart=0.01):
    """The least gap, over the output samples, between the best cosine and the best of the
    style samples more than `apart` away from the best one (centred and unit). With four
    channels and thousands of samples near-ties are many, but between nearly equal
    vectors, where float32 picking the other changes the loss and gradient by little; a
    near-tie with a distant sample would make the reference fragile."""
    best = cos.argmax(0)
    dist = torch.cdist(styles.t(), styles[:, best].t())  # [m, n]
    others = cos.masked_fill(dist <= apart, -math.inf).max(0).values
    return float((cos.max(0).values - others).min())


def layer_match_loss(net, x, style_maps, sampling):
    maps = net.maps(x)
    total, per_layer, margin = 0, {}, math.inf
    for l in LAYERS:
        s, a, b = sampling[l]
        o = centred_unit(columns(maps[l][:, :, a::s, b::s]))
        st = centred_unit(columns(style_maps[l][:, :, a::s, b::s]))
        cos = st.t() @ o  # [m, n]
        margin = min(margin, distinct_margin(cos.detach(), st.detach()))
        loss = (1 - cos).min(0).values.mean()
        per_layer[l] = loss
        total = total + loss
    return total, per_layer, margin


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
    return pyr + [cur]


def synthesise(pyr):
    cur = pyr[-1]
    for lap in reversed(pyr[:-1]):
        cur = lap + up(cur, (lap.size(2), lap.size(3)))
    return cur


def image_codes(gen, h, w):
    """A smooth-ish random image (bicubic-upsampled coarse noise plus fine noise) as codes 0…255."""
    coarse = torch.rand(1, 3, h // 6 + 2, w // 6 + 2, generator=gen)
    smooth = F.interpolate(coarse, (h, w), mode='bicubic', align_corners=False)
    img = (0.75 * smooth + 0.25 * torch.rand(1, 3, h, w, generator=gen)).clamp(0, 1)
    return (img * 256).floor().clamp(0, 255)


def flat(t):
    # Nine significant digits: float32 round-trips, far below the 1e-4 the tests ask for.
    return [float(f'{float(v):.9g}') for v in t.detach().reshape(-1)]


def image_entry(codes):
    return {'height': codes.size(2), 'width': codes.size(3), 'codes': [int(v) for v in codes.reshape(-1)]}


def stats(t):
    """Sums that show a value or layout error without storing the tensor: Σv, Σv², Σ v·(1 + 0.37·k/n) over the flat index k."""
    v = t.detach().reshape(-1)
    ramp = 1 + 0.37 * torch.arange(v.numel()) / v.numel()
    return {'dims': list(t.shape), 'sum': float(v.sum()), 'sumSquares': float((v * v).sum()), 'ramp': float((v * ramp).sum())}


def scale_count(side, levels):
    # src/methods/nnst/index.ts scaleCount (JS Math.round: halves round up).
    return max(1, min(levels + 1, math.floor(math.log2(side / 64) + 0.5) + 1))


def main():
    gen = torch.Generator().manual_seed(2022)
    features, names = vgg16_features()
    weights = init_weights(features, names, gen)
    net = Net(features, names)

    # --- hypercolumns, neighbours and both losses on small images ---
    content_codes = image_codes(gen, 28, 40)
    style_codes = image_codes(gen, 36, 32)  # portrait: the quarter turns change its shape
    x_codes = image_codes(gen, 28, 40)
    content, style, x0 = content_codes / 256, style_codes / 256, x_codes / 256

    h_content = net.hypercolumns(content)
    h_views = [net.hypercolumns(v) for v in rotations(style)]
    style_set = torch.cat([columns(h) for h in h_views], 1)
    idx, margins = nearest(columns(h_content), style_set)
    targets = style_set[:, idx]  # [C, N]
    target_map = targets.reshape(h_content.shape)

    x = x0.clone().requires_grad_(True)
    lh = hypercolumn_loss(net, x, target_map)
    lh.backward()
    hyper = {'loss': float(lh.detach()), 'grad': flat(x.grad)}

    style_maps = style_layer_maps(net, style)
    matches = []
    for name, sampling in SAMPLINGS.items():
        x = x0.clone().requires_grad_(True)
        total, per_layer, margin = layer_match_loss(net, x, style_maps, sampling)
        total.backward()
        matches.append({
            'name': name,
            'sampling': {l: list(sampling[l]) for l in LAYERS},
            'loss': float(total.detach()),
            'perLayer': {l: float(v.detach()) for l, v in per_layer.items()},
            'minMargin': margin,
            'grad': flat(x.grad),
        })

    # --- iteration 0 of a run at two scales ---
    run_content = image_codes(gen, 72, 96)
    run_style = image_codes(gen, 96, 80)
    c, s = run_content / 256, run_style / 256
    side = max(c.size(2), c.size(3))
    levels = min(8, int(math.floor(math.log2(min(c.size(2), c.size(3))))))
    scales = scale_count(side, levels)
    scl = scales - 1
    zeroed = 2 if side >= 1024 else 3
    pyr = decompose(c, levels)
    start = [torch.zeros_like(p) if i < zeroed else p for i, p in enumerate(pyr)]
    image = synthesise(start[scl:])
    query, style_here = c, s
    for _ in range(scl):
        query, style_here = down(query), down(style_here)
    run_set = torch.cat([columns(net.hypercolumns(v)) for v in rotations(style_here)], 1)
    h_query = net.hypercolumns(query)
    run_idx, run_margins = nearest(columns(h_query), run_set)
    run_targets = run_set[:, run_idx].reshape(h_query.shape)
    run_loss = hypercolumn_loss(net, image, run_targets)

    fixture = {
        'torch': torch.__version__,
        'widths': WIDTHS,
        'layers': LAYERS,
        'weights': weights,
        'images': {'content': image_entry(content_codes), 'style': image_entry(style_codes), 'x': image_entry(x_codes)},
        'hypercolumns': {
            'content': {'dims': list(h_content.shape), 'data': flat(h_content)},
            # The style and its rotations, each in its own raster order; the set is them joined in this order.
            'style': [{'dims': list(h.shape), 'data': flat(h)} for h in h_views],
        },
        'neighbours': {'indices': [int(i) for i in idx], 'minMargin': float(margins.min()), 'targets': {'dims': list(targets.shape), 'data': flat(targets)}},
        'hypercolumnLoss': hyper,
        'styleMaps': {l: stats(style_maps[l]) for l in LAYERS},
        'layerMatch': matches,
        'nnst': {
            'content': image_entry(run_content),
            'style': image_entry(run_style),
            'imageSize': side,
            'pyramidLevels': levels,
            'scales': scales,
            'zeroed': zeroed,
            'loss': float(run_loss),
            'minMargin': float(run_margins.min()),
            'start': stats(image),
            'query': stats(h_query),
            'targets': stats(run_targets),
        },
    }
    path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'nnst', 'nnst.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(fixture, f)
    print(f'wrote {path}: {os.path.getsize(path)} bytes')
    print(f'  hypercolumns {list(h_content.shape)}, style set {list(style_set.shape)}, NN margin ≥ {float(margins.min()):.3g}')
    print(f'  hypercolumn loss {hyper["loss"]:.6g}; layer match ' + ', '.join(f"{m['name']} {m['loss']:.6g} (margin ≥ {m['minMargin']:.3g})" for m in matches))
    print(f'  nnst: {side} px, {levels} levels, {scales} scales, image {list(image.shape)}, loss {float(run_loss):.6g}, NN margin ≥ {float(run_margins.min()):.3g}')


if __name__ == '__main__':
    main()
