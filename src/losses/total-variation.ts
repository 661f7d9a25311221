import type { GraphBuilder } from '../graph/builder.js';
import { weightOption } from './term-options.js';
import { defineTerm } from './types.js';

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

/**
 * crowsonkb's "L2 total variation loss (nine point stencil)" on 0–1 RGB, with the image
 * replicate-padded by one pixel (p):
 *   2 · [ mean(Δ→²)/3 + mean(Δ↓²)/3 + mean(Δ↘²)/12 + mean(Δ↙²)/12 ]
 * Δ→ = p[1:-1, 2:] − p[1:-1, 1:-1], Δ↓ = p[2:, 1:-1] − p[1:-1, 1:-1],
 * Δ↘ = p[1:, 1:] − p[:-1, :-1], Δ↙ = p[1:, :-1] − p[:-1, 1:] (means over every value).
 */
export function addNinePointTotalVariation(g: GraphBuilder, rgb: string): string {
  const p = g.op('Pad', [rgb, g.constantI64([0, 0, 1, 1, 0, 0, 1, 1])], { mode: 'edge' });
  const axes = g.constantI64([2, 3]);
  const crop = (y0: number, y1: number, x0: number, x1: number) => g.op('Slice', [p, g.constantI64([y0, x0]), g.constantI64([y1, x1]), axes]);
  const meanSquare = (a: string, b: string, divisor: number) => {
    const d = g.op('Sub', [a, b]);
    return g.op('Div', [g.op('ReduceMean', [g.op('Mul', [d, d])], { keepdims: 0 }), g.constant(divisor)]);
  };
  const centre = crop(1, -1, 1, -1);
  const parts = [
    meanSquare(crop(1, -1, 2, TO_END), centre, 3),
    meanSquare(crop(2, TO_END, 1, -1), centre, 3),
    meanSquare(crop(1, TO_END, 1, TO_END), crop(0, -1, 0, -1), 12),
    meanSquare(crop(1, TO_END, 0, -1), crop(0, -1, 1, TO_END), 12),
  ];
  return g.op('Mul', [g.op('Add', [g.op('Add', [parts[0]!, parts[1]!]), g.op('Add', [parts[2]!, parts[3]!])]), g.constant(2)]);
}

/** tv_weight · TV(x): smoothness on the image itself, no network layer; `tvStencil` picks whose. */
export const tvTerm = defineTerm({
  name: 'tv',
  label: 'TV',
  options: [
    weightOption('tvWeight', 1e-3, 'TV weight', 'Weight of the total-variation (smoothness) loss; 0 switches it off.'),
    {
      key: 'tvStencil',
      untiled: true,
      kind: { type: 'choice', choices: ['jcjohnson', 'crowsonkb'] },
      default: 'jcjohnson',
      label: 'TV stencil',
      help: "jcjohnson (squared right and down differences of the network input) or crowsonkb (his nine-point stencil on 0–1 RGB, replicate-padded).",
      group: 'Optimisation',
      scope: 'stylize',
      objective: true,
      valueName: '<kind>',
    },
  ],
  weight: 'tvWeight',
  layers: () => [],
  // Row i pairs with row i + 1 and the last row starts no pair: bands overlapping by one row add up exactly.
  tiling: { kind: 'rows', overlap: 1 },
  loss: (b) => (b.options.tvStencil === 'crowsonkb' ? addNinePointTotalVariation(b.g, b.rgb()) : addTotalVariation(b.g, b.image)),
});
