import type { GraphBuilder } from '../graph/builder.js';

/** Σ of scalar nodes, left to right (the order fixes the float rounding). */
export function addSum(g: GraphBuilder, values: string[]): string {
  if (values.length === 0) return g.constant(0);
  let total = values[0]!;
  for (const v of values.slice(1)) total = g.op('Add', [total, v]);
  return total;
}

/** loss · w, leaving the node alone when w is 1 (equal layer weights are exactly the unweighted graph). */
export function weighted(g: GraphBuilder, loss: string, w: number): string {
  return w === 1 ? loss : g.op('Mul', [loss, g.constant(w)]);
}
