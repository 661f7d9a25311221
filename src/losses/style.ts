import type { GraphBuilder } from '../graph/builder.js';
import { addSum } from './sum.js';
import { layersOption, weightOption } from './term-options.js';
import type { LossTerm, Statistic } from './types.js';

/** F Fᵀ, with F the feature map (batch 1) reshaped to C × HW: the Gram matrix before its normalisation. */
export function addGramProduct(g: GraphBuilder, feature: string, channels: number): string {
  const f = g.op('Reshape', [feature, g.constantI64([channels, -1])]);
  return g.op('MatMul', [f, g.op('Transpose', [f], { perm: [1, 0] })]);
}

/** G = F Fᵀ / (C·H·W), with F the feature map (batch 1) reshaped to C × HW. */
export function addGram(g: GraphBuilder, feature: string, channels: number): string {
  const product = addGramProduct(g, feature, channels);
  // C·H·W from the runtime shape: spatial sizes are symbolic.
  const count = g.op('ReduceProd', [g.op('Cast', [g.op('Shape', [feature])], { to: 1 })], { keepdims: 0 });
  return g.op('Div', [product, count]);
}

/** mean((G − A)²) over the C × C Gram entries: jcjohnson's StyleLoss before its weight. */
export function addStyleLoss(g: GraphBuilder, feature: string, targetGram: string, channels: number): string {
  return addGramLoss(g, addGram(g, feature, channels), targetGram);
}

/** mean((G − A)²) from the Gram matrix itself. */
export function addGramLoss(g: GraphBuilder, gram: string, targetGram: string): string {
  const diff = g.op('Sub', [gram, targetGram]);
  return g.op('ReduceMean', [g.op('Mul', [diff, diff])], { keepdims: 0 });
}

export const gramMatrix: Statistic = {
  name: 'gram',
  build: addGram,
  dims: (channels) => [channels, channels],
};

/** style_weight · Σ_l mean((G_l − A_l)²), A_l the style images' Grams blended. */
export const styleTerm: LossTerm = {
  name: 'style',
  label: 'Style',
  options: [
    weightOption('styleWeight', 100, 'Style weight', 'Weight of the style loss.'),
    layersOption('styleLayers', ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'], 'Style layers', 'Comma-separated layers for the style loss.'),
  ],
  weight: (o) => o.styleWeight as number,
  layers: (o) => o.styleLayers as string[],
  target: { statistic: gramMatrix, from: 'style' },
  normalizable: true,
  // The Gram matrix of the whole image is the sum of its tiles' F Fᵀ over C·H·W.
  tiling: { kind: 'statistic', partial: addGramProduct, loss: (g, gram, target) => addGramLoss(g, gram, target) },
  loss: (b) => addSum(b.g, b.layers.map((l) => addStyleLoss(b.g, b.feature(l), b.target(l), b.channels(l)))),
};
