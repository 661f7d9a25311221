import type { GraphBuilder } from '../graph/builder.js';

/** G = F Fᵀ / (C·H·W), with F the feature map (batch 1) reshaped to C × HW. */
export function addGram(g: GraphBuilder, feature: string, channels: number): string {
  const f = g.op('Reshape', [feature, g.constantI64([channels, -1])]);
  const product = g.op('MatMul', [f, g.op('Transpose', [f], { perm: [1, 0] })]);
  // C·H·W from the runtime shape: spatial sizes are symbolic.
  const count = g.op('ReduceProd', [g.op('Cast', [g.op('Shape', [feature])], { to: 1 })], { keepdims: 0 });
  return g.op('Div', [product, count]);
}

/** mean((G − A)²) over the C × C Gram entries: jcjohnson's StyleLoss before its weight. */
export function addStyleLoss(g: GraphBuilder, feature: string, targetGram: string, channels: number): string {
  const diff = g.op('Sub', [addGram(g, feature, channels), targetGram]);
  return g.op('ReduceMean', [g.op('Mul', [diff, diff])], { keepdims: 0 });
}
