/**
 * The table of gradient rules: one small file per op family, one record per op, frozen.
 * Add a built-in op by writing its rule next to its siblings and listing it here (the
 * finite-difference test in test/graph/grads.test.ts must cover it); an op the table does
 * not know can be given a rule from outside with `registerGradient`. To swap a rule for
 * one graph (a bench's variant), pass a lookup to `addGradient` instead of touching
 * anything global.
 */
import { GraphError } from '../../errors.js';
import type { BackwardFn } from '../builder.js';
import { convGrad } from './conv.js';
import {
  absGrad, addGrad, clipGrad, divGrad, expGrad, identityGrad, maxGrad, minGrad, mulGrad, negGrad, powGrad, sqrtGrad, subGrad, sumGrad,
} from './elementwise.js';
import { gatherGrad } from './gather.js';
import { matMulGrad, transposeGrad } from './matmul.js';
import { averagePoolGrad, maxPoolGrad } from './pool.js';
import { reduceMaxGrad, reduceMeanGrad, reduceMinGrad, reduceSumGrad } from './reduce.js';
import { reluGrad } from './relu.js';
import { resizeGrad } from './resize.js';
import type { GradientLookup, GradientRule } from './rule.js';
import { concatGrad, padGrad, reshapeGrad, sliceGrad, squeezeGrad, unsqueezeGrad } from './shape.js';

const RULES: GradientRule[] = [
  addGrad, sumGrad, subGrad, negGrad, mulGrad, divGrad, sqrtGrad, identityGrad, expGrad, absGrad, powGrad, maxGrad, minGrad, clipGrad,
  reluGrad, convGrad, maxPoolGrad, averagePoolGrad, resizeGrad,
  matMulGrad, transposeGrad, reduceMeanGrad, reduceSumGrad, reduceMaxGrad, reduceMinGrad,
  reshapeGrad, sliceGrad, padGrad, concatGrad, unsqueezeGrad, squeezeGrad, gatherGrad,
];

/** The built-in rules by op type. Frozen: swap a rule per call through `addGradient`'s lookup. */
export const GRADIENT_RULES: Readonly<Record<string, BackwardFn>> = Object.freeze(
  Object.fromEntries(RULES.map((r) => [r.opType, r.backward])),
);

/** Ops whose outputs carry no gradient (shapes, counts, comparisons, arg-indices). */
export const NON_DIFFERENTIABLE: ReadonlySet<string> = new Set([
  'Shape', 'Size', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Sign', 'Floor', 'Ceil',
  'Round', 'ConstantOfShape', 'Range', 'ArgMax', 'ArgMin', 'ReduceProd',
]);

const registered = new Map<string, BackwardFn>();

/**
 * Give an op the table has no rule for a gradient (a rule for a custom or newly used op,
 * from outside src/graph). An op that already has one is an error: to use another rule
 * for one graph, pass a lookup to `addGradient`.
 */
export function registerGradient(rule: GradientRule): void {
  const { opType } = rule;
  if (Object.hasOwn(GRADIENT_RULES, opType) || registered.has(opType)) {
    throw new GraphError(`${opType} already has a gradient rule; to use another for one graph, pass a lookup to addGradient`);
  }
  if (NON_DIFFERENTIABLE.has(opType)) throw new GraphError(`${opType} is non-differentiable here (its outputs carry no gradient)`);
  registered.set(opType, rule.backward);
}

/** Remove a rule `registerGradient` added (tests); the built-in table cannot be changed. */
export function unregisterGradient(opType: string): void {
  if (Object.hasOwn(GRADIENT_RULES, opType)) throw new GraphError(`${opType}'s gradient rule is built in and cannot be removed`);
  if (!registered.delete(opType)) throw new GraphError(`${opType} has no registered gradient rule`);
}

/** The rule addGradient uses for an op: the override's, else the table's, else a registered one. */
export function gradientRuleFor(opType: string, overrides?: GradientLookup): BackwardFn | undefined {
  return overrides?.(opType) ?? (Object.hasOwn(GRADIENT_RULES, opType) ? GRADIENT_RULES[opType] : registered.get(opType));
}

export { ruleOverrides, type GradientLookup, type GradientRule } from './rule.js';
