/**
 * How each form of the style loss decomposes over tiles (TermTiling 'statistic'): every
 * statistic it compares is a sum over feature positions, so a tile contributes its
 * interior's pieces and the loss is taken once, from the whole image's sums.
 *   gram:   one piece, F Fᵀ;                     G = ΣP / (C·h·w)
 *   masked: one piece per region r, (F⊙m_r)(F⊙m_r)ᵀ, m_r the tile's crop of the whole
 *           image's mask at the layer;            G_r = ΣP_r / (C·Σ m_r²)  (the fed count)
 *   w2:     Σ F (= F·1) and F Fᵀ;                  μ = ΣP₀ / (h·w),  S = ΣP₁ / (h·w)
 */
import type { GraphBuilder } from '../graph/builder.js';
import { flatFeature, selfProduct } from './gram.js';
import { layerWeights } from './layer-weights.js';
import { regionInputs } from './style-inputs.js';
import { addSum } from './sum.js';
import type { TermOptions, TermTiling } from './types.js';
import { addW2LossOfMoments } from './w2.js';

/** mean((G − A)²) over the C × C entries. */
export function addGramLoss(g: GraphBuilder, gram: string, targetGram: string): string {
  const diff = g.op('Sub', [gram, targetGram]);
  return g.op('ReduceMean', [g.op('Mul', [diff, diff])], { keepdims: 0 });
}

/**
 * b_r · mean((G_r − A_r)²): region r's guided Gram against its own of the stacked [S, C, C]
 * targets, times its fed weight b_r (0 where the region is empty at this layer). The
 * untiled loss and the tiles' reduce graph both end in it.
 */
export function addRegionLoss(g: GraphBuilder, gram: string, stacked: string, r: number, channels: number, weight: string): string {
  const own = g.op('Reshape', [g.op('Slice', [stacked, g.constantI64([r]), g.constantI64([r + 1]), g.constantI64([0])]), g.constantI64([channels, channels])]);
  return g.op('Mul', [addGramLoss(g, gram, own), weight]);
}

const styleLayerWeights = (o: TermOptions, layers: readonly string[]) => layerWeights(o.styleLayerWeights as number[] | undefined, layers);

export const gramTiling: TermTiling = {
  kind: 'statistic',
  pieces: (c) => [[c, c]],
  partial: (b, feature) => [selfProduct(b.g, flatFeature(b.g, feature, b.channels))],
  loss: (b, [sum], target) => addGramLoss(b.g, b.g.op('Mul', [sum!, b.perElement]), target),
  targets: 'elements',
  layerWeights: styleLayerWeights,
};

/** Content masks: one guided Gram per region, against that style's own (stacked [S, C, C]) target. */
export function regionsTiling(styles: number): TermTiling {
  const regions = Array.from({ length: styles }, (_, r) => r);
  return {
    kind: 'statistic',
    pieces: (c) => regions.map(() => [c, c]),
    partial: (b, feature) => {
      const f = flatFeature(b.g, feature, b.channels);
      return regions.map((r) => selfProduct(b.g, b.g.op('Mul', [f, b.crop(regionInputs.mask(r, b.layer), 1)])));
    },
    loss: (b, sums, stacked) => {
      const { g, layer } = b;
      return addSum(
        g,
        regions.map((r) => {
          const gram = g.op('Div', [sums[r]!, b.input(regionInputs.count(r, layer), [])]);
          return addRegionLoss(g, gram, stacked, r, b.channels, b.input(regionInputs.weight(r, layer), []));
        }),
      );
    },
    // Style targets of a masked run are guided Grams under each style's own style mask: made whole.
    layerWeights: styleLayerWeights,
  };
}

export const w2Tiling: TermTiling = {
  kind: 'statistic',
  pieces: (c) => [[c, 1], [c, c]],
  partial: (b, feature) => {
    const { g } = b;
    const f = flatFeature(g, feature, b.channels);
    // F·1 with 1 the tile's n ones, shaped from F (a shape carries no gradient); ReduceSum
    // over one axis would need a gradient rule the table does not have.
    const n = g.op('Slice', [g.op('Shape', [f]), g.constantI64([1]), g.constantI64([2]), g.constantI64([0])]);
    const ones = g.op('Expand', [g.constant([1], [1, 1]), g.op('Concat', [n, g.constantI64([1])], { axis: 0 })]);
    return [g.op('MatMul', [f, ones]), selfProduct(g, f)];
  },
  loss: (b, [sum, products], target) =>
    addW2LossOfMoments(b.g, b.g.op('Mul', [sum!, b.perPosition]), b.g.op('Mul', [products!, b.perPosition]), b.channels, target),
  // [Σ F; F Fᵀ] / (h·w) stacked is [μᵀ; S]: the packed moments (a [C, 1] column holds a row's values).
  targets: 'positions',
  layerWeights: styleLayerWeights,
};
