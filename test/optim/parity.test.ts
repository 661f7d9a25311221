/**
 * Parity with torch.optim.LBFGS / torch.optim.Adam / torch.optim.RMSprop (float32), on the
 * fixtures written by scripts/make-optim-fixtures.py.
 * Parity with torch.optim.LBFGS / torch.optim.Adam (float32), on the fixtures written by
 * scripts/make-optim-fixtures.py. Two kinds of test:
 *
 * Whole run (every fixture): the loss at every evaluation within 2e-5 relative of torch's.
 * The first 10 evaluations are held to exactly that; from evaluation 10 on the bound is
 * max(2e-5, 3 × the largest relative gap between torch's own float32 and float64 runs up to
 * that evaluation). With the fixtures as committed that widening applies to the two fixed-step
 * L-BFGS Rosenbrock runs, whose trajectory is chaotic (torch float32 vs float64 alone differ
 * by 1–5% late in the run: the bound reaches ~4% and ~16% there), and to the last evaluation
 * of lbfgs-weighted-abs (~5e-5); every other evaluation is held to 2e-5.
 *
 * Single step (the fixtures in STEP_TOLERANCE): from torch's point k, one step must land on
 * torch's point k+1 within that fixture's tolerance times the size of torch's step — 1e-5 to
 * 1e-4, except 2e-3 for lbfgs-rosenbrock-history3 (reason in the table).
 * The fixtures without one are listed in NO_STEP_TEST with the reason, and a test checks
 * that every fixture is in one table or the other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Adam } from '../../src/optim/adam.js';
import { Lbfgs } from '../../src/optim/lbfgs.js';
import { Rmsprop } from '../../src/optim/rmsprop.js';
import type { Optimizer } from '../../src/optim/types.js';
import { FUNCTIONS, runSteps } from './functions.js';

interface Fixture {
  function: string;
  optimizer: 'lbfgs' | 'adam' | 'rmsprop';
  torch: string;
  settings: { lr: number; history_size?: number; alpha?: number };
  steps: number;
  x0: number[];
  losses: number[];
  lossesFloat64: number[];
  xs: number[][];
  xFinal: number[];
}

const dir = fileURLToPath(new URL('../fixtures/optim/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(dir + f, 'utf8')) as Fixture] as const);

function makeOptimizer(fx: Fixture): Optimizer {
  if (fx.optimizer === 'rmsprop') return new Rmsprop({ lr: fx.settings.lr, alpha: fx.settings.alpha! });
  return fx.optimizer === 'lbfgs'
    ? new Lbfgs({ lr: fx.settings.lr, historySize: fx.settings.history_size! })
    : new Adam({ lr: fx.settings.lr });
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);

/** The spacing of float32 values at |v|. */
function ulp(v: number): number {
  const f = new Float32Array([Math.abs(v)]);
  new Int32Array(f.buffer)[0]! += 1;
  return f[0]! - Math.abs(v);
}

/** Largest single-step error allowed, relative to the step torch took, per fixture. */
const STEP_TOLERANCE: Record<string, number> = {
  'lbfgs-rosenbrock': 1e-4,
  // Step 26 jumps to loss 4e8: gradients of 1e5 make the float32 two-loop lose 3 digits there.
  'lbfgs-rosenbrock-history3': 2e-3,
  'lbfgs-abs-quadratic': 1e-5,
  'lbfgs-weighted-abs': 1e-5,
  'adam-rosenbrock': 2e-5,
  'adam-abs-quadratic': 2e-5,
  // RMSprop: torch's float32 sqrt is 1 ulp off in ~17% of elements, which can flip the final
  // rounding of x + step; one ulp of the point is allowed on top (see src/optim/rmsprop.ts).
  'rmsprop-rosenbrock': 2e-5,
  'rmsprop-rosenbrock-lr0.02': 2e-5,
  'rmsprop-abs-quadratic': 2e-5,
  'rmsprop-abs-quadratic-lr0.1': 2e-5,
};

/** Fixtures with no single-step test, and why; their whole-run losses are still compared. */
const NO_STEP_TEST: Record<string, string> = {
  // It converges by step ~16; after that torch's steps are one or two float32 ulps (ours land
  // within 2 ulps), so an error relative to the step's size is 0/0-like and means nothing.
  'lbfgs-smooth-nonconvex': 'steps of a few ulps once converged',
};

