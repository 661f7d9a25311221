/**
 * STROTSS's four losses (Kolkin, Salavon & Shakhnarovich, "Style Transfer by Relaxed
 * Optimal Transport and Self-Similarity", CVPR 2019), as loss terms on the image, all on
 * hypercolumn samples (sampling.ts): X [C, n] the output's at this iteration's grid, Xc the
 * content's at the same positions, Y [C, m] the style's drawn for the scale. x̂ = x/‖x‖.
 *
 *   self-similarity (content)  D_ij = 1 − ⟨x̂_i, x̂_j⟩,  ℓ_C = mean_ij | D^X_ij/Σ_k D^X_kj − D^Xc_ij/Σ_k D^Xc_kj |
 *   relaxed EMD (style)        C_ij = 1 − ⟨x̂_i, ŷ_j⟩,  ℓ_r = max(mean_i min_j C_ij, mean_j min_i C_ij)
 *   moments (style)            ℓ_m = mean|μ_X − μ_Y| + mean|Σ_X − Σ_Y|   (μ, Σ over samples, Σ divided by the count)
 *   palette                    ℓ_p = the relaxed EMD of the samples' colours (YUV) under the Euclidean distance
 *
 *   L = (α ℓ_C + ℓ_m + ℓ_r + ℓ_p/α) / (2 + α + 1/α)
 *
 * α comes per scale as a run input (16 × the content weight, halved at each finer scale),
 * so one compiled objective serves every scale; each term reports its share of L (times
 * its own weight option, 1 by default). Minima are taken through their argument: j*(i) =
 * argmax of the similarity (no gradient), then the cost of the pair — the same value and
 * gradient as the min. With content masks (the paper's region guidance) a sample is only
 * matched within its own region: other pairs' score is made −1e9 before the argmax.
 * Y, μ_Y and Σ_Y are run inputs made once per scale; the graph never sees a style map.
 */
import type { GraphBuilder } from '../../graph/builder.js';
import { defineTerm, type TermBuild, type TermInput } from '../../losses/types.js';
import { layerSize } from '../../network/geometry.js';
import type { RunShape } from '../../losses/index.js';
import type { FeedValue, IterationContext } from '../../losses/types.js';
import { bilinearTaps, drawGrid } from './sampling.js';

/** The hypercolumn's layers after its RGB: every conv layer's ReLU but conv4_1, 4_2, 5_1, 5_2. */
export const STROTSS_LAYERS = ['relu1_1', 'relu1_2', 'relu2_1', 'relu2_2', 'relu3_1', 'relu3_2', 'relu3_3', 'relu4_3', 'relu5_3'] as const;

/** Graph input names. */
export const strotssInputs = {
  /** α of this scale, [1]. */
  alpha: 'strotss_alpha',
  /** The content at this scale: its 0–1 RGB [1, 3, H, W] and each layer's map. */
  contentRgb: 'strotss_content_rgb',
  contentMap: (layer: string) => `strotss_content_${layer}`,
  /** The style's hypercolumn samples [C, m] and their moments μ [C, 1] and Σ [C, C]. */
  style: 'strotss_style',
  styleMean: 'strotss_style_mean',
  styleCovariance: 'strotss_style_cov',
  /** Region ids: the output's per pixel [1, 1, H, W] and the style samples' [1, m]. */
  regions: 'strotss_regions',
  styleRegions: 'strotss_style_regions',
  /** This iteration's positions: pixel indices [n], each layer's taps [4n] and weights [4, n]. */
  pixels: 'strotss_pixels',
  taps: (layer: string) => `strotss_taps_${layer}`,
  tapWeights: (layer: string) => `strotss_tap_weights_${layer}`,
};

/** The label the terms draw their shared positions under (IterationContext.shared). */
const POSITIONS = 'strotss-positions';

/** YUV (BT.601), the decorrelated colour space the palette is compared in. */
const YUV = [0.299, 0.587, 0.114, -0.14713, -0.28886, 0.436, 0.615, -0.51499, -0.10001];

