/**
 * The style term. Its statistic is chosen by `styleLoss`:
 *   gram: style_weight · Σ_l w_l · mean((G_l(x) − A_l)²), A_l the style images' Grams blended
 *   w2:   style_weight · Σ_l w_l · W2_l (crowsonkb; w2.ts)
 * With content masks (Gatys et al. 2017) several styles are regions, not a blend:
 *   style_weight · Σ_l w_l · Σ_r b_r · mean((G_r(x) − A_r)²)
 * with G_r the guided Gram under content mask r and A_r style r's guided Gram under its
 * style mask (gram.ts). w_l are the layer weights (layer-weights.ts), b_r the blend
 * weights normalised to sum 1.
 */
import { msg, opt, UsageError } from '../errors.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { MaskMode } from '../masks/index.js';
import type { Tensor } from '../models/types.js';
import { addGram, addGuidedGram, gramMatrix, guidedGramFeeds, guidedGramMatrix } from './gram.js';
import { checkLayerWeights, layerWeights, layerWeightsOption } from './layer-weights.js';
import { regionInputs } from './style-inputs.js';
import { addGramLoss, addRegionLoss, gramTiling, regionsTiling, w2Tiling } from './style-tiling.js';
import { addSum, weighted } from './sum.js';
import { blendedStyles, stackedStyles } from './target-sources.js';
import { layersOption, weightOption } from './term-options.js';
import { defineTerm, type RunShape, type TermBuild, type TermInput, type TermOptions, type TermTarget } from './types.js';
import { addW2Loss, gaussianMoments, meanVector, w2StyleTarget } from './w2.js';

export { addGram, gramMatrix } from './gram.js';

/** mean((G − A)²) over the C × C Gram entries: jcjohnson's StyleLoss before its weight. */
export function addStyleLoss(g: GraphBuilder, feature: string, targetGram: string, channels: number): string {
  return addGramLoss(g, addGram(g, feature, channels), targetGram);
}

export { addGramLoss } from './style-tiling.js';
export { regionInputs } from './style-inputs.js';

export type StyleLossKind = 'gram' | 'w2';

const styleLossOf = (o: TermOptions) => ((o.styleLoss as StyleLossKind | undefined) ?? 'gram');

function styleTarget(o: TermOptions, run: RunShape): TermTarget {
  if (styleLossOf(o) === 'w2') return { statistic: gaussianMoments, from: blendedStyles, derive: w2StyleTarget };
  return run.masked ? { statistic: guidedGramMatrix, from: stackedStyles } : { statistic: gramMatrix, from: blendedStyles };
}

/** W2's averaging vectors per layer; with content masks, each region's mask, count and weight per layer. */
function styleInputs(o: TermOptions, run: RunShape): TermInput[] {
  const layers = o.styleLayers ?? [];
  if (styleLossOf(o) === 'w2') return layers.map((l) => ({ name: regionInputs.mean(l), dims: [`n_${l}`, 1], per: 'size' }));
  if (!run.masked) return [];
  return layers.flatMap((l) =>
    Array.from({ length: run.styles }, (_, r): TermInput[] => [
      { name: regionInputs.mask(r, l), dims: [1, `n_${l}`], per: 'size' },
      { name: regionInputs.count(r, l), dims: [], per: 'size' },
      { name: regionInputs.weight(r, l), dims: [], per: 'size' },
    ]).flat(),
  );
}

/** Σ_r b_r · mean((G_r − A_r)²) at one layer; b_r (0 where the region is empty at this layer) and the masks are fed. */
function addRegionsLoss(b: TermBuild, layer: string): string {
  const { g } = b;
  const c = b.channels(layer);
  const feature = b.feature(layer);
  const stacked = b.target(layer);
  const regions = Array.from({ length: b.run.styles }, (_, r) => {
    const mask = b.input(regionInputs.mask(r, layer));
    const gram = addGuidedGram(g, feature, c, mask, b.input(regionInputs.count(r, layer)));
    return addRegionLoss(g, gram, stacked, r, c, b.input(regionInputs.weight(r, layer)));
  });
  return addSum(g, regions);
}

