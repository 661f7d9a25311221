import type { BackwardFn } from '../builder.js';

/** One op's gradient: `{ opType, backward }`, listed in the table in index.ts or registered. */
export interface GradientRule {
  opType: string;
  backward: BackwardFn;
}

/**
 * Rules to use in place of the table's for one `addGradient` call (a bench's variant, a
 * test's recording wrapper): the rule for an op type, or undefined to use the table's.
 */
export type GradientLookup = (opType: string) => BackwardFn | undefined;

/** A lookup from a record of rules by op type. */
export function ruleOverrides(rules: Readonly<Record<string, BackwardFn>>): GradientLookup {
  return (opType) => (Object.hasOwn(rules, opType) ? rules[opType] : undefined);
}
