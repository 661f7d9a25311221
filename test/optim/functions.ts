/**
 * The test functions of scripts/make-optim-fixtures.py, in TypeScript. The loss is
 * computed in float64 from the float32 point; the gradient is stored as float32.
 */
export type TestFunction = (x: Float32Array, grad: Float32Array) => number;

/** Extended Rosenbrock: Σ over pairs (a, b) = (x[2i], x[2i+1]) of 100 (b − a²)² + (1 − a)². */
export const rosenbrock: TestFunction = (x, grad) => {
  let f = 0;
  for (let i = 0; i + 1 < x.length; i += 2) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const r = b - a * a;
    f += 100 * r * r + (1 - a) * (1 - a);
    grad[i] = -400 * a * r - 2 * (1 - a);
    grad[i + 1] = 200 * r;
  }
  return f;
};

/** Σ |x_i| + 0.05 Σ (i+1) x_i²: piecewise smooth, so some L-BFGS steps see y·s ≤ 1e-10. */
export const absQuadratic: TestFunction = (x, grad) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    f += Math.abs(v) + 0.05 * (i + 1) * v * v;
    grad[i] = Math.sign(v) + 0.1 * (i + 1) * v;
  }
  return f;
};

/** ½ Σ c_i x_i² with condition number `cond`, minimum 0 at the origin. */
export function quadratic(n: number, cond: number): TestFunction {
  const c = Array.from({ length: n }, (_, i) => cond ** (i / Math.max(1, n - 1)));
  return (x, grad) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      f += 0.5 * c[i]! * x[i]! * x[i]!;
      grad[i] = c[i]! * x[i]!;
    }
    return f;
  };
}


export interface Optimizable {
  step(x: Float32Array, loss: number, grad: Float32Array): boolean;
}

/**
 * Evaluate-then-step `steps` times from x (in place), as a caller of an optimiser does;
 * returns the loss at each evaluated point. Stops early when the optimiser does.
 */
export function runSteps(opt: Optimizable, fn: TestFunction, x: Float32Array, steps: number): number[] {
  const grad = new Float32Array(x.length);
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const loss = fn(x, grad);
    losses.push(loss);
    if (!opt.step(x, loss, grad)) break;
  }
  return losses;
}

/** Σ (x_i − c_i)² + 0.5 sin(3 x_i) with c = linspace(−1, 1), plus 0.1 Σ x_i x_{i+1}. */
export const smoothNonconvex: TestFunction = (x, grad) => {
  const n = x.length;
  let f = 0;
  for (let i = 0; i < n; i++) {
    const c = n === 1 ? -1 : -1 + (2 * i) / (n - 1);
    const v = x[i]!;
    f += (v - c) * (v - c) + 0.5 * Math.sin(3 * v);
    let g = 2 * (v - c) + 1.5 * Math.cos(3 * v);
    if (i > 0) g += 0.1 * x[i - 1]!;
    if (i + 1 < n) {
      f += 0.1 * v * x[i + 1]!;
      g += 0.1 * x[i + 1]!;
    }
    grad[i] = g;
  }
  return f;
};

/** Σ (1 + i/10) |x_i − 0.3 i|: piecewise linear, so a step that crosses no kink has y = 0. */
export const weightedAbs: TestFunction = (x, grad) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const w = 1 + 0.1 * i;
    const r = x[i]! - 0.3 * i;
    f += w * Math.abs(r);
    grad[i] = w * Math.sign(r);
  }
  return f;
};

/** By the names scripts/make-optim-fixtures.py uses. */
export const FUNCTIONS: Record<string, TestFunction> = {
  rosenbrock,
  abs_quadratic: absQuadratic,
  smooth_nonconvex: smoothNonconvex,
  weighted_abs: weightedAbs,
};
