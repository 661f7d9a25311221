/**
 * L-BFGS with a fixed step and no line search, exactly as neural-style runs it:
 * jcjohnson/neural-style calls Lua optim.lbfgs{maxIter=N, tolX=-1, tolFun=-1} and
 * neural-style-pt calls torch.optim.LBFGS(max_iter=N, tolerance_grad=-1,
 * tolerance_change=-1, history_size=100, lr=1) once. Both are the same algorithm; this
 * follows torch 1.13's `LBFGS.step` line by line, reshaped into reverse communication:
 * each call of `step` is one pass of its inner loop, between two closure evaluations.
 *
 * Per iteration k (g = ∇f(x_k)):
 *   k = 1: d = −g,  t = min(1, 1/‖g‖₁)·lr
 *   k > 1: y = g − g_prev, s = t_prev·d_prev; if y·s > 1e-10 remember (y, s, 1/y·s) and set
 *          H_diag = y·s / y·y (else keep the history and H_diag as they were);
 *          d = −H·g by the two-loop recursion over the last `historySize` pairs;  t = lr
 *   stop if g·d > −toleranceChange (not a descent direction), else x += t·d.
 * Tolerances of −1 (the default here, as in neural-style) switch every test off except
 * that last one, which then fires only when g·d > 1.
 */
import { UsageError } from '../errors.js';
import { StateReader } from './state-fields.js';
import type { Optimizer, OptimizerState } from './types.js';
import { axpy, axpyDot, axpyScaleDot, curvaturePair, maxAbs, scaleInto, scaleIntoDot, sumAbs } from './vector.js';

export interface LbfgsOptions {
  /** Step length after the first iteration (torch `lr`, Lua `learningRate`). Default 1. */
  lr?: number;
  /** Number of (y, s) correction pairs kept (`-lbfgs_num_correction`; torch `history_size`). Default 100. */
  historySize?: number;
  /** Stop when max|g| ≤ this (torch `tolerance_grad`). Default −1: never. */
  toleranceGrad?: number;
  /** Stop when a step or a loss change is below this, or when g·d > −this (torch `tolerance_change`). Default −1. */
  toleranceChange?: number;
}

export interface LbfgsState extends OptimizerState {
  readonly kind: 'lbfgs';
  readonly lr: number;
  readonly historySize: number;
  readonly toleranceGrad: number;
  readonly toleranceChange: number;
  /** Iterations done (= steps taken that returned true, plus a final stopping one). */
  readonly nIter: number;
  readonly stopped: boolean;
  /** Step length used by the last iteration. */
  readonly t: number;
  readonly hDiag: number;
  readonly prevLoss: number;
  /** Last direction; null before the first step. */
  readonly d: Float32Array | null;
  /** Gradient at the previous iterate; null before the first step. */
  readonly prevGrad: Float32Array | null;
  /** y = g_{k} − g_{k−1} pairs, oldest first (torch `old_dirs`). */
  readonly oldDirs: readonly Float32Array[];
  /** s = x_{k} − x_{k−1} pairs, oldest first (torch `old_stps`). */
  readonly oldStps: readonly Float32Array[];
  /** 1 / (y·s) for each pair. */
  readonly ro: readonly number[];
}

/** Pairs with y·s at or below this are not remembered (keeps the inverse Hessian positive definite). */
const CURVATURE_EPS = 1e-10;

export class Lbfgs implements Optimizer {
  readonly kind = 'lbfgs' as const;

  private lr: number;
  private historySize: number;
  private toleranceGrad: number;
  private toleranceChange: number;

  private nIter = 0;
  private isStopped = false;
  private t = 0;
  private hDiag = 1;
  private prevLoss = 0;
  private d: Float32Array | null = null;
  private prevGrad: Float32Array | null = null;
  private oldDirs: Float32Array[] = [];
  private oldStps: Float32Array[] = [];
  private ro: number[] = [];
  /** Scratch for a (y, s) pair that may be rejected; recycled from dropped history. */
  private spareY: Float32Array | null = null;
  private spareS: Float32Array | null = null;
  private al: Float64Array = new Float64Array(0);

