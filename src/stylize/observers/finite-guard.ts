import { NumericalError } from '../../errors.js';
import type { Evaluation } from '../../runtime/objective.js';
import type { LoopObserver } from '../loop.js';

/**
 * Numbers that blew up end the run — NaN or Inf in the gradient (the objective already
 * refuses a non-finite loss) — and the last point whose evaluation was finite is kept, so
 * the run can hand back its image instead of losing the work.
 */
export class FiniteGuard implements LoopObserver {
  lastGood: Float32Array;
  lastGoodIteration = -1;

  constructor(x: Float32Array) {
    this.lastGood = Float32Array.from(x);
  }

  evaluated(iteration: number, x: Float32Array, e: Evaluation): void {
    if (!allFinite(e.grad)) throw new NumericalError('the gradient has NaN or Inf values');
    this.lastGood = Float32Array.from(x);
    this.lastGoodIteration = iteration;
  }
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
