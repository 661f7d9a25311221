import type { GraphBuilder } from '../graph/builder.js';

/**
 * jcjohnson's --normalize_gradients: each loss module divides the gradient it sends back
 * by that gradient's L1 norm (before applying its weight). Forward this is an identity
 * placed between a feature and one loss term, so the gradient arriving at it is exactly
 * that term's: dY = w·g, and w·g/(‖g‖₁ + 1e-8) = dY / (‖dY‖₁/w + 1e-8).
 */
export function withNormalizedGradient(g: GraphBuilder, feature: string, weight: number): string {
  return g.customGradient(feature, (ctx, dY) => {
    const l1 = ctx.g.op('ReduceSum', [ctx.g.op('Abs', [dY])], { keepdims: 0 });
    const scale = ctx.g.op('Add', [ctx.g.op('Div', [l1, ctx.g.constant(weight)]), ctx.g.constant(1e-8)]);
    return ctx.g.op('Div', [dY, scale]);
  });
}