function inputs(run: RunShape): TermInput[] {
  return [
    { name: strotssInputs.alpha, dims: [1], per: 'run' },
    { name: strotssInputs.contentRgb, dims: [1, 3, 'H', 'W'], per: 'run' },
    ...STROTSS_LAYERS.map((l) => ({ name: strotssInputs.contentMap(l), dims: [1, `C_${l}`, `h_${l}`, `w_${l}`], per: 'run' as const })),
    { name: strotssInputs.style, dims: ['C_strotss', 'm_strotss'], per: 'run' },
    { name: strotssInputs.styleMean, dims: ['C_strotss', 1], per: 'run' },
    { name: strotssInputs.styleCovariance, dims: ['C_strotss', 'C_strotss'], per: 'run' },
    { name: strotssInputs.pixels, dims: ['n_strotss'], per: 'iteration', elemType: 'int64' },
    ...STROTSS_LAYERS.flatMap((l) => [
      { name: strotssInputs.taps(l), dims: ['n4_strotss'], per: 'iteration' as const, elemType: 'int64' as const },
      { name: strotssInputs.tapWeights(l), dims: [4, 'n_strotss'], per: 'iteration' as const },
    ]),
    ...(run.masked
      ? [
          { name: strotssInputs.regions, dims: [1, 1, 'H', 'W'], per: 'run' as const },
          { name: strotssInputs.styleRegions, dims: [1, 'm_strotss'], per: 'run' as const },
        ]
      : []),
  ];
}

/** This iteration's positions and each layer's taps at them (the same for every STROTSS term). */
function positionFeeds(ctx: IterationContext): Record<string, FeedValue> {
  const positions = drawGrid(ctx.width, ctx.height, ctx.shared(POSITIONS));
  const out: Record<string, FeedValue> = { [strotssInputs.pixels]: { dims: [positions.length], data: BigInt64Array.from(positions, BigInt) } };
  for (const l of STROTSS_LAYERS) {
    const { width: w, height: h } = layerSize(ctx.table, l, ctx.width, ctx.height);
    const { index, weight } = bilinearTaps(positions, ctx.width, ctx.height, w, h);
    out[strotssInputs.taps(l)] = { dims: [index.length], data: index };
    out[strotssInputs.tapWeights(l)] = { dims: [4, positions.length], data: weight };
  }
  return out;
}

/** A graph value built once per graph under `name`, whichever term asks first. */
function once(g: GraphBuilder, name: string, build: () => string): string {
  if (!g.has(name)) g.op('Identity', [build()], {}, name);
  return name;
}

/** [C, n] of a map [1, C, h, w] read at this iteration's positions through its taps. */
function sampleLayer(b: TermBuild, map: string, channels: number, layer: string): string {
  const { g } = b;
  const flat = g.op('Reshape', [map, g.constantI64([channels, -1])]);
  const taps = g.op('Gather', [flat, b.input(strotssInputs.taps(layer))], { axis: 1 });
  const perTap = g.op('Reshape', [taps, g.constantI64([channels, 4, -1])]);
  return g.op('ReduceSum', [g.op('Mul', [perTap, b.input(strotssInputs.tapWeights(layer))]), g.constantI64([1])], { keepdims: 0 });
}

/** [rows, n] of an image-sized map [1, rows, H, W] at the positions' pixels. */
function samplePixels(b: TermBuild, map: string, rows: number): string {
  const { g } = b;
  return g.op('Gather', [g.op('Reshape', [map, g.constantI64([rows, -1])]), b.input(strotssInputs.pixels)], { axis: 1 });
}

/** The output's samples X [C, n] and their colours [3, n] (0–1 RGB). */
function outputSamples(b: TermBuild): { x: string; rgb: string } {
  const rgb = once(b.g, 'strotss_output_rgb', () => samplePixels(b, b.rgb(), 3));
  const x = once(b.g, 'strotss_output', () => b.g.op('Concat', [rgb, ...STROTSS_LAYERS.map((l) => sampleLayer(b, b.feature(l), b.channels(l), l))], { axis: 0 }));
  return { x, rgb };
}

/** The content's samples Xc [C, n] at the same positions. */
function contentSamples(b: TermBuild): string {
  return once(b.g, 'strotss_content', () =>
    b.g.op('Concat', [samplePixels(b, b.input(strotssInputs.contentRgb), 3), ...STROTSS_LAYERS.map((l) => sampleLayer(b, b.input(strotssInputs.contentMap(l)), b.channels(l), l))], { axis: 0 }),
  );
}

