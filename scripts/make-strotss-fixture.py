#!/usr/bin/env python3
"""PyTorch reference for STROTSS (src/methods/strotss), written from the definitions of
Kolkin, Salavon & Shakhnarovich, "Style Transfer by Relaxed Optimal Transport and
Self-Similarity" (CVPR 2019) as the project states them, in float64:

  network      VGG-16 in torchvision's `features` layout (conv 3x3 pad 1 + ReLU, 2x2 max
               pools after each block of 2, 2, 3, 3, 3 convs), narrow random widths; input
               (x - ImageNet mean) / std of the 0-1 RGB image x
  layers       L = relu1_1, relu1_2, relu2_1, relu2_2, relu3_1, relu3_2, relu3_3, relu4_3, relu5_3
  hypercolumn  of an H x W image at pixel (r, c): the 0-1 RGB x[:, r, c], then for each l in
               L F.interpolate(F_l, (H, W), bilinear, align_corners=False)[0, :, r, c];
               C = 3 + sum of the layers' channels
  positions    pixel indices p = r*W + c; X [C, n] the output's hypercolumns there, Xc the
               content's at the same positions, Y [C, m] the style's at its own positions
  unit         v^ = v / sqrt(sum_c v^2 + 1e-12), per column
  selfsim      D = 1 - X^T X^ [n, n]; N = D / (D's column sums); the same for Xc;
               l_C = mean_ij |N^X - N^Xc|
  remd         S = X^T Y^ [n, m]; l_r = max(mean_i (1 - max_j S_ij), mean_j (1 - max_i S_ij))
  moments      mu = column mean [C, 1], Sigma = (X - mu)(X - mu)^T / n;
               l_m = mean|mu_X - mu_Y| + mean|Sigma_X - Sigma_Y|  (mu_Y, Sigma_Y: the same over Y, / m)
  palette      yuv = M rgb of the first 3 rows, M = BT.601's RGB -> YUV;
               d(a, b) = sqrt(|a - b|^2 + 1e-8);
               l_p = max(mean_i min_j d(x_i, y_j), mean_j min_i d(x_i, y_j))
  weighting    N = 2 + a + 1/a; parts selfsim a l_C / N, remd l_r / N, moments l_m / N,
               palette (1/a) l_p / N; the loss is their sum
  masks        region ids per output pixel and per style sample: pairs from different regions
               are left out of the min / max of remd and palette (both directions); selfsim
               and moments are unchanged

The fixed positions are random (not the run's grid) and pruned until every argmax the
losses take, unmasked and masked, beats its runner-up by MARGIN (a float32 near-tie there
would send a match's gradient to another pixel); the margins left are stored.

The images are stored as integer codes k with value k / 256 (exact in float32 and float64),
the weights as float32 values (9 significant digits round-trip them); everything else is
rounded to 8 significant digits (far below the 1e-4 the tests ask for).

Run with a Python that has torch (developed against torch 2.13, CPU; torchvision is not
needed):

    /work/main/node_modules/.cache/torch-venv/bin/python scripts/make-strotss-fixture.py

Writes test/fixtures/strotss/strotss.json.
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
LAYERS = ['relu1_1', 'relu1_2', 'relu2_1', 'relu2_2', 'relu3_1', 'relu3_2', 'relu3_3', 'relu4_3', 'relu5_3']
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
YUV = torch.tensor([[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]])
ALPHAS = [16, 2]
TERMS = ['selfsim', 'remd', 'moments', 'palette']
# The least gap kept between an argmax and its runner-up: cosine for remd (float32 errors
# there, from the network's features, are around 1e-6), -|x - y|^2 in YUV for the palette
# (exact colours k / 256 through a 3 x 3 matrix: float32 errors around 1e-7).
MARGIN = {'remd': 2e-5, 'palette': 4e-6}


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
            w = torch.randn(m.weight.shape, generator=gen, dtype=torch.float32) * math.sqrt(2 / fan_in)
            b = torch.randn(m.bias.shape, generator=gen, dtype=torch.float32) * 0.1
            with torch.no_grad():
                m.weight.copy_(w.double())
                m.bias.copy_(b.double())
            weights[name] = {'weight': {'dims': list(w.shape), 'data': flat(w, 9)}, 'bias': {'dims': list(b.shape), 'data': flat(b, 9)}}
    return weights


class Net:
    def __init__(self, features, names):
        self.features, self.names = features, names
        for p in features.parameters():
            p.requires_grad_(False)

    def maps(self, rgb):
        """Layer name -> activation of the torchvision-preprocessed RGB image [1, 3, H, W]."""
        h, out = (rgb - MEAN) / STD, {}
        last = max(self.names.index(l) for l in LAYERS)
        for m, name in zip(list(self.features)[: last + 1], self.names[: last + 1]):
            h = m(h)
            if name in LAYERS:
                out[name] = h
        return out

    def hypercolumns(self, rgb):
        """[C, H*W]: the RGB and every layer upsampled to the image's size, pixels row-major."""
        size = (rgb.size(2), rgb.size(3))
        maps = self.maps(rgb)
        parts = [rgb] + [F.interpolate(maps[l], size, mode='bilinear', align_corners=False) for l in LAYERS]
        return torch.cat(parts, 1).reshape(-1, size[0] * size[1])


