import type { GraphBuilder } from '../graph/builder.js';
import { checkLayerWeights, layerWeights, layerWeightsOption } from './layer-weights.js';
import { addSum, weighted } from './sum.js';
import { layersOption, weightOption } from './term-options.js';
import { contentSource } from './target-sources.js';
import { defineTerm, type Statistic } from './types.js';

/** (F − P)² per element. */
function squaredError(g: GraphBuilder, feature: string, target: string): string {
  const diff = g.op('Sub', [feature, target]);
  return g.op('Mul', [diff, diff]);
}

/** mean((F − P)²): jcjohnson's ContentLoss before its weight. */
export function addContentLoss(g: GraphBuilder, feature: string, target: string): string {
  return g.op('ReduceMean', [squaredError(g, feature, target)], { keepdims: 0 });
}

/** The feature map itself, [1, C, h, w]. */
export const featureMap: Statistic = {
  name: 'feature',
  build: (g, feature) => g.op('Identity', [feature]),
  dims: (channels, layer) => [1, channels, `h_${layer}`, `w_${layer}`],
};

/** content_weight · Σ_l w_l · mean((F_l − P_l)²), P_l the content image's features, w_l the layer weights. */
export const contentTerm = defineTerm({
  name: 'content',
  label: 'Content',
  options: [
    weightOption('contentWeight', 5, 'Content weight', 'Weight of the content loss.'),
    layersOption('contentLayers', ['relu4_2'], 'Content layers', 'Comma-separated layers for the content loss.'),
    layerWeightsOption('contentLayerWeights', 'Content layer weights', 'Comma-separated relative weight per content layer, scaled to sum to the number of layers. Default: equal.'),
  ],
  weight: 'contentWeight',
  layers: (o) => o.contentLayers,
  target: { statistic: featureMap, from: contentSource },
  normalizable: true,
  // The mean is a sum over positions over C·h·w: each tile adds its interior's sum.
  tiling: {
    kind: 'positions',
    sum: (g, feature, target) => g.op('ReduceSum', [squaredError(g, feature, target)], { keepdims: 0 }),
    layerWeights: (o, layers) => layerWeights(o.contentLayerWeights as number[] | undefined, layers),
  },
  check: (o) => checkLayerWeights(o.contentLayerWeights, o.contentLayers, 'contentLayerWeights', 'contentLayers'),
  loss: (b) => {
    const w = layerWeights(b.options.contentLayerWeights, b.layers);
    return addSum(b.g, b.layers.map((l, i) => weighted(b.g, addContentLoss(b.g, b.feature(l), b.target(l)), w[i]!)));
  },
});
