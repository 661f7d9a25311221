import type { GraphBuilder } from '../graph/builder.js';

/** mean((F − P)²): jcjohnson's ContentLoss before its weight. */
export function addContentLoss(g: GraphBuilder, feature: string, target: string): string {
  const diff = g.op('Sub', [feature, target]);
  return g.op('ReduceMean', [g.op('Mul', [diff, diff])], { keepdims: 0 });
}