def unit(v):
    return v / (v.pow(2).sum(0, keepdim=True) + 1e-12).sqrt()


def selfsim_loss(x, xc):
    def normalised(v):
        u = unit(v)
        d = 1 - u.t() @ u
        return d / d.sum(0, keepdim=True)

    return (normalised(x) - normalised(xc)).abs().mean()


def allowed(rx, ry):
    """[n, m] True where the pair may be matched (same region), all True without regions."""
    if rx is None:
        return None
    return rx.view(-1, 1) == ry.view(1, -1)


def remd_loss(x, y, same=None):
    s = unit(x).t() @ unit(y)
    if same is not None:
        s = s.masked_fill(~same, -math.inf)
    r1 = (1 - s.max(1).values).mean()
    r2 = (1 - s.max(0).values).mean()
    return torch.maximum(r1, r2)


def moments(v):
    mu = v.mean(1, keepdim=True)
    c = v - mu
    return mu, c @ c.t() / v.size(1)


def moment_loss(x, mu_y, cov_y):
    mu_x, cov_x = moments(x)
    return (mu_x - mu_y).abs().mean() + (cov_x - cov_y).abs().mean()


def palette_distances(x, y):
    a, b = YUV @ x[:3], YUV @ y[:3]
    return ((a[:, :, None] - b[:, None, :]).pow(2).sum(0) + 1e-8).sqrt()


def palette_loss(x, y, same=None):
    d = palette_distances(x, y)
    if same is not None:
        d = d.masked_fill(~same, math.inf)
    return torch.maximum(d.min(1).values.mean(), d.min(0).values.mean())


def share(term, alpha):
    top = {'selfsim': alpha, 'remd': 1, 'moments': 1, 'palette': 1 / alpha}[term]
    return top / (2 + alpha + 1 / alpha)


def gaps(score, dim, apart=None):
    """Per slice along `dim`, the best score minus the runner-up's. With `apart` (the
    candidates' vectors [k, count]), candidates within 1e-9 of the best one are not
    runner-ups: a tie between equal vectors picks the same value and gradient."""
    if apart is None:
        top = score.topk(2, dim=dim).values
        return top.select(dim, 0) - top.select(dim, 1)
    best = score.argmax(dim)
    cand = apart.t()  # [count, k]
    near = torch.cdist(cand, cand[best], compute_mode='donot_use_mm_for_euclid_dist') <= 1e-9  # [count, slices]
    if dim == 1:
        near = near.t()
    return score.max(dim).values - score.masked_fill(near, -math.inf).max(dim).values


def margins(x, y, same):
    """The gaps of every argmax remd and the palette take: 'rows' (each output sample's
    best style sample) and 'cols' (each style sample's best output sample)."""
    s = unit(x).t() @ unit(y)
    a, b = YUV @ x[:3], YUV @ y[:3]
    p = -(a[:, :, None] - b[:, None, :]).pow(2).sum(0)
    if same is not None:
        s, p = s.masked_fill(~same, -math.inf), p.masked_fill(~same, -math.inf)
    return {
        'remd': {'rows': gaps(s, 1, unit(y)), 'cols': gaps(s, 0)},
        'palette': {'rows': gaps(p, 1, b), 'cols': gaps(p, 0)},
    }


def sides(x, y, same):
    """|the two directions' means' difference| of remd and the palette: the max between them is no near-tie either."""
    s = unit(x).t() @ unit(y)
    d = palette_distances(x, y)
    if same is not None:
        s, d = s.masked_fill(~same, -math.inf), d.masked_fill(~same, math.inf)
    return {
        'remd': float(((1 - s.max(1).values).mean() - (1 - s.max(0).values).mean()).abs()),
        'palette': float((d.min(1).values.mean() - d.min(0).values.mean()).abs()),
    }


