/**
 * Adam (Kingma & Ba) with torch.optim.Adam's update, as neural-style-pt's `-optimizer adam`
 * uses it (jcjohnson's Lua optim.adam computes the same thing):
 *
 *   m ← β₁·m + (1−β₁)·g          v ← β₂·v + (1−β₂)·g²
 *   x ← x − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 *
 * No weight decay, no AMSGrad. The loss is not used; `step` never stops on its own.
 */
import { UsageError } from '../errors.js';
import { StateReader } from './state-fields.js';
import type { Optimizer, OptimizerState } from './types.js';

export interface AdamOptions {
  /** Step size. The CLI's default is 10 (pixels are in 0…255 there); no default here. */
  lr: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
}

export interface AdamState extends OptimizerState {
  readonly kind: 'adam';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Steps taken (torch's `step`), the exponent of the bias corrections. */
  readonly stepCount: number;
  /** First moment; null before the first step. */
  readonly m: Float32Array | null;
  /** Second moment; null before the first step. */
  readonly v: Float32Array | null;
}

export class Adam implements Optimizer {
  readonly kind = 'adam' as const;
  /** Adam never stops by itself; the caller decides how many steps to take. */
  readonly stopped = false;

  private lr: number;
  private beta1: number;
  private beta2: number;
  private eps: number;
  private stepCount = 0;
  private m: Float32Array | null = null;
  private v: Float32Array | null = null;

  constructor(options: AdamOptions) {
    const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = options;
    if (!(Number.isFinite(lr) && lr > 0)) {
      throw new UsageError(`Adam learning rate must be a finite number > 0, got ${lr}`);
    }
    for (const [name, b] of [['beta1', beta1], ['beta2', beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new UsageError(`Adam ${name} must be in [0, 1), got ${b}`);
    }
    if (!(Number.isFinite(eps) && eps >= 0)) throw new UsageError(`Adam eps must be a finite number ≥ 0, got ${eps}`);
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
  }

  step(x: Float32Array, _loss: number, grad: Float32Array): boolean {
    const n = x.length;
    if (grad.length !== n) {
      throw new RangeError(`Adam step: x has ${n} elements but the gradient has ${grad.length}`);
    }
    if (this.m !== null && this.m.length !== n) {
      throw new RangeError(`Adam step: x has ${n} elements but earlier steps had ${this.m.length}`);
    }
    const m = (this.m ??= new Float32Array(n));
    const v = (this.v ??= new Float32Array(n));
    this.stepCount += 1;
    const t = this.stepCount;

    // Scalars as torch's float32 kernels see them.
    const b1 = Math.fround(this.beta1);
    const b2 = Math.fround(this.beta2);
    const a1 = Math.fround(1 - this.beta1);
    const a2 = Math.fround(1 - this.beta2);
    const stepSize = this.lr / (1 - this.beta1 ** t);
    const bc2Sqrt = Math.fround(Math.sqrt(1 - this.beta2 ** t));
    const negStep = Math.fround(-stepSize);
    const eps = Math.fround(this.eps);

    for (let i = 0; i < n; i++) {
      const g = grad[i]!;
      // Each Math.fround is one float32 tensor op in torch (mul_, add_, addcmul_, sqrt, div, add_).
      const mi = Math.fround(Math.fround(m[i]! * b1) + a1 * g);
      const vi = Math.fround(Math.fround(v[i]! * b2) + Math.fround(a2 * g) * g);
      m[i] = mi;
      v[i] = vi;
      const denom = Math.fround(Math.fround(Math.fround(Math.sqrt(vi)) / bc2Sqrt) + eps);
      x[i] = x[i]! + negStep * Math.fround(mi / denom);
    }
    return true;
  }

  getState(): AdamState {
    return {
      kind: 'adam',
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      stepCount: this.stepCount,
      m: this.m ? this.m.slice() : null,
      v: this.v ? this.v.slice() : null,
    };
  }

  setState(state: OptimizerState): void {
    const r = new StateReader(state, 'adam');
    const lr = r.number('lr');
    const beta1 = r.number('beta1');
    const beta2 = r.number('beta2');
    const eps = r.number('eps');
    const stepCount = r.integer('stepCount', 0);
    const m = r.vector('m', null, true);
    const v = r.vector('v', m === null ? null : m.length, true);
    if ((m === null) !== (v === null)) r.fail('v', 'null exactly when m is null', state['v']);
    if ((m === null) !== (stepCount === 0)) r.fail('m', stepCount === 0 ? 'null before the first step' : 'a Float32Array', state['m']);
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.stepCount = stepCount;
    this.m = m;
    this.v = v;
  }
}
