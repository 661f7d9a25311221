import type { Evaluation } from '../../runtime/objective.js';
import type { LoopObserver } from '../loop.js';

/** The iterate with the lowest loss so far (the seed project returned it rather than the last). */
export class KeepBest implements LoopObserver {
  best: { loss: number; x: Float32Array } | null;

  constructor(resume?: { loss: number; x: Float32Array } | null) {
    this.best = resume ? { loss: resume.loss, x: Float32Array.from(resume.x) } : null;
  }

  evaluated(_iteration: number, x: Float32Array, e: Evaluation): void {
    if (!this.best || e.loss < this.best.loss) this.best = { loss: e.loss, x: Float32Array.from(x) };
  }

  state(): { loss: number; x: Float32Array } | null {
    return this.best ? { loss: this.best.loss, x: Float32Array.from(this.best.x) } : null;
  }
}