function layerLoss(b: TermBuild, layer: string): string {
  if (styleLossOf(b.options) === 'w2') {
    return addW2Loss(b.g, b.feature(layer), b.channels(layer), b.target(layer), b.input(regionInputs.mean(layer)));
  }
  if (b.run.masked) return addRegionsLoss(b, layer);
  return addStyleLoss(b.g, b.feature(layer), b.target(layer), b.channels(layer));
}

export const styleTerm = defineTerm({
  name: 'style',
  label: 'Style',
  options: [
    weightOption('styleWeight', 100, 'Style weight', 'Weight of the style loss.'),
    layersOption('styleLayers', ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'], 'Style layers', 'Comma-separated layers for the style loss.'),
    layerWeightsOption('styleLayerWeights', 'Style layer weights', 'Comma-separated relative weight per style layer (e.g. 256,64,16,4,1), scaled to sum to the number of layers. Default: equal.'),
    {
      key: 'styleLoss',
      kind: { type: 'choice', choices: ['gram', 'w2'] },
      default: 'gram',
      label: 'Style statistics',
      help: "gram (Gatys: Gram matrices) or w2 (crowsonkb: Wasserstein-2 distance between the features' Gaussians).",
      group: 'Optimisation',
      scope: 'stylize',
      objective: true,
      valueName: '<kind>',
    },
    {
      key: 'maskMode',
      kind: { type: 'choice', choices: ['simple', 'inside'] },
      default: 'simple',
      label: 'Mask mode',
      help: 'How masks follow the network: simple (average-pooled at each pooling layer) or inside (also eroded, so only units that see nothing outside the region count).',
      group: 'Optimisation',
      scope: 'stylize',
      objective: true,
      valueName: '<mode>',
    },
  ],
  weight: 'styleWeight',
  layers: (o) => o.styleLayers,
  target: styleTarget,
  inputs: styleInputs,
  normalizable: true,
  // Every form's statistics are sums over positions: tiles add up their pieces (style-tiling.ts).
  tiling: (o, run) => (styleLossOf(o) === 'w2' ? w2Tiling : run.masked ? regionsTiling(run.styles) : gramTiling),
  check: (o, run) => {
    checkLayerWeights(o.styleLayerWeights, o.styleLayers, 'styleLayerWeights', 'styleLayers');
    if (styleLossOf(o) === 'w2' && o.normalizeGradients === true) {
      throw new UsageError(msg`${opt('styleLoss')} w2 cannot be combined with ${opt('normalizeGradients')} (it is defined for Gram losses only)`);
    }
    if (styleLossOf(o) === 'w2' && run?.masked) {
      throw new UsageError(msg`content masks work with ${opt('styleLoss')} gram only, not w2`);
    }
  },
  feeds: (ctx) => {
    const o = ctx.options;
    const layers = o.styleLayers;
    const out: Record<string, Tensor> = {};
    if (styleLossOf(o) === 'w2') {
      for (const l of layers) out[regionInputs.mean(l)] = meanVector(ctx.table, l, ctx.width, ctx.height);
      return out;
    }
    if (!ctx.run.masked) return out;
    const masks = ctx.contentMasks;
    if (!masks || masks.length !== ctx.run.styles) throw new Error(`a masked objective needs ${ctx.run.styles} content masks, got ${masks?.length ?? 0}`);
    const blend = o.styleBlendWeights ?? masks.map(() => 1);
    const total = blend.reduce((a, b) => a + b, 0);
    for (const l of layers) {
      masks.forEach((m, r) => {
        const f = guidedGramFeeds(m, ctx.table, l, o.maskMode, ctx.channels(l));
        out[regionInputs.mask(r, l)] = f.mask;
        out[regionInputs.count(r, l)] = f.count;
        // A region that vanished at this layer (eroded, or cropped by a pool) adds nothing there.
        out[regionInputs.weight(r, l)] = { dims: [], data: Float32Array.of(f.empty ? 0 : blend[r]! / total) };
      });
    }
    return out;
  },
  loss: (b) => {
    const w = layerWeights(b.options.styleLayerWeights, b.layers);
    return addSum(b.g, b.layers.map((l, i) => weighted(b.g, layerLoss(b, l), w[i]!)));
  },
});
