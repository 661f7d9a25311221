/**
 * RMSprop (Tieleman & Hinton) with torch.optim.RMSprop's update at its defaults: not
 * centred, no momentum, no weight decay.
 *
 *   v ← α·v + (1−α)·g²          x ← x − lr · g / (√v + ε)
 *
 * No bias correction (unlike Adam): v starts at 0, so the first step is lr/√(1−α) per
 * pixel (10·lr at α = 0.99) and later steps settle towards lr. The loss is not used; `step`
 * never stops on its own.
 *
 * The arithmetic is torch 2.13's `_single_tensor_rmsprop` on a float32 CPU tensor, one
 * Math.fround per tensor op (see `step`). Checked in torch on 2·10⁵ random elements: with
 * torch's own sqrt put in, v and x agree bit for bit. The sqrt itself cannot be mirrored:
 * torch's vectorised float32 sqrt (AVX-512 build) is within one ulp, not correctly rounded
 * (17% of its results differ by one ulp from Math.sqrt's), so on the fixtures 91% of the
 * coordinates of single steps are bit-identical and the rest differ by a rounding of the
 * step; losses agree within 3e-7 relative over 30 steps.
 */
import { UsageError } from '../errors.js';
import { StateReader } from './state-fields.js';
import type { Optimizer, OptimizerState } from './types.js';

export interface RmspropOptions {
  /** Step size; no default here (the CLI's learning rate, default 10, is in 0…255 units). */
  lr: number;
  /** Decay of the square average (torch `alpha`). Default 0.99. */
  alpha?: number;
  /** Added to √v (torch `eps`). Default 1e-8. */
  eps?: number;
}

export interface RmspropState extends OptimizerState {
  readonly kind: 'rmsprop';
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  /** Steps taken (torch's `step`); the update does not use it. */
  readonly stepCount: number;
  /** Running average of g² (torch's `square_avg`); null before the first step. */
  readonly squareAvg: Float32Array | null;
}

export class Rmsprop implements Optimizer {
  readonly kind = 'rmsprop' as const;
  /** RMSprop never stops by itself; the caller decides how many steps to take. */
  readonly stopped = false;

  private lr: number;
  private alpha: number;
  private eps: number;
  private stepCount = 0;
  private squareAvg: Float32Array | null = null;

  constructor(options: RmspropOptions) {
    const { lr, alpha = 0.99, eps = 1e-8 } = options;
    if (!(Number.isFinite(lr) && lr > 0)) throw new UsageError(`RMSprop learning rate must be a finite number > 0, got ${lr}`);
    if (!(alpha >= 0 && alpha < 1)) throw new UsageError(`RMSprop alpha must be in [0, 1), got ${alpha}`);
    if (!(Number.isFinite(eps) && eps >= 0)) throw new UsageError(`RMSprop eps must be a finite number ≥ 0, got ${eps}`);
    this.lr = lr;
    this.alpha = alpha;
    this.eps = eps;
  }

  step(x: Float32Array, _loss: number, grad: Float32Array): boolean {
    const n = x.length;
    if (grad.length !== n) {
      throw new RangeError(`RMSprop step: x has ${n} elements but the gradient has ${grad.length}`);
    }
    if (this.squareAvg !== null && this.squareAvg.length !== n) {
      throw new RangeError(`RMSprop step: x has ${n} elements but earlier steps had ${this.squareAvg.length}`);
    }
    const v = (this.squareAvg ??= new Float32Array(n));
    this.stepCount += 1;

    // Scalars as torch's float32 kernels see them (Python floats cast to float).
    const alpha = Math.fround(this.alpha);
    const oneMinusAlpha = Math.fround(1 - this.alpha);
    const eps = Math.fround(this.eps);
    const negLr = Math.fround(-this.lr);

    for (let i = 0; i < n; i++) {
      const g = grad[i]!;
      // square_avg.mul_(alpha).addcmul_(g, g, value=1−α): torch's addcmul rounds value·g,
      // then adds (value·g)·g to the product with one rounding (measured: 0 of 10⁶ differ).
      const vi = Math.fround(Math.fround(v[i]! * alpha) + Math.fround(oneMinusAlpha * g) * g);
      v[i] = vi;
      // avg = square_avg.sqrt().add_(eps)
      const avg = Math.fround(Math.fround(Math.sqrt(vi)) + eps);
      // param.addcdiv_(g, avg, value=−lr): torch computes x + ((value·g) / avg), in that order.
      x[i] = x[i]! + Math.fround(Math.fround(negLr * g) / avg);
    }
    return true;
  }

  getState(): RmspropState {
    return {
      kind: 'rmsprop',
      lr: this.lr,
      alpha: this.alpha,
      eps: this.eps,
      stepCount: this.stepCount,
      squareAvg: this.squareAvg ? this.squareAvg.slice() : null,
    };
  }

  setState(state: OptimizerState): void {
    const r = new StateReader(state, 'rmsprop');
    const lr = r.number('lr');
    const alpha = r.number('alpha');
    const eps = r.number('eps');
    const stepCount = r.integer('stepCount', 0);
    const squareAvg = r.vector('squareAvg', null, true);
    if ((squareAvg === null) !== (stepCount === 0)) {
      r.fail('squareAvg', stepCount === 0 ? 'null before the first step' : 'a Float32Array', state['squareAvg']);
    }
    if (!(Number.isFinite(lr) && lr > 0)) r.fail('lr', 'a finite number > 0', lr);
    if (!(alpha >= 0 && alpha < 1)) r.fail('alpha', 'a number in [0, 1)', alpha);
    if (!(Number.isFinite(eps) && eps >= 0)) r.fail('eps', 'a finite number ≥ 0', eps);
    this.lr = lr;
    this.alpha = alpha;
    this.eps = eps;
    this.stepCount = stepCount;
    this.squareAvg = squareAvg;
  }
}

