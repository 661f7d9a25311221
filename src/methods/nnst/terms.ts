/**
 * NNST-Opt's two losses (Kolkin et al., "Neural Neighbor Style Transfer", 2022), as loss
 * terms on the pyramid-synthesised image:
 *
 *  - `hypercolumn`, at each scale: the output's hypercolumns h(x) against the targets t —
 *    the query's hypercolumns each replaced by its nearest style hypercolumn (neighbours.ts),
 *    computed once at the scale's start:
 *        mean over positions of 1 − ⟨t̂, ĥ(x)⟩,   v̂ = v / √clamp(Σ_c v², 1e-8, 1e8)
 *    t̂ is given normalised (a run input per scale).
 *
 *  - `layers`, in the last pass: layer by layer at its own resolution, the output's features
 *    and the style's (the style image and its rotations, stacked) subsampled with one stride
 *    s = ⌈max(h, w)/64⌉ (so the longer side keeps at most 64 samples) and a random offset
 *    drawn each iteration, the same for both; each output sample's distance to its nearest
 *    style sample under the centred cosine distance, averaged; summed over the layers:
 *        Σ_l mean_i min_j [1 − cos(o_i − ō, s_j − s̄)]
 *    The minimum is taken through its argument: j*(i) = argmax_j of the cosine (no
 *    gradient), then 1 − cos(o_i, s_j*) — the same value and gradient, and each layer's
 *    m × n similarity matrix is freed as soon as its argmax is known.
 *    With content masks, a sample may only match style samples of its own region (the
 *    regions' ids ride along as maps, cut with the same stride and offset).
 */
import { GraphBuilder } from '../../graph/builder.js';
import { defineTerm } from '../../losses/types.js';
import { layerSize } from '../../network/geometry.js';
import { addHypercolumns, HYPERCOLUMN_LAYERS } from './hypercolumns.js';

/** Graph input names of the two terms' per-scale and per-iteration values. */
export const nnstInputs = {
  target: 'nnst_target',
  styleMap: (layer: string) => `nnst_style_${layer}`,
  /** Region ids at the layer's resolution: the output's and the stacked style's (−1 outside every region). */
  outputRegions: (layer: string) => `nnst_output_regions_${layer}`,
  styleRegions: (layer: string) => `nnst_style_regions_${layer}`,
  /** [stride, offset along height, offset along width] for this iteration, per layer. */
  sampling: (layer: string) => `nnst_sampling_${layer}`,
};

/** The longest side a layer's map keeps after subsampling. */
export const MATCH_SIDE = 64;

/**
 * Stride for a map of h × w: ⌈max/64⌉, so the samples' longer side is at most 64. (The
 * authors' code takes ⌊max/64⌋: the same at sizes that are multiples of 64, but a 96-wide
 * map keeps all 96 columns and its distance matrix is 2.25² times larger.)
 */
export function matchStride(h: number, w: number): number {
  return Math.max(1, Math.ceil(Math.max(h, w) / MATCH_SIDE));
}

/** v / √clamp(Σ_c v², 1e-8, 1e8) over axis 1 of [1, C, h, w] (the authors' get_feat_norms). */
function unit(g: GraphBuilder, v: string): string {
  const squares = g.op('ReduceSum', [g.op('Mul', [v, v]), g.constantI64([1])], { keepdims: 1 });
  return g.op('Div', [v, g.op('Sqrt', [g.op('Clip', [squares, g.constant(1e-8), g.constant(1e8)])])]);
}

export const hypercolumnTerm = defineTerm({
  name: 'hypercolumn',
  label: 'Hypercolumns',
  options: [
    {
      key: 'hypercolumnWeight',
      kind: { type: 'number', min: 0 },
      default: 1,
      label: 'Hypercolumn weight',
      help: "NNST: weight of the loss between the output's hypercolumns and their nearest style neighbours (at each scale).",
      group: 'Optimisation',
      scope: 'stylize',
      objective: true,
      valueName: '<w>',
    },
  ],
  weight: 'hypercolumnWeight',
  layers: () => [...HYPERCOLUMN_LAYERS],
  inputs: () => [{ name: nnstInputs.target, dims: [1, 'C_hypercolumn', 'h_hypercolumn', 'w_hypercolumn'], per: 'run' }],
  loss: (b) => {
    const { g } = b;
    const h = unit(g, addHypercolumns(g, b.image, (l) => b.feature(l), (l) => b.channels(l)));
    const cos = g.op('ReduceSum', [g.op('Mul', [b.input(nnstInputs.target), h]), g.constantI64([1])], { keepdims: 0 });
    return g.op('ReduceMean', [g.op('Sub', [g.constant(1), cos])], { keepdims: 0 });
  },
});

/**
 * [C, n] samples of a map [1, C, h, w]: every `stride`-th row and column from the offsets,
 * gathered by index (the indices come from the map's shape and the sampling input, so they
 * carry no gradient; the Gather's rule scatters the samples' gradient back).
 */
