import type { GraphBuilder } from '../graph/builder.js';
import { weightOption } from './term-options.js';
import type { LossTerm } from './types.js';

const TO_END = 2 ** 62;

/**
 * ½ Σ_{i<H−1, j<W−1} [(x[i,j] − x[i,j+1])² + (x[i,j] − x[i+1,j])²] over every channel:
 * the function whose gradient jcjohnson's TVLoss applies (before its weight).
 */
export function addTotalVariation(g: GraphBuilder, x: string): string {
  const axes = g.constantI64([2, 3]);
  const crop = (startY: number, startX: number, endY: number, endX: number) =>
    g.op('Slice', [x, g.constantI64([startY, startX]), g.constantI64([endY, endX]), axes]);
  const corner = crop(0, 0, -1, -1);
  const right = crop(0, 1, -1, TO_END);
  const below = crop(1, 0, TO_END, -1);
  const dx = g.op('Sub', [corner, right]);
  const dy = g.op('Sub', [corner, below]);
  const sum = g.op('Add', [
    g.op('ReduceSum', [g.op('Mul', [dx, dx])], { keepdims: 0 }),
    g.op('ReduceSum', [g.op('Mul', [dy, dy])], { keepdims: 0 }),
  ]);
  return g.op('Mul', [sum, g.constant(0.5)]);
}

/** tv_weight · TV(x): smoothness on the image itself, no network layer. */
export const tvTerm: LossTerm = {
  name: 'tv',
  label: 'TV',
  options: [weightOption('tvWeight', 1e-3, 'TV weight', 'Weight of the total-variation (smoothness) loss; 0 switches it off.')],
  weight: (o) => o.tvWeight as number,
  layers: () => [],
  // Row i pairs with row i + 1 and the last row starts no pair: bands overlapping by one row add up exactly.
  tiling: { kind: 'rows', overlap: 1 },
  loss: (b) => addTotalVariation(b.g, b.image),
};
