#!/usr/bin/env python3
"""PyTorch references for the control features (issue 11), written from the published
definitions, independently of the TypeScript code:

  masks (Gatys et al. 2017, "simple" and "inside"):
    m_l = the image mask average-pooled 2x2 at every pooling layer before l (simple);
          inside: also eroded 3x3 (grey minimum) at every conv, and min-pooled
    G_r = F diag(m_r^2) F^T / (C * sum m_r^2)
    style = style_weight * sum_l w_l sum_r b_r mean((G_r(x) - A_r)^2)
  w2 (crowsonkb):  mu = mean over N, S = F F^T / N, Sigma = S - mu mu^T + 1e-4 I
    loss_l = mean((mu - mu_s)^2) + mean(diag(Sigma_s + Sigma - 2 sqrtm(Sigma_s^1/2 Sigma Sigma_s^1/2)))
    sqrtm by 12 coupled Newton-Schulz iterations after dividing by the Frobenius norm;
    several styles blend mu and S linearly, then form Sigma_s
  layer weights: scaled to sum to the number of layers
  luminance (Gatys 2017 5.1): Y = .299 R + .587 G + .114 B; style Y shifted/scaled to the
    content's mean and std (then clipped); the network sees (Y, Y, Y); the result keeps
    the content's I and Q (YIQ)
  histogram: x' = A (x - mu_s) + mu_c, A = Sigma_c^1/2 Sigma_s^-1/2 (eigh, eigenvalues
    clamped at 1e-5, population covariances), clipped to [0, 1]

Everything in float64; images in 0-1 RGB, fed through Caffe preprocessing (BGR, x255,
minus the ImageNet mean) as the project's models do. Writes test/fixtures/control/<case>.json + .bin.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make-control-fixtures.py
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'control')
BLOCKS = [2, 2, 4, 4, 4]  # VGG19
CAFFE_MEAN = torch.tensor([103.939, 116.779, 123.68], dtype=torch.float64).view(1, 3, 1, 1)
YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=torch.float64)


def layer_table(widths):
    layers = []
    for b, (width, n) in enumerate(zip(widths, BLOCKS), start=1):
        for i in range(1, n + 1):
            layers.append({'name': f'conv{b}_{i}', 'kind': 'conv', 'out': width})
            layers.append({'name': f'relu{b}_{i}', 'kind': 'relu'})
        layers.append({'name': f'pool{b}', 'kind': 'pool'})
    return layers


def make_weights(gen, widths):
    weights, cin = {}, 3
    for layer in layer_table(widths):
        if layer['kind'] != 'conv':
            continue
        std = (2.0 / (cin * 9)) ** 0.5
        weights[layer['name']] = ((torch.randn(layer['out'], cin, 3, 3, generator=gen) * std).float(),
                                  (torch.randn(layer['out'], generator=gen) * 0.1).float())
        cin = layer['out']
    return weights


def features(x, weights, widths, wanted, first_padding='zeros'):
    out, h = {}, x
    table = layer_table(widths)
    last = max(i for i, l in enumerate(table) if l['name'] in wanted)
    for layer in table[: last + 1]:
        if layer['kind'] == 'conv':
            w, b = weights[layer['name']]
            if layer['name'] == 'conv1_1' and first_padding == 'replicate':
                # crowsonkb: conv1_1 with padding_mode='replicate'
                h = F.conv2d(F.pad(h, (1, 1, 1, 1), mode='replicate'), w.double(), b.double())
            else:
                h = F.conv2d(h, w.double(), b.double(), padding=1)
        elif layer['kind'] == 'relu':
            h = F.relu(h)
        else:
            h = F.max_pool2d(h, 2, 2)
        out[layer['name']] = h
    return out


def mask_at(mask, widths, layer, mode):
    """mask: [H, W] -> the mask at `layer`'s output."""
    m = mask.view(1, 1, *mask.shape).double()
    for l in layer_table(widths):
        if l['kind'] == 'pool':
            m = F.avg_pool2d(m, 2, 2) if mode == 'simple' else -F.max_pool2d(-m, 2, 2)
        elif l['kind'] == 'conv' and mode == 'inside':
            m = -F.max_pool2d(-m, 3, 1, padding=1)  # max_pool pads with -inf: the border does not erode
        if l['name'] == layer:
            return m.view(-1)
    raise KeyError(layer)


def flat(f):
    _, c, h, w = f.shape
    return f.reshape(c, h * w)