/** Columns scaled to unit length. */
function unitColumns(g: GraphBuilder, v: string): string {
  const norm = g.op('Sqrt', [g.op('Add', [g.op('ReduceSum', [g.op('Mul', [v, v]), g.constantI64([0])], { keepdims: 1 }), g.constant(1e-12)])]);
  return g.op('Div', [v, norm]);
}

/**
 * The score [n, m] with pairs from different regions made −1e9, when the run is masked;
 * and which style samples have an output sample of their region this iteration (a region
 * thinner than the grid's stride may have none): [m] of 1 and 0.
 */
function withinRegions(b: TermBuild, score: string): { score: string; present?: string } {
  if (!b.run.masked) return { score };
  const { g } = b;
  const mine = g.op('Transpose', [samplePixels(b, b.input(strotssInputs.regions), 1)], { perm: [1, 0] }); // [n, 1]
  const same = g.op('Equal', [mine, b.input(strotssInputs.styleRegions)]);
  const present = g.op('ReduceMax', [g.op('Cast', [same], { to: 1 })], { axes: [0], keepdims: 0 });
  return { score: g.op('Where', [same, score, g.constant(-1e9)]), present };
}

/**
 * max(mean over a's columns of the cost to its best match in b, the same from b): `score`
 * [n, m] picks the matches (higher is closer), `cost(p, q)` is the cost of matched columns.
 * Style samples without an output sample of their region (`present` 0) sit out the second mean.
 */
function relaxedEmd(g: GraphBuilder, a: string, bCols: string, s: { score: string; present?: string }, cost: (p: string, q: string) => string): string {
  const forward = g.op('Gather', [bCols, g.op('ArgMax', [s.score], { axis: 1, keepdims: 0 })], { axis: 1 });
  const backward = g.op('Gather', [a, g.op('ArgMax', [s.score], { axis: 0, keepdims: 0 })], { axis: 1 });
  const mean = (v: string) => g.op('ReduceMean', [v], { keepdims: 0 });
  const back = cost(backward, bCols);
  const backMean = s.present
    ? g.op('Div', [g.op('ReduceSum', [g.op('Mul', [back, s.present])], { keepdims: 0 }), g.op('Max', [g.op('ReduceSum', [s.present], { keepdims: 0 }), g.constant(1)])])
    : mean(back);
  return g.op('Max', [mean(cost(a, forward)), backMean]);
}

/** The paper's share of the weighted sum for a term weighted `by` (α, 1 or 1/α): by / (2 + α + 1/α). */
function share(b: TermBuild, by: 'alpha' | 'one' | 'inverse'): string {
  const { g } = b;
  const alpha = g.op('Reshape', [b.input(strotssInputs.alpha), g.constantI64([])]);
  const inverse = g.op('Div', [g.constant(1), alpha]);
  const total = g.op('Add', [g.op('Add', [g.constant(2), alpha]), inverse]);
  const top = by === 'alpha' ? alpha : by === 'inverse' ? inverse : g.constant(1);
  return g.op('Div', [top, total]);
}

const common = {
  layers: () => [...STROTSS_LAYERS],
  inputs: (_o: unknown, run: RunShape) => inputs(run),
  iterationFeeds: positionFeeds,
};

const weightOption = (key: string, label: string, what: string) =>
  ({ key, kind: { type: 'number', min: 0 }, default: 1, label, help: `STROTSS: multiplies ${what} (1: the paper's weighting).`, group: 'Optimisation', scope: 'stylize', objective: true, valueName: '<w>' }) as const;

export const selfSimilarityTerm = defineTerm({
  name: 'selfsim',
  label: 'Self-similarity',
  options: [weightOption('selfSimilarityWeight', 'Self-similarity weight', 'the content loss (self-similarity of the hypercolumns)')],
  weight: 'selfSimilarityWeight',
  ...common,
  loss: (b) => {
    const { g } = b;
    const normalised = (v: string) => {
      const u = unitColumns(g, v);
      const d = g.op('Sub', [g.constant(1), g.op('MatMul', [g.op('Transpose', [u], { perm: [1, 0] }), u])]);
      return g.op('Div', [d, g.op('ReduceSum', [d, g.constantI64([0])], { keepdims: 1 })]);
    };
    const diff = g.op('Abs', [g.op('Sub', [normalised(outputSamples(b).x), normalised(contentSamples(b))])]);
    return g.op('Mul', [g.op('ReduceMean', [diff], { keepdims: 0 }), share(b, 'alpha')]);
  },
});