  constructor(options: LbfgsOptions = {}) {
    const { lr = 1, historySize = 100, toleranceGrad = -1, toleranceChange = -1 } = options;
    if (!(Number.isFinite(lr) && lr > 0)) {
      throw new UsageError(`L-BFGS learning rate must be a finite number > 0, got ${lr}`);
    }
    if (!(Number.isInteger(historySize) && historySize >= 1)) {
      throw new UsageError(`L-BFGS history size (number of corrections) must be an integer ≥ 1, got ${historySize}`);
    }
    if (Number.isNaN(toleranceGrad) || Number.isNaN(toleranceChange)) {
      throw new UsageError('L-BFGS tolerances must be numbers (use -1 to switch a test off), got NaN');
    }
    this.lr = lr;
    this.historySize = historySize;
    this.toleranceGrad = toleranceGrad;
    this.toleranceChange = toleranceChange;
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  step(x: Float32Array, loss: number, grad: Float32Array): boolean {
    if (this.isStopped) return false;
    const n = x.length;
    if (grad.length !== n) {
      throw new RangeError(`L-BFGS step: x has ${n} elements but the gradient has ${grad.length}`);
    }
    if (this.prevGrad !== null && this.prevGrad.length !== n) {
      throw new RangeError(`L-BFGS step: x has ${n} elements but earlier steps had ${this.prevGrad.length}`);
    }

    // torch checks these right after evaluating, before the next direction. (A negative
    // tolerance can never be reached, so the passes over the vectors are skipped then.)
    if (this.toleranceGrad >= 0 && maxAbs(grad) <= this.toleranceGrad) return this.stop();
    if (this.nIter > 0 && this.toleranceChange >= 0) {
      if (maxAbs(this.d!) * Math.abs(Math.fround(this.t)) <= this.toleranceChange) return this.stop();
      if (Math.abs(loss - this.prevLoss) < this.toleranceChange) return this.stop();
    }

    this.nIter += 1;
    let d: Float32Array;
    // The directional derivative g·d, taken in the pass that finishes d.
    let gtd: number;
    if (this.nIter === 1) {
      d = this.d = new Float32Array(n);
      gtd = scaleIntoDot(d, -1, grad, grad);
      this.oldDirs = [];
      this.oldStps = [];
      this.ro = [];
      this.hDiag = 1;
      if (this.prevGrad === null) this.prevGrad = grad.slice();
      else this.prevGrad.set(grad);
    } else {
      d = this.d!;
      this.remember(grad, d); // also moves grad into prevGrad
      gtd = this.twoLoop(grad, d);
    }
    this.prevLoss = loss;

    this.t = this.nIter === 1 ? Math.min(1, 1 / sumAbs(grad)) * this.lr : this.lr;

    // With toleranceChange = −1 this stops only when g·d > 1.
    if (gtd > -this.toleranceChange) return this.stop();

    axpy(x, this.t, d);
    return true;
  }

  /**
   * y = g − g_prev, s = t·d, g_prev ← g (one pass); keep the pair if it has positive
   * curvature.
   */
  private remember(grad: Float32Array, d: Float32Array): void {
    const n = grad.length;
    const y = (this.spareY ??= new Float32Array(n));
    const s = (this.spareS ??= new Float32Array(n));
    const { ys, yy } = curvaturePair(y, s, grad, this.prevGrad!, this.t, d);
    if (ys > CURVATURE_EPS) {
      this.spareY = null;
      this.spareS = null;
      if (this.oldDirs.length === this.historySize) {
        // Shift the history by one and recycle the dropped pair's buffers.
        this.spareY = this.oldDirs.shift()!;
        this.spareS = this.oldStps.shift()!;
        this.ro.shift();
      }
      this.oldDirs.push(y);
      this.oldStps.push(s);
      this.ro.push(1 / ys);
      this.hDiag = ys / yy;
    }
  }

  /**
   * d = −H·g, H the L-BFGS inverse Hessian (H₀ = H_diag·I), by the two-loop recursion;
   * overwrites d. Each update of the working vector is fused with the next dot product
   * (see vector.ts); the arithmetic is torch's, step for step:
   *   q = −g;  for i = k−1…0: al_i = ρ_i s_i·q,  q −= al_i y_i
   *   r = H_diag q;  for i = 0…k−1: be_i = ρ_i y_i·r,  r += (al_i − be_i) s_i
   * Returns g·d, fused into the last update.
   */
  private twoLoop(grad: Float32Array, d: Float32Array): number {
    const k = this.oldDirs.length;
    const ys = this.oldDirs;
    const ss = this.oldStps;
    const ro = this.ro;
    const q = d; // the old direction is no longer needed: reuse its buffer
    if (k === 0) {
      scaleInto(q, -1, grad);
      return scaleIntoDot(q, this.hDiag, q, grad);
    }
    if (this.al.length < k) this.al = new Float64Array(this.historySize);
    const al = this.al;
    al[k - 1] = scaleIntoDot(q, -1, grad, ss[k - 1]!) * ro[k - 1]!;
    for (let i = k - 1; i >= 1; i--) {
      al[i - 1] = axpyDot(q, -al[i]!, ys[i]!, ss[i - 1]!) * ro[i - 1]!;
    }
    const r = q;
    let be = axpyScaleDot(q, -al[0]!, ys[0]!, this.hDiag, ys[0]!) * ro[0]!;
    for (let i = 0; i + 1 < k; i++) be = axpyDot(r, al[i]! - be, ss[i]!, ys[i + 1]!) * ro[i + 1]!;
    return axpyDot(r, al[k - 1]! - be, ss[k - 1]!, grad);
  }

  private stop(): false {
    this.isStopped = true;
    return false;
  }

  getState(): LbfgsState {
    return {
      kind: 'lbfgs',
      lr: this.lr,
      historySize: this.historySize,
      toleranceGrad: this.toleranceGrad,
      toleranceChange: this.toleranceChange,
      nIter: this.nIter,
      stopped: this.isStopped,
      t: this.t,
      hDiag: this.hDiag,
      prevLoss: this.prevLoss,
      d: this.d ? this.d.slice() : null,
      prevGrad: this.prevGrad ? this.prevGrad.slice() : null,
      oldDirs: this.oldDirs.map((v) => v.slice()),
      oldStps: this.oldStps.map((v) => v.slice()),
      ro: this.ro.slice(),
    };
  }

  setState(state: OptimizerState): void {
    const r = new StateReader(state, 'lbfgs');
    const lr = r.number('lr');
    const historySize = r.integer('historySize', 1);
    const toleranceGrad = r.number('toleranceGrad');
    const toleranceChange = r.number('toleranceChange');
    const nIter = r.integer('nIter', 0);
    const stopped = r.boolean('stopped');
    const t = r.number('t');
    const hDiag = r.number('hDiag');
    const prevLoss = r.number('prevLoss');
    const prevGrad = r.vector('prevGrad', null, true);
    const n = prevGrad === null ? null : prevGrad.length;
    const d = r.vector('d', n, true);
    const oldDirs = r.vectors('oldDirs', n);
    const oldStps = r.vectors('oldStps', n);
    const ro = r.numbers('ro');
    if ((d === null) !== (prevGrad === null)) r.fail('d', 'null exactly when prevGrad is null', state['d']);
    if (nIter > 0 && d === null) r.fail('d', `a Float32Array after ${nIter} iterations`, null);
    if (oldStps.length !== oldDirs.length) r.fail('oldStps', `an array of ${oldDirs.length} vectors like oldDirs`, state['oldStps']);
    if (ro.length !== oldDirs.length) r.fail('ro', `an array of ${oldDirs.length} numbers like oldDirs`, state['ro']);
    if (oldDirs.length > historySize) r.fail('oldDirs', `at most historySize = ${historySize} vectors`, state['oldDirs']);

    this.lr = lr;
    this.historySize = historySize;
    this.toleranceGrad = toleranceGrad;
    this.toleranceChange = toleranceChange;
    this.nIter = nIter;
    this.isStopped = stopped;
    this.t = t;
    this.hDiag = hDiag;
    this.prevLoss = prevLoss;
    this.d = d;
    this.prevGrad = prevGrad;
    this.oldDirs = oldDirs;
    this.oldStps = oldStps;
    this.ro = ro;
    this.spareY = null;
    this.spareS = null;
    this.al = new Float64Array(0);
  }
}
