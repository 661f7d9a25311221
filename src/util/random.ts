/**
 * Seeded pseudo-random numbers, identical on every platform, so a `--seed` reproduces a
 * run byte for byte. mulberry32: tiny, fast, good enough for noise images and weights.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /**
   * A generator of its own for one use within a run (a term's draws at one iteration),
   * seeded from the run's seed and names: the same draws whenever the same run reaches the
   * same point, which is what makes a resumed run equal the uninterrupted one.
   */
  static derived(seed: number, ...parts: Array<string | number>): Rng {
    // FNV-1a over the seed and the parts.
    let h = 0x811c9dc5;
    for (const ch of [seed, ...parts].join('\u0000')) {
      h ^= ch.charCodeAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return new Rng(h);
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
