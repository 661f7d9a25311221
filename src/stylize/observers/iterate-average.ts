import type { LoopObserver } from '../loop.js';

/**
 * Bias-corrected exponential moving average of the iterates (crowsonkb's EMA): started
 * with x₀, v ← d·v + (1 − d)·x after each step, shown as v / (1 − d^(t+1)). With it on,
 * what a run shows and returns is the average.
 */
export class IterateAverage implements LoopObserver {
  private readonly value: Float32Array;
  private accum: number;

  constructor(x: Float32Array, private readonly decay: number, resume?: { value: Float32Array; accum: number } | null) {
    if (resume) {
      this.value = Float32Array.from(resume.value);
      this.accum = resume.accum;
    } else {
      this.value = new Float32Array(x.length);
      this.accum = 1;
      this.update(x);
    }
  }

  stepped(_iteration: number, x: Float32Array): void {
    this.update(x);
  }

  update(x: Float32Array): void {
    const d = this.decay;
    this.accum *= d;
    for (let i = 0; i < x.length; i++) this.value[i] = d * this.value[i]! + (1 - d) * x[i]!;
  }

  get(): Float32Array {
    const out = new Float32Array(this.value.length);
    const scale = 1 / (1 - this.accum);
    for (let i = 0; i < out.length; i++) out[i] = this.value[i]! * scale;
    return out;
  }

  state(): { value: Float32Array; accum: number } {
    return { value: Float32Array.from(this.value), accum: this.accum };
  }
}