def gram(f):
    m = flat(f)
    return m @ m.t() / m.numel()


def guided_gram(f, m):
    fm = flat(f)
    c = fm.shape[0]
    return (fm * m * m) @ fm.t() / (c * (m * m).sum())


def sqrtm_ns(a, iterations=12):
    n = a.norm()
    y, z = a / n, torch.eye(a.shape[0], dtype=a.dtype)
    eye3 = 3 * torch.eye(a.shape[0], dtype=a.dtype)
    for _ in range(iterations):
        t = 0.5 * (eye3 - z @ y)
        y, z = y @ t, t @ z
    return y * n.sqrt()


def moments(f):
    m = flat(f)
    return m.mean(dim=1), m @ m.t() / m.shape[1]


def w2_cov(mu, s):
    return s - torch.outer(mu, mu) + 1e-4 * torch.eye(mu.shape[0], dtype=mu.dtype)


def caffe(img):
    """[H, W, 3] RGB 0-1 -> [1, 3, H, W] network input."""
    x = img.permute(2, 0, 1).unsqueeze(0).double()[:, [2, 1, 0]] * 255
    return x - CAFFE_MEAN


TV_MEAN = torch.tensor([0.485, 0.456, 0.406], dtype=torch.float64).view(1, 3, 1, 1)
TV_STD = torch.tensor([0.229, 0.224, 0.225], dtype=torch.float64).view(1, 3, 1, 1)


def torchvision_norm(planar):
    """[1, 3, H, W] RGB 0-1 -> torchvision's normalised input (crowsonkb's VGGFeatures.normalize)."""
    return (planar - TV_MEAN) / TV_STD


def planar(img):
    return img.permute(2, 0, 1).unsqueeze(0).double()


def tv_nine_point(x):
    """crowsonkb's TVLoss (L2, nine-point stencil), on 0-1 RGB."""
    x = F.pad(x, (1, 1, 1, 1), 'replicate')
    s1, s2, s3, s4 = slice(1, -1), slice(2, None), slice(None, -1), slice(1, None)
    d1 = (x[..., s1, s2] - x[..., s1, s1]).pow(2).mean() / 3
    d2 = (x[..., s2, s1] - x[..., s1, s1]).pow(2).mean() / 3
    d3 = (x[..., s4, s4] - x[..., s3, s3]).pow(2).mean() / 12
    d4 = (x[..., s4, s3] - x[..., s3, s4]).pow(2).mean() / 12
    return 2 * (d1 + d2 + d3 + d4)


def smooth_rgb(gen, h, w):
    coarse = torch.rand(1, 3, h // 4 + 1, w // 4 + 1, generator=gen, dtype=torch.float64)
    img = F.interpolate(coarse, size=(h, w), mode='bilinear', align_corners=False)
    return img[0].permute(1, 2, 0).clamp(0, 1).float().double()  # [H, W, 3], float32-exact


def ramp_mask(h, w, direction):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing='ij')
    v = xs / (w - 1) if direction == 'x' else ys / (h - 1)
    return torch.sigmoid((v - 0.5) * 8).float().double()


def blob_mask(h, w):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing='ij')
    d = ((ys - h * 0.4) / h) ** 2 + ((xs - w * 0.6) / w) ** 2
    return torch.exp(-d * 12).float().double()


def luminance(img):
    return img @ YIQ[0]


def prepare_luminance(content, styles):
    yc = luminance(content)
    out = []
    for s in styles:
        ys = luminance(s)
        scale = yc.std(unbiased=False) / ys.std(unbiased=False)
        out.append(((ys - ys.mean()) * scale + yc.mean()).clamp(0, 1))
    grey = lambda y: y.unsqueeze(-1).expand(*y.shape, 3)
    return grey(yc), [grey(y) for y in out]


def finish_luminance(result, content):
    y = luminance(result)
    iq = content @ YIQ[1:].t()
    yiq = torch.cat([y.unsqueeze(-1), iq], dim=-1)
    return (yiq @ torch.linalg.inv(YIQ).t()).clamp(0, 1)


def sym_pow(m, p):
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag(vals.clamp(min=1e-5) ** p) @ vecs.t()


def match_histogram(style, content):
    def stats(img):
        px = img.reshape(-1, 3)
        mu = px.mean(0)
        d = px - mu
        return mu, d.t() @ d / px.shape[0]
    mc, cc = stats(content)
    ms, cs = stats(style)
    a = sym_pow(cc, 0.5) @ sym_pow(cs, -0.5)
    return ((style.reshape(-1, 3) - ms) @ a.t() + mc).reshape(style.shape).clamp(0, 1)


