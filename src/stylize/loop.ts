/**
 * The optimisation loop, as Algorithm 1 of the papers has it — evaluate, report, step —
 * and nothing else: what a run also wants along the way (checkpoints, iterate averaging,
 * the best iterate, a tolerance, the last finite image) are observers beside it
 * (observers/), each a few lines that see the loop's events.
 *
 *     x₀ → L(x₀), ∇L(x₀) → report → step → x₁ → … → step → x_N
 *
 * The last point x_N is not evaluated (as torch.optim.LBFGS leaves its last step in the
 * parameters): N steps, N + 1 reports counting iteration 0.
 */
import type { Evaluation } from '../runtime/objective.js';

export interface LoopObserver {
  /** An evaluation at `iteration` (the loss and gradient at x). Throwing ends the run. */
  evaluated?(iteration: number, x: Float32Array, e: Evaluation): void;
  /** Whether the run has gone far enough after this evaluation (a tolerance). */
  converged?(iteration: number, e: Evaluation): boolean;
  /** A step moved x to the point of `iteration`. */
  stepped?(iteration: number, x: Float32Array): void | Promise<void>;
  /** The loop ended at `iteration` (done, converged, stopped by the optimiser or interrupted). */
  ended?(iteration: number, x: Float32Array): void | Promise<void>;
}

export interface LoopInput {
  /** The parameters, moved in place. */
  x: Float32Array;
  /** The iteration x is at (a resumed run's), and the last one to evaluate. */
  first: number;
  last: number;
  evaluate(x: Float32Array, iteration: number): Promise<Evaluation>;
  /** Report the evaluation at `iteration` (progress, previews). */
  report(iteration: number, e: Evaluation): Promise<void>;
  /** Move x to the next point; false when the optimiser has stopped. */
  step(x: Float32Array, e: Evaluation): boolean;
  observers: readonly LoopObserver[];
  signal?: AbortSignal;
}

export interface LoopResult {
  /** The iteration x is at. */
  iteration: number;
  /** The last evaluation, if there was one. */
  last?: Evaluation;
  interrupted: boolean;
}

export async function optimise(input: LoopInput): Promise<LoopResult> {
  const { x, observers, signal } = input;
  let iteration = input.first;
  let last: Evaluation | undefined;
  let interrupted = false;
  for (;;) {
    if (signal?.aborted) {
      interrupted = true;
      break;
    }
    const e = await input.evaluate(x, iteration);
    for (const o of observers) o.evaluated?.(iteration, x, e);
    last = e;
    await input.report(iteration, e);
    if (iteration >= input.last) break;
    if (observers.some((o) => o.converged?.(iteration, e))) break;
    if (!input.step(x, e)) break;
    iteration++;
    for (const o of observers) await o.stepped?.(iteration, x);
  }
  for (const o of observers) await o.ended?.(iteration, x);
  return { iteration, last, interrupted };
}
