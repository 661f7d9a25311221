import type { GraphBuilder } from '../graph/builder.js';

/** Σ of scalar nodes, left to right (the order fixes the float rounding). */
export function addSum(g: GraphBuilder, values: string[]): string {
  if (values.length === 0) return g.constant(0);
  let total = values[0]!;
  for (const v of values.slice(1)) total = g.op('Add', [total, v]);
  return total;
}