def run_case(name, spec, seed):
    gen = torch.Generator().manual_seed(seed)
    widths = spec['widths']
    weights = make_weights(gen, widths)
    h, w = spec['height'], spec['width']
    n_styles = len(spec['blend'])
    content = smooth_rgb(gen, h, w)
    styles = [smooth_rgb(gen, h + 4 * i, w - 2 * i) for i in range(n_styles)]
    tensors = {}
    colour = spec.get('color_control', 'none')
    seen_content, seen_styles = content, styles
    if colour == 'luminance':
        seen_content, seen_styles = prepare_luminance(content, styles)
    elif colour == 'histogram':
        seen_styles = [match_histogram(s, content) for s in styles]
    for i, s in enumerate(seen_styles):
        tensors[f'prepared_style{i}'] = s
    crowson = spec.get('recipe') == 'crowsonkb'
    # The network input of an image, and the optimised variable (network input, or 0-1 RGB).
    to_net = (lambda img: torchvision_norm(planar(img))) if crowson else caffe
    if crowson:
        x0 = (planar(seen_content) + torch.randn(1, 3, h, w, generator=gen, dtype=torch.float64) * 0.05).clamp(0, 1).float().double()
    else:
        x0 = (caffe(seen_content) + torch.randn(1, 3, h, w, generator=gen, dtype=torch.float64) * 20).float().double()
    pad = 'replicate' if crowson else 'zeros'

    content_masks = style_masks = None
    if spec.get('masks'):
        content_masks = [ramp_mask(h, w, 'x'), 1 - ramp_mask(h, w, 'x')]
        if spec.get('style_masks'):
            style_masks = [ramp_mask(h, w, 'y'), blob_mask(h + 4, w - 2)]

    cl, sl = spec['content_layers'], spec['style_layers']
    lw = torch.tensor(spec.get('style_layer_weights') or [1.0] * len(sl), dtype=torch.float64)
    lw = lw / lw.sum() if crowson else lw * len(sl) / lw.sum()  # crowsonkb normalises to sum 1
    cw = torch.tensor(spec.get('content_layer_weights') or [1.0] * len(cl), dtype=torch.float64)
    cw = cw * len(cl) / cw.sum()
    blend = torch.tensor(spec['blend'], dtype=torch.float64)
    blend = blend / blend.sum()
    mode = spec.get('mask_mode', 'simple')

    fc = features(to_net(seen_content), weights, widths, cl, pad)
    fs = [features(to_net(s), weights, widths, sl, pad) for s in seen_styles]

    x = x0.clone().requires_grad_(True)
    fx = features(torchvision_norm(x) if crowson else x, weights, widths, cl + sl, pad)
    content_loss = spec['content_weight'] * sum(cw[i] * ((fx[l] - fc[l].detach()) ** 2).mean() for i, l in enumerate(cl))
    style_terms = []
    for i, l in enumerate(sl):
        if spec['style_loss'] == 'w2':
            mu_s, s_s = 0, 0
            for b, f in zip(blend, fs):
                mu, s = moments(f[l])
                mu_s, s_s = mu_s + b * mu, s_s + b * s
            cov_s = w2_cov(mu_s, s_s).detach()
            root_s = sqrtm_ns(cov_s)
            mu, s = moments(fx[l])
            cov = w2_cov(mu, s)
            cross = sqrtm_ns(root_s @ cov @ root_s)
            layer = ((mu - mu_s) ** 2).mean() + torch.diagonal(cov_s + cov - 2 * cross).mean()
        elif content_masks is not None:
            layer = 0
            for r in range(n_styles):
                m = mask_at(content_masks[r], widths, l, mode)
                sm = mask_at(style_masks[r], widths, l, mode) if style_masks else torch.ones(fs[r][l].shape[2] * fs[r][l].shape[3], dtype=torch.float64)
                target = guided_gram(fs[r][l], sm).detach()
                layer = layer + blend[r] * ((guided_gram(fx[l], m) - target) ** 2).mean()
        else:
            target = sum(b * gram(f[l]) for b, f in zip(blend, fs)).detach()
            layer = ((gram(fx[l]) - target) ** 2).mean()
        style_terms.append(lw[i] * layer)
    style_loss = spec['style_weight'] * sum(style_terms)
    if crowson:
        tv_loss = spec['tv_weight'] * tv_nine_point(x)
    else:
        dx = x[:, :, :-1, :-1] - x[:, :, :-1, 1:]
        dy = x[:, :, :-1, :-1] - x[:, :, 1:, :-1]
        tv_loss = spec['tv_weight'] * 0.5 * ((dx ** 2).sum() + (dy ** 2).sum())
    loss = content_loss + style_loss + tv_loss
    loss.backward()

    tensors['content'] = content
    for i, s in enumerate(styles):
        tensors[f'style{i}'] = s
    for i, m in enumerate(content_masks or []):
        tensors[f'content_mask{i}'] = m
    for i, m in enumerate(style_masks or []):
        tensors[f'style_mask{i}'] = m
    tensors['x'] = x0
    tensors['grad'] = x.grad
    if colour == 'luminance':
        result = smooth_rgb(gen, h, w)
        tensors['result'] = result
        tensors['finished'] = finish_luminance(result, content)

    blobs, entries, offset = [], [], 0

    def add(tname, t):
        nonlocal offset
        arr = t.detach().float().contiguous().numpy().astype('<f4').tobytes()
        blobs.append(arr)
        entries.append({'name': tname, 'dims': list(t.shape), 'offset': offset})
        offset += len(arr)

    for lname, (wt, bs) in weights.items():
        add(f'{lname}.weight', wt)
        add(f'{lname}.bias', bs)
    for k, t in tensors.items():
        add(k, t)
    manifest = {
        'generator': 'scripts/make-control-fixtures.py',
        'torch': torch.__version__,
        'spec': spec,
        'layers': [{'name': l['name'], 'kind': l['kind']} for l in layer_table(widths)],
        'expected': {'loss': loss.item(), 'content': content_loss.item(), 'style': style_loss.item(), 'tv': tv_loss.item()},
        'tensors': entries,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(OUT, f'{name}.bin'), 'wb') as f:
        for b in blobs:
            f.write(b)
    print(name, manifest['expected'])


