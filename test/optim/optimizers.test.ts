import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { Adam } from '../../src/optim/adam.js';
import { createOptimizer } from '../../src/optim/create.js';
import { Lbfgs } from '../../src/optim/lbfgs.js';
import { Rmsprop } from '../../src/optim/rmsprop.js';
import { quadratic, runSteps } from './functions.js';
import { Rng } from '../../src/util/random.js';

function start(n: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n), 1);
}

describe('optimisers on a quadratic', () => {
  // 1000 unknowns, condition number 100: both must cut the loss at least tenfold.
  const fn = quadratic(1000, 100);

  it('L-BFGS (neural-style settings) lowers the loss ≥ 10× in 20 steps', () => {
    const x = start(1000, 1);
    const losses = runSteps(new Lbfgs(), fn, x, 20);
    const g = new Float32Array(1000);
    expect(fn(x, g)).toBeLessThan(losses[0]! / 10);
    expect(losses).toHaveLength(20);
  });

  it('Adam lowers the loss ≥ 10× in 100 steps', () => {
    const x = start(1000, 2);
    const losses = runSteps(new Adam({ lr: 0.05 }), fn, x, 100);
    const g = new Float32Array(1000);
    expect(fn(x, g)).toBeLessThan(losses[0]! / 10);
  });

  it('RMSprop lowers the loss ≥ 10× in 100 steps', () => {
    const x = start(1000, 4);
    const losses = runSteps(new Rmsprop({ lr: 0.01 }), fn, x, 100);
    const g = new Float32Array(1000);
    expect(fn(x, g)).toBeLessThan(losses[0]! / 10);
  });

  it('the first RMSprop step moves every coordinate by lr/√(1−α) against the gradient sign', () => {
    // v = (1−α)·g², so g/√v = ±1/√(1−α): 10·lr at α = 0.99, whatever the gradient's scale.
    const x = new Float32Array([0, 0, 0]);
    new Rmsprop({ lr: 2 }).step(x, 0, new Float32Array([3, -1e-3, 0]));
    expect(x[0]).toBeCloseTo(-20, 4);
    expect(x[1]).toBeCloseTo(20, 2); // ε = 1e-8 beside √v = 1e-4
    expect(x[2]).toBe(0);
    const y = new Float32Array([1]);
    new Rmsprop({ lr: 1, alpha: 0.75 }).step(y, 0, new Float32Array([-5]));
    expect(y[0]).toBeCloseTo(3, 5);
  });

  it('first L-BFGS step is −g·min(1, 1/‖g‖₁)·lr', () => {
    const x = new Float32Array([1, -2]);
    const g = new Float32Array([0.25, 0.5]); // ‖g‖₁ < 1: t = lr
    new Lbfgs({ lr: 0.5 }).step(x, 0, g);
    expect(Array.from(x)).toEqual([1 - 0.125, -2 - 0.25]);
    const y = new Float32Array([0, 0]);
    new Lbfgs().step(y, 0, new Float32Array([3, -1])); // t = 1/4
    expect(Array.from(y)).toEqual([-0.75, 0.25]);
  });

  it('the first Adam step moves every coordinate by lr against the gradient sign', () => {
    const x = new Float32Array([0, 0, 0]);
    new Adam({ lr: 10 }).step(x, 0, new Float32Array([3, -1e-3, 0]));
    expect(x[0]).toBeCloseTo(-10, 4);
    expect(x[1]).toBeCloseTo(10, 2);
    expect(x[2]).toBe(0);
  });
});

describe('L-BFGS stopping', () => {
  it('with neural-style tolerances (−1) it never stops by itself, even at the minimum', () => {
    const x = new Float32Array(4);
    const opt = new Lbfgs();
    expect(runSteps(opt, quadratic(4, 10), x, 10)).toHaveLength(10);
    expect(opt.stopped).toBe(false);
  });

  it('stops on toleranceGrad / toleranceChange and then leaves x alone', () => {
    const opt = new Lbfgs({ toleranceGrad: 1e-4 });
    const x = start(50, 3);
    const losses = runSteps(opt, quadratic(50, 10), x, 500);
    expect(losses.length).toBeLessThan(500);
    expect(opt.stopped).toBe(true);
    const before = x.slice();
    expect(opt.step(x, 0, new Float32Array(50).fill(1))).toBe(false);
    expect(x).toEqual(before);

    const opt2 = new Lbfgs({ toleranceChange: 1e-9 });
    expect(runSteps(opt2, quadratic(50, 10), start(50, 3), 500).length).toBeLessThan(500);
    expect(opt2.stopped).toBe(true);
  });

  it('stops when the direction is not a descent direction (g·d > −toleranceChange)', () => {
    // A zero gradient gives g·d = 0 > −(1e-3).
    const opt = new Lbfgs({ toleranceChange: 1e-3 });
    const x = new Float32Array([1, 2]);
    expect(opt.step(x, 0, new Float32Array(2))).toBe(false);
    expect(Array.from(x)).toEqual([1, 2]);
  });
});

describe('options and misuse', () => {
  it('rejects bad hyperparameters with UsageError naming the value', () => {
    expect(() => new Lbfgs({ historySize: 0 })).toThrow(UsageError);
    expect(() => new Lbfgs({ historySize: 2.5 })).toThrow(/history size.*2\.5/);
    expect(() => new Lbfgs({ lr: -1 })).toThrow(/learning rate.*-1/);
    expect(() => new Adam({ lr: 0 })).toThrow(UsageError);
    expect(() => new Adam({ lr: 1, beta1: 1 })).toThrow(/beta1.*\[0, 1\)/);
    expect(() => new Adam({ lr: NaN })).toThrow(UsageError);
    expect(() => new Rmsprop({ lr: 0 })).toThrow(/RMSprop learning rate.*0/);
    expect(() => new Rmsprop({ lr: 1, alpha: 1 })).toThrow(/alpha.*\[0, 1\)/);
    expect(() => new Rmsprop({ lr: 1, eps: -1 })).toThrow(UsageError);
  });

  it('rejects gradients and points of the wrong length', () => {
    for (const opt of [new Lbfgs(), new Adam({ lr: 1 }), new Rmsprop({ lr: 1 })]) {
      expect(() => opt.step(new Float32Array(3), 0, new Float32Array(2))).toThrow(RangeError);
      opt.step(new Float32Array(3), 0, new Float32Array(3).fill(1));
      expect(() => opt.step(new Float32Array(4), 0, new Float32Array(4))).toThrow(/earlier steps had 3/);
    }
  });

  it('createOptimizer picks the class by kind', () => {
    expect(createOptimizer({ kind: 'lbfgs' })).toBeInstanceOf(Lbfgs);
    expect(createOptimizer({ kind: 'adam', lr: 10 }).kind).toBe('adam');
    expect(createOptimizer({ kind: 'rmsprop', lr: 10 })).toBeInstanceOf(Rmsprop);
    // Not Adam by default any more: an unknown kind names the choices.
    expect(() => createOptimizer({ kind: 'sgd', lr: 1 } as never)).toThrow(/optimizer must be one of lbfgs, adam, rmsprop, got 'sgd'/);
  });
});

describe('src/optim stays platform-neutral', () => {
  it('imports nothing from node: or onnxruntime', () => {
    const dir = fileURLToPath(new URL('../../src/optim/', import.meta.url));
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(dir + f, 'utf8');
      const imports = [...src.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
      for (const i of imports) expect(i.startsWith('.') || i.startsWith('..'), `${f} imports ${i}`).toBe(true);
      expect(src).not.toMatch(/\b(Buffer|process|require)\b[.(]/);
    }
  });
});