def image_codes(gen, h, w):
    """A smooth-ish random image (bicubic-upsampled coarse noise plus fine noise) as codes 0…255."""
    coarse = torch.rand(1, 3, h // 6 + 2, w // 6 + 2, generator=gen)
    smooth = F.interpolate(coarse, (h, w), mode='bicubic', align_corners=False)
    img = (0.75 * smooth + 0.25 * torch.rand(1, 3, h, w, generator=gen)).clamp(0, 1)
    return (img * 256).floor().clamp(0, 255)


def flat(t, digits=8):
    return [float(f'{float(v):.{digits}g}') for v in t.detach().reshape(-1)]


def image_entry(codes):
    return {'height': codes.size(2), 'width': codes.size(3), 'codes': [int(v) for v in codes.reshape(-1)]}


def stats(t):
    """Sums that show a value or layout error without storing the tensor: Σv, Σv², Σ v·(1 + 0.37·k/n) over the flat index k."""
    v = t.detach().reshape(-1)
    ramp = 1 + 0.37 * torch.arange(v.numel()) / v.numel()
    return {'dims': list(t.shape), 'sum': float(v.sum()), 'sumSquares': float((v * v).sum()), 'ramp': float((v * ramp).sum())}


def tap_case(gen, height, width, h, w, channels, positions=None):
    """A random map [channels, h, w] read at positions of a height x width image: the upsampled map indexed there."""
    m = torch.randn(1, channels, h, w, generator=gen, dtype=torch.float32).double()
    if positions is None:
        positions = torch.arange(height * width)
    up = F.interpolate(m, (height, width), mode='bilinear', align_corners=False).reshape(channels, -1)
    return {
        'height': height, 'width': width, 'h': h, 'w': w, 'channels': channels,
        'map': flat(m, 9), 'positions': [int(p) for p in positions], 'expected': flat(up[:, positions]),
    }


def main():
    gen = torch.Generator().manual_seed(2019)
    features, names = vgg16_features()
    weights = init_weights(features, names, gen)
    net = Net(features, names)

    # --- the taps: F.interpolate then indexing ---
    taps = [
        tap_case(gen, 29, 22, 7, 5, 2),  # a small map under a larger image
        tap_case(gen, 29, 22, 29, 22, 1),  # the map at the image's size: reading is indexing
        tap_case(gen, 30, 40, 1, 2, 2, torch.randperm(30 * 40, generator=gen)[:60]),  # relu5_3's 1 x 2 of 30 x 40
    ]

    # --- the images and the hypercolumns ---
    H, W = 30, 40
    content_codes = image_codes(gen, H, W)
    x_codes = image_codes(gen, H, W)
    style_codes = image_codes(gen, 34, 27)
    content, style, x0 = content_codes / 256, style_codes / 256, x_codes / 256
    Hs, Ws = style.size(2), style.size(3)

    h_content = net.hypercolumns(content)  # [C, H*W]
    h_style = net.hypercolumns(style)
    h_x = net.hypercolumns(x0)
    C = h_x.size(0)

    # Regions for the masked case: the output split along a diagonal, the style samples by row.
    rr, cc = torch.meshgrid(torch.arange(H), torch.arange(W), indexing='ij')
    regions = ((rr / H + cc / W) > 0.95).reshape(-1).long()
    style_rr = torch.arange(Hs * Ws) // Ws
    style_region_of = (style_rr >= 0.45 * Hs).long()

    positions = torch.randperm(H * W, generator=gen)[:260]
    style_positions = torch.randperm(Hs * Ws, generator=gen)[:380]

    # Prune near-ties: an output sample whose best style sample is nearly tied (a row), a
    # style sample whose best output sample is (a column); unmasked and masked alike.
    while True:
        xs, ys = h_x[:, positions], h_style[:, style_positions]
        same = allowed(regions[positions], style_region_of[style_positions])
        drop_x, drop_y = set(), set()
        for mg in (margins(xs, ys, None), margins(xs, ys, same)):
            for name, term in mg.items():
                drop_x |= set(torch.nonzero(term['rows'] < MARGIN[name]).view(-1).tolist())
                drop_y |= set(torch.nonzero(term['cols'] < MARGIN[name]).view(-1).tolist())
        if not drop_x and not drop_y:
            break
        positions = torch.tensor([p for k, p in enumerate(positions.tolist()) if k not in drop_x])
        style_positions = torch.tensor([p for k, p in enumerate(style_positions.tolist()) if k not in drop_y])

    xs, xc, y = h_x[:, positions], h_content[:, positions], h_style[:, style_positions]
    rx, ry = regions[positions], style_region_of[style_positions]
    same = allowed(rx, ry)
    assert all(bool(((rx == k).any() and (ry == k).any())) for k in (0, 1)), 'a region without samples on one side'
    mu_y, cov_y = moments(y)
    kept = {
        'unmasked': {t: {d: float(v.min()) for d, v in m.items()} for t, m in margins(xs, y, None).items()},
        'masked': {t: {d: float(v.min()) for d, v in m.items()} for t, m in margins(xs, y, same).items()},
    }
    for case, regions_of in (('unmasked', None), ('masked', same)):
        for t, v in sides(xs, y, regions_of).items():
            kept[case][t]['directions'] = v
    mu_x, cov_x = moments(xs)
    nx = (1 - unit(xs).t() @ unit(xs))
    nc = (1 - unit(xc).t() @ unit(xc))
    dn = (nx / nx.sum(0, keepdim=True) - nc / nc.sum(0, keepdim=True)).abs()
    dn = dn.masked_fill(torch.eye(dn.size(0), dtype=torch.bool), math.inf)  # the diagonal is 0 - 0 (and its gradient is 0)

    def least_nonzero(d):
        # A channel dead (ReLU 0) in both X and Y gives exact zeros, with no gradient either way.
        d = d.abs()
        return {'least': float(d[d > 0].min()), 'exactZeros': int((d == 0).sum()), 'of': d.numel()}

    kept['moments'] = {'mean': least_nonzero(mu_x - mu_y), 'covariance': least_nonzero(cov_x - cov_y)}
    kept['selfsim'] = float(dn.min())

    # --- each term's loss and gradient with respect to the 0-1 RGB image ---
    def evaluate(fn):
        x = x0.clone().requires_grad_(True)
        hx = net.hypercolumns(x)[:, positions]
        loss = fn(hx)
        loss.backward()
        return loss.detach(), x.grad

    raw = {
        'selfsim': lambda hx: selfsim_loss(hx, xc),
        'remd': lambda hx: remd_loss(hx, y),
        'moments': lambda hx: moment_loss(hx, mu_y, cov_y),
        'palette': lambda hx: palette_loss(hx, y),
    }
    terms = {}
    for t, fn in raw.items():
        loss, grad = evaluate(fn)
        terms[t] = {'loss': float(loss), 'parts': {str(a): float(share(t, a) * loss) for a in ALPHAS}, 'grad': flat(grad)}
    masked = {}
    for t, fn in {'remd': lambda hx: remd_loss(hx, y, same), 'palette': lambda hx: palette_loss(hx, y, same)}.items():
        loss, grad = evaluate(fn)
        masked[t] = {'loss': float(loss), 'parts': {str(a): float(share(t, a) * loss) for a in ALPHAS}, 'grad': flat(grad)}
    totals = {}
    for a in ALPHAS:
        loss, grad = evaluate(lambda hx: sum(share(t, a) * fn(hx) for t, fn in raw.items()))
        totals[str(a)] = {'loss': float(loss), 'grad': flat(grad)}

    content_maps = net.maps(content)
    style_maps = net.maps(style)
    fixture = {
        'torch': torch.__version__,
        'widths': WIDTHS,
        'layers': LAYERS,
        'weights': weights,
        'taps': taps,
        'images': {'content': image_entry(content_codes), 'style': image_entry(style_codes), 'x': image_entry(x_codes)},
        'channels': C,
        'positions': [int(p) for p in positions],
        'stylePositions': [int(p) for p in style_positions],
        'contentMaps': {l: stats(content_maps[l]) for l in LAYERS},
        'styleMaps': {l: stats(style_maps[l]) for l in LAYERS},
        'output': stats(xs),
        'content': stats(xc),
        'style': {'dims': list(y.shape), 'data': flat(y)},
        'styleMean': {'dims': list(mu_y.shape), 'data': flat(mu_y)},
        'styleCovariance': {'dims': list(cov_y.shape), 'data': flat(cov_y)},
        'regions': [int(v) for v in regions],
        'styleRegions': [int(v) for v in ry],
        'minMargin': MARGIN,
        'margins': kept,
        'alphas': ALPHAS,
        'terms': terms,
        'masked': masked,
        'totals': totals,
    }
    path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'strotss', 'strotss.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'wrote {path}: {os.path.getsize(path)} bytes')
    print(f'  C = {C}, n = {len(positions)} output samples, m = {len(style_positions)} style samples ({int(ry.sum())} in region 1; output {int(rx.sum())})')
    print(f'  margins: {json.dumps(kept)}')
    for t in TERMS:
        print(f'  {t}: loss {terms[t]["loss"]:.6g}' + (f', masked {masked[t]["loss"]:.6g}' if t in masked else ''))
    print('  totals: ' + ', '.join(f'alpha {a}: {totals[a]["loss"]:.6g}' for a in totals))


if __name__ == '__main__':
    main()
