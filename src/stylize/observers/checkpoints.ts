import type { Checkpoint } from '../types.js';
import type { LoopObserver } from '../loop.js';

/**
 * A snapshot every `every` iterations, and one more when the loop ends if it moved since
 * the last: a finished or interrupted run can go on from its last state.
 */
export class Checkpoints implements LoopObserver {
  private saved: number;

  constructor(
    first: number,
    private readonly every: number | undefined,
    private readonly snapshot: (iteration: number, x: Float32Array) => Checkpoint,
    private readonly save: (c: Checkpoint) => void | Promise<void>,
  ) {
    this.saved = first;
  }

  async stepped(iteration: number, x: Float32Array): Promise<void> {
    if (this.every && iteration % this.every === 0) await this.write(iteration, x);
  }

  async ended(iteration: number, x: Float32Array): Promise<void> {
    if (iteration > this.saved) await this.write(iteration, x);
  }

  private async write(iteration: number, x: Float32Array): Promise<void> {
    this.saved = iteration;
    await this.save(this.snapshot(iteration, x));
  }
}
