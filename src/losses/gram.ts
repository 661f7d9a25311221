/**
 * Gram matrices, plain and guided (Gatys et al. 2017, "Controlling Perceptual Factors"):
 *   G   = F·Fᵀ / (C·N)
 *   G_m = F·diag(m²)·Fᵀ / (C·Σ_k m_k²) = (F ⊙ m)(F ⊙ m)ᵀ / (C·Σ m²)
 * with F the layer's activation as C × N and m the mask at that layer. With m = 1 every
 * step of G_m computes exactly the values of G (F ⊙ 1 = F, Σ 1 = N), so an all-white mask
 * gives the unmasked numbers bit for bit.
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../models/types.js';
import { fullMask, maskAtLayer, resizeMask, sumOfSquares, type Mask, type MaskMode } from '../masks/index.js';
import type { LayerTable } from '../models/types.js';
import type { Statistic } from './types.js';

/** The feature map (batch 1) as C × N. */
export function flatFeature(g: GraphBuilder, feature: string, channels: number): string {
  return g.op('Reshape', [feature, g.constantI64([channels, -1])]);
}

/** f fᵀ, in the one form the MatMul gradient rule recognises as a Gram product (one product back, not two). */
export function selfProduct(g: GraphBuilder, f: string): string {
  return g.op('MatMul', [f, g.op('Transpose', [f], { perm: [1, 0] })]);
}

/** G = F Fᵀ / (C·H·W), with F the feature map (batch 1) reshaped to C × HW. */
export function addGram(g: GraphBuilder, feature: string, channels: number): string {
  const product = selfProduct(g, flatFeature(g, feature, channels));
  // C·H·W from the runtime shape: spatial sizes are symbolic.
  const count = g.op('ReduceProd', [g.op('Cast', [g.op('Shape', [feature])], { to: 1 })], { keepdims: 0 });
  return g.op('Div', [product, count]);
}

/**
 * G_m with `mask` a graph value [1, N] holding m at this layer and `count` a scalar
 * holding C·Σ m² (fed, so an empty layer mask can be fed count 1 instead of 0 → 0/0).
 */
export function addGuidedGram(g: GraphBuilder, feature: string, channels: number, mask: string, count: string): string {
  const f = g.op('Mul', [flatFeature(g, feature, channels), mask]);
  return g.op('Div', [selfProduct(g, f), count]);
}

/** The values that feed addGuidedGram for one mask at one layer: m [1, N] and C·Σm² (1 when empty). */
export function guidedGramFeeds(mask: Mask, table: LayerTable, layer: string, mode: MaskMode, channels: number): { mask: Tensor; count: Tensor; empty: boolean } {
  const m = maskAtLayer(mask, table, layer, mode);
  const total = sumOfSquares(m);
  return {
    mask: { dims: [1, m.data.length], data: m.data },
    count: { dims: [], data: Float32Array.of(total > 0 ? channels * total : 1) },
    empty: total === 0,
  };
}

export const gramMatrix: Statistic = {
  name: 'gram',
  build: addGram,
  dims: (channels) => [channels, channels],
};

/** The guided Gram of a style image under its style mask (the whole image when it has none). */
export const guidedGramMatrix: Statistic = {
  name: 'guided-gram',
  build: (g, feature, channels, ctx) =>
    addGuidedGram(g, feature, channels, ctx!.input('mask', [1, `n_${ctx!.layer}`]), ctx!.input('count', [])),
  dims: (channels) => [channels, channels],
  // (F ⊙ m)(F ⊙ m)ᵀ is a sum over positions and C·Σ m² is the whole image's: tiles add up.
  additive: { perPosition: ['mask'] },
  feeds: (ctx) => {
    const mask = ctx.mask ? resizeMask(ctx.mask, ctx.width, ctx.height) : fullMask(ctx.width, ctx.height);
    const f = guidedGramFeeds(mask, ctx.table, ctx.layer, (ctx.options.maskMode as MaskMode | undefined) ?? 'simple', ctx.channels);
    return { mask: f.mask, count: f.count };
  },
};
