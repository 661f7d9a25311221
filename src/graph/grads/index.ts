/**
 * The table of gradient rules: one small file per op family, one record per op.
 * Add an op by writing its rule next to its siblings and listing it here; the
 * finite-difference test in test/graph/grads.test.ts must cover it.
 */
import type { BackwardFn } from '../builder.js';
import { convGrad } from './conv.js';
import { addGrad, divGrad, identityGrad, mulGrad, negGrad, sqrtGrad, subGrad, sumGrad } from './elementwise.js';
import { matMulGrad, transposeGrad } from './matmul.js';
import { averagePoolGrad, maxPoolGrad } from './pool.js';
import { reduceMeanGrad, reduceSumGrad } from './reduce.js';
import { reluGrad } from './relu.js';
import type { GradientRule } from './rule.js';
import { padGrad, reshapeGrad, sliceGrad } from './shape.js';

const RULES: GradientRule[] = [
  addGrad, sumGrad, subGrad, negGrad, mulGrad, divGrad, sqrtGrad, identityGrad,
  reluGrad, convGrad, maxPoolGrad, averagePoolGrad,
  matMulGrad, transposeGrad, reduceMeanGrad, reduceSumGrad, reshapeGrad, sliceGrad, padGrad,
];

export const GRADIENT_RULES: Record<string, BackwardFn> = Object.fromEntries(RULES.map((r) => [r.opType, r.backward]));

/** Ops whose outputs carry no gradient (shapes, counts, comparisons). */
export const NON_DIFFERENTIABLE = new Set(['Shape', 'Size', 'Equal', 'Greater', 'Less', 'Sign', 'ConstantOfShape', 'ReduceProd']);

export type { GradientRule } from './rule.js';