describe('parity with torch.optim', () => {
  it('has the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(11);
  });

  // RMSprop's own bar, without the drift allowance: every loss within 1e-5 of torch's.
  // (Measured: ≤ 3e-7; only torch's vectorised sqrt, 1 ulp off, keeps it from 0.)
  const rmsprop = fixtures.filter(([, fx]) => fx.optimizer === 'rmsprop');
  it('has RMSprop fixtures from torch 2.x over ≥ 20 steps, at a stylisation-sized and a larger learning rate', () => {
    expect(rmsprop.length).toBeGreaterThanOrEqual(2);
    for (const [, fx] of rmsprop) {
      expect(fx.torch).toMatch(/^2\./);
      expect(fx.steps).toBeGreaterThanOrEqual(20);
    }
    expect(rmsprop.some(([, fx]) => fx.settings.lr <= 2e-3)).toBe(true);
    expect(rmsprop.some(([, fx]) => fx.settings.lr >= 2e-2)).toBe(true);
  });
  for (const [name, fx] of rmsprop) {
    it(`${name}: every loss within 1e-5 relative of torch.optim.RMSprop's`, () => {
      const losses = runSteps(makeOptimizer(fx), FUNCTIONS[fx.function]!, Float32Array.from(fx.x0), fx.steps);
      expect(losses).toHaveLength(fx.steps);
      const worst = Math.max(...losses.map((l, i) => rel(l, fx.losses[i]!)));
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  }
  it('gives every fixture a single-step tolerance or a stated reason for none', () => {
    for (const [name] of fixtures) expect([name, name in STEP_TOLERANCE || name in NO_STEP_TEST]).toEqual([name, true]);
  });

  for (const [name, fx] of fixtures) {
    it(`${name}: same losses as torch over ${fx.steps} evaluations`, () => {
      const fn = FUNCTIONS[fx.function]!;
      const losses = runSteps(makeOptimizer(fx), fn, Float32Array.from(fx.x0), fx.steps);
      expect(losses.length).toBe(fx.losses.length);
      let torchDrift = 0;
      for (let i = 0; i < losses.length; i++) {
        torchDrift = Math.max(torchDrift, rel(fx.lossesFloat64[i]!, fx.losses[i]!));
        const tol = i < 10 ? 2e-5 : Math.max(2e-5, 3 * torchDrift);
        if (!(rel(losses[i]!, fx.losses[i]!) <= tol)) {
          expect.fail(`evaluation ${i}: loss ${losses[i]} vs torch ${fx.losses[i]} (relative tolerance ${tol.toExponential(1)})`);
        }
      }
    });

    const stepTol = STEP_TOLERANCE[name];
    if (stepTol !== undefined) {
      it(`${name}: each step from torch's point lands on torch's next point`, () => {
        const fn = FUNCTIONS[fx.function]!;
        const opt = makeOptimizer(fx);
        const grad = new Float32Array(fx.x0.length);
        for (let k = 0; k < fx.steps; k++) {
          const x = Float32Array.from(fx.xs[k]!);
          expect(opt.step(x, fn(x, grad), grad)).toBe(true);
          const want = k + 1 < fx.steps ? fx.xs[k + 1]! : fx.xFinal;
          let err = 0;
          let size = 0;
          const slack = fx.optimizer === 'rmsprop' ? ulp : () => 0;
          for (let i = 0; i < x.length; i++) {
            err = Math.max(err, Math.abs(x[i]! - want[i]!) - slack(want[i]!));
            size = Math.max(size, Math.abs(want[i]! - fx.xs[k]![i]!));
          }
          if (!(err <= stepTol * size)) expect.fail(`step ${k}: off by ${err} on a step of ${size}`);
        }
      });
    }
  }

  it('exercises the skipped-update branch (y·s ≤ 1e-10) and the history cap', () => {
    const weighted = fixtures.find(([n]) => n === 'lbfgs-weighted-abs')![1];
    const opt = new Lbfgs({ historySize: 100 });
    runSteps(opt, FUNCTIONS.weighted_abs!, Float32Array.from(weighted.x0), weighted.steps);
    // 29 updates were attempted; fewer were kept.
    expect(opt.getState().ro.length).toBeLessThan(29);

    const capped = fixtures.find(([n]) => n === 'lbfgs-rosenbrock-history3')![1];
    const opt3 = new Lbfgs({ historySize: 3 });
    runSteps(opt3, FUNCTIONS.rosenbrock!, Float32Array.from(capped.x0), capped.steps);
    expect(opt3.getState().oldDirs.length).toBe(3);
  });
});