export const remdTerm = defineTerm({
  name: 'remd',
  label: 'Relaxed EMD',
  options: [weightOption('remdWeight', 'Relaxed-EMD weight', 'the style loss between hypercolumn samples (relaxed earth mover\'s distance, cosine cost)')],
  weight: 'remdWeight',
  ...common,
  loss: (b) => {
    const { g } = b;
    const x = unitColumns(g, outputSamples(b).x);
    const y = unitColumns(g, b.input(strotssInputs.style));
    const similarity = withinRegions(b, g.op('MatMul', [g.op('Transpose', [x], { perm: [1, 0] }), y]));
    const cosineCost = (p: string, q: string) => g.op('Sub', [g.constant(1), g.op('ReduceSum', [g.op('Mul', [p, q]), g.constantI64([0])], { keepdims: 0 })]);
    return g.op('Mul', [relaxedEmd(g, x, y, similarity, cosineCost), share(b, 'one')]);
  },
});

export const momentTerm = defineTerm({
  name: 'moments',
  label: 'Moments',
  options: [weightOption('momentWeight', 'Moment weight', 'the loss between the samples\' means and covariances')],
  weight: 'momentWeight',
  ...common,
  loss: (b) => {
    const { g } = b;
    const x = outputSamples(b).x;
    const mean = g.op('ReduceMean', [x], { axes: [1], keepdims: 1 });
    const centred = g.op('Sub', [x, mean]);
    const n = g.op('Cast', [g.op('Gather', [g.op('Shape', [x]), g.constantI64([1], [])], { axis: 0 })], { to: 1 });
    const covariance = g.op('Div', [g.op('MatMul', [centred, g.op('Transpose', [centred], { perm: [1, 0] })]), n]);
    const l1 = (p: string, q: string) => g.op('ReduceMean', [g.op('Abs', [g.op('Sub', [p, q])])], { keepdims: 0 });
    const loss = g.op('Add', [l1(mean, b.input(strotssInputs.styleMean)), l1(covariance, b.input(strotssInputs.styleCovariance))]);
    return g.op('Mul', [loss, share(b, 'one')]);
  },
});

export const paletteTerm = defineTerm({
  name: 'palette',
  label: 'Palette',
  options: [weightOption('paletteWeight', 'Palette weight', 'the colour loss (relaxed EMD between the samples\' colours in YUV)')],
  weight: 'paletteWeight',
  ...common,
  loss: (b) => {
    const { g } = b;
    const yuv = (rgb: string) => g.op('MatMul', [g.constant(YUV, [3, 3]), rgb]);
    const x = yuv(outputSamples(b).rgb);
    const styleRgb = g.op('Slice', [b.input(strotssInputs.style), g.constantI64([0]), g.constantI64([3]), g.constantI64([0])]);
    const y = yuv(styleRgb);
    const squares = (v: string) => g.op('ReduceSum', [g.op('Mul', [v, v]), g.constantI64([0])], { keepdims: 1 });
    // −‖x_i − y_j‖², the score the matches are picked by (higher is closer).
    const cross = g.op('MatMul', [g.op('Transpose', [x], { perm: [1, 0] }), y]);
    const score = withinRegions(b, g.op('Sub', [g.op('Mul', [g.constant(2), cross]), g.op('Add', [g.op('Transpose', [squares(x)], { perm: [1, 0] }), squares(y)])]));
    const distance = (p: string, q: string) => {
      const d = g.op('Sub', [p, q]);
      return g.op('Sqrt', [g.op('Add', [g.op('ReduceSum', [g.op('Mul', [d, d]), g.constantI64([0])], { keepdims: 0 }), g.constant(1e-8)])]);
    };
    return g.op('Mul', [relaxedEmd(g, x, y, score, distance), share(b, 'inverse')]);
  },
});

export const strotssTerms = [selfSimilarityTerm, remdTerm, momentTerm, paletteTerm] as const;
