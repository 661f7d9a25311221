import type { Evaluation } from '../../runtime/objective.js';
import type { LoopObserver } from '../loop.js';

/** Converged once an iteration lowers the loss by less than `tolerance` of it: |L_{k−1} − L_k| < tolerance · |L_k|. */
export class Tolerance implements LoopObserver {
  private previous: number | undefined;

  constructor(private readonly tolerance: number) {}

  converged(_iteration: number, e: Evaluation): boolean {
    const stop = this.previous !== undefined && Math.abs(this.previous - e.loss) < this.tolerance * Math.abs(e.loss);
    this.previous = e.loss;
    return stop;
  }
}
