import type { BackwardFn } from '../builder.js';

/** One op's gradient: `{ opType, backward }`, listed in the table in index.ts. */
export interface GradientRule {
  opType: string;
  backward: BackwardFn;
}
