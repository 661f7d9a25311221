/**
 * Seeded pseudo-random numbers, identical on every platform, so a `--seed` reproduces a
 * run byte for byte. mulberry32: tiny, fast, good enough for noise images and weights.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller; the second value is discarded to keep the stream simple). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Fill an array with normal(0, std) samples. Uses both values of each Box–Muller pair:
   * full-width random VGG19 weights are 20 M samples, and this halves their cost.
   */
  fillNormal(out: Float32Array, std = 1): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      let u = 0;
      while (u === 0) u = this.next();
      const r = Math.sqrt(-2 * Math.log(u)) * std;
      const theta = 2 * Math.PI * this.next();
      out[i] = r * Math.cos(theta);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
    }
    return out;
  }
}