function samples(g: GraphBuilder, map: string, channels: number, sampling: string): string {
  const scalar = (v: string, i: number) => g.op('Gather', [v, g.constantI64([i], [])], { axis: 0 });
  const shape = g.op('Shape', [map]);
  const [stride, rowStart, colStart] = [0, 1, 2].map((i) => scalar(sampling, i)) as [string, string, string];
  const rows = g.op('Range', [rowStart, scalar(shape, 2), stride]);
  const cols = g.op('Range', [colStart, scalar(shape, 3), stride]);
  const width = scalar(shape, 3);
  const index = g.op('Add', [g.op('Mul', [g.op('Unsqueeze', [rows, g.constantI64([1])]), width]), g.op('Unsqueeze', [cols, g.constantI64([0])])]);
  const flat = g.op('Reshape', [map, g.constantI64([channels, -1])]);
  return g.op('Gather', [flat, g.op('Reshape', [index, g.constantI64([-1])])], { axis: 1 });
}

/** Columns centred on their mean and scaled to unit length. */
function centredUnitColumns(g: GraphBuilder, v: string): string {
  const centred = g.op('Sub', [v, g.op('ReduceMean', [v], { axes: [1], keepdims: 1 })]);
  const norm = g.op('Sqrt', [g.op('Add', [g.op('ReduceSum', [g.op('Mul', [centred, centred]), g.constantI64([0])], { keepdims: 1 }), g.constant(1e-12)])]);
  return g.op('Div', [centred, norm]);
}

export const layerMatchTerm = defineTerm({
  name: 'layers',
  label: 'Layer matches',
  options: [
    {
      key: 'layerMatchWeight',
      kind: { type: 'number', min: 0 },
      default: 1,
      label: 'Layer-match weight',
      help: "NNST: weight of the last pass's loss, each layer's output samples against their nearest style samples.",
      group: 'Optimisation',
      scope: 'stylize',
      objective: true,
      valueName: '<w>',
    },
  ],
  weight: 'layerMatchWeight',
  layers: () => [...HYPERCOLUMN_LAYERS],
  inputs: (_o, run) =>
    HYPERCOLUMN_LAYERS.flatMap((l) => [
      { name: nnstInputs.styleMap(l), dims: [1, `C_${l}`, `hs_${l}`, `ws_${l}`], per: 'run' as const },
      { name: nnstInputs.sampling(l), dims: [3], per: 'iteration' as const, elemType: 'int64' as const },
      ...(run.masked
        ? [
            { name: nnstInputs.outputRegions(l), dims: [1, 1, 'H', 'W'].map((d) => (d === 'H' ? `h_${l}` : d === 'W' ? `w_${l}` : d)), per: 'run' as const },
            { name: nnstInputs.styleRegions(l), dims: [1, 1, `hs_${l}`, `ws_${l}`], per: 'run' as const },
          ]
        : []),
    ]),
  // The stride follows the output's map at each layer; the offsets are drawn anew.
  iterationFeeds: (ctx) => {
    const out: Record<string, { dims: number[]; data: BigInt64Array }> = {};
    for (const l of HYPERCOLUMN_LAYERS) {
      const { width, height } = layerSize(ctx.table, l, ctx.width, ctx.height);
      const s = matchStride(height, width);
      const [a, b] = [Math.floor(ctx.random.next() * s), Math.floor(ctx.random.next() * s)];
      out[nnstInputs.sampling(l)] = { dims: [3], data: BigInt64Array.of(BigInt(s), BigInt(a), BigInt(b)) };
    }
    return out;
  },
  loss: (b) => {
    const { g } = b;
    const perLayer = HYPERCOLUMN_LAYERS.map((l) => {
      const c = b.channels(l);
      const sampling = b.input(nnstInputs.sampling(l));
      const o = centredUnitColumns(g, samples(g, b.feature(l), c, sampling));
      const s = centredUnitColumns(g, samples(g, b.input(nnstInputs.styleMap(l)), c, sampling));
      let similarity = g.op('MatMul', [g.op('Transpose', [s], { perm: [1, 0] }), o]); // [m, n]
      if (b.run.masked) {
        const ids = (name: string) => samples(g, b.input(name), 1, sampling);
        const same = g.op('Equal', [g.op('Transpose', [ids(nnstInputs.styleRegions(l))], { perm: [1, 0] }), ids(nnstInputs.outputRegions(l))]);
        similarity = g.op('Where', [same, similarity, g.constant(-2)]);
      }
      const nearest = g.op('ArgMax', [similarity], { axis: 0, keepdims: 0 });
      const matched = g.op('Gather', [s, nearest], { axis: 1 });
      const cos = g.op('ReduceSum', [g.op('Mul', [matched, o]), g.constantI64([0])], { keepdims: 0 });
      return g.op('ReduceMean', [g.op('Sub', [g.constant(1), cos])], { keepdims: 0 });
    });
    let total = perLayer[0]!;
    for (const p of perLayer.slice(1)) total = g.op('Add', [total, p]);
    return total;
  },
});
