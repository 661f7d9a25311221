/**
 * Compiled Stylizers kept warm between jobs: compiling the two onnxruntime sessions and
 * the style targets costs seconds (4 s for VGG-19 on 2 cores), a 32 px job a fraction of
 * that, so a worker that sees the same settings again (a batch of product photos, the
 * shots of a video) reuses them. A Stylizer runs one job at a time; with concurrency N a
 * worker keeps at most N idle ones, the least recently used going first.
 */
import type { Stylizer } from '../stylize/stylizer.js';

export class StylizerPool {
  private readonly idle: Array<{ key: string; stylizer: Stylizer }> = [];
  /** Jobs served by a warm Stylizer / by a newly compiled one (for logs and tests). */
  hits = 0;
  misses = 0;

  constructor(private readonly maxIdle: number) {}

  /** An idle Stylizer made for `key` (`warm`), else a new one from `make`. */
  async take(key: string, make: () => Promise<Stylizer>): Promise<{ stylizer: Stylizer; warm: boolean }> {
    const at = this.idle.findIndex((e) => e.key === key);
    if (at >= 0) {
      this.hits++;
      return { stylizer: this.idle.splice(at, 1)[0]!.stylizer, warm: true };
    }
    this.misses++;
    return { stylizer: await make(), warm: false };
  }

  async give(key: string, stylizer: Stylizer): Promise<void> {
    this.idle.push({ key, stylizer });
    while (this.idle.length > this.maxIdle) await this.idle.shift()!.stylizer.release();
  }

  async release(): Promise<void> {
    await Promise.allSettled(this.idle.splice(0).map((e) => e.stylizer.release()));
  }
}