STYLE = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1']
BASE = {'height': 40, 'width': 36, 'widths': [4, 8, 8, 16, 16], 'content_layers': ['relu4_2'], 'style_layers': STYLE,
        'content_weight': 5.0, 'style_weight': 100.0, 'tv_weight': 1e-3, 'style_loss': 'gram', 'blend': [1.0]}
run_case('masked-regions', {**BASE, 'masks': True, 'style_masks': True, 'blend': [3.0, 1.0],
                            'content_layers': ['relu2_2', 'relu4_2'], 'content_layer_weights': [1.0, 3.0],
                            'style_layer_weights': [256.0, 64.0, 16.0, 4.0, 1.0]}, seed=3)
run_case('masked-inside', {**BASE, 'masks': True, 'style_masks': False, 'blend': [1.0, 1.0], 'mask_mode': 'inside',
                           'height': 64, 'width': 60}, seed=4)
# Narrower deep layers and a larger image, so relu5_1's covariance is estimated from more
# positions than it has channels (else Sigma is rank-deficient up to the 1e-4 ridge).
run_case('w2-two-styles', {**BASE, 'style_loss': 'w2', 'blend': [1.0, 2.0], 'widths': [4, 8, 8, 8, 8],
                           'height': 72, 'width': 64, 'style_weight': 10.0,
                           'style_layer_weights': [256.0, 64.0, 16.0, 4.0, 1.0]}, seed=5)
run_case('luminance', {**BASE, 'color_control': 'luminance'}, seed=6)
run_case('histogram', {**BASE, 'color_control': 'histogram', 'blend': [1.0, 1.0]}, seed=7)
# crowsonkb's recipe (style_transfer.py): torchvision normalisation of 0-1 RGB, replicate
# padding in conv1_1, W2 on relu1_1..relu5_1 weighted 256:64:16:4:1 normalised to sum 1,
# content relu4_2 as a plain MSE x 0.015, his nine-point TV x 2, the gradient w.r.t. RGB.
# (His sqrtm backward is a Lyapunov solve; here, as in our graph, autograd through the
# 12 Newton-Schulz iterations, per the definition.)
run_case('crowsonkb-first', {**BASE, 'recipe': 'crowsonkb', 'style_loss': 'w2', 'widths': [4, 8, 8, 8, 8],
                             'height': 72, 'width': 64, 'content_weight': 0.015, 'style_weight': 1.0,
                             'tv_weight': 2.0, 'style_layer_weights': [256.0, 64.0, 16.0, 4.0, 1.0]}, seed=8)
