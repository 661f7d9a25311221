/**
 * Checkpoint/resume: stop at step k, save the state as JSON text (or packed bytes), build
 * a fresh optimiser from it, continue: the trajectory must be the uninterrupted one, bit
 * for bit.
 */
import { describe, expect, it } from 'vitest';
import { Adam } from '../../src/optim/adam.js';
import { createOptimizer, type OptimizerOptions } from '../../src/optim/create.js';
import { Lbfgs } from '../../src/optim/lbfgs.js';
import { Rmsprop } from '../../src/optim/rmsprop.js';
import { deserializeState, packState, serializeState, unpackState } from '../../src/optim/state-io.js';
import type { Optimizer, OptimizerState } from '../../src/optim/types.js';
import { FUNCTIONS, runSteps, type TestFunction } from './functions.js';
import { InputError } from '../../src/errors.js';

const X0 = [-1.2, 1, -1.1, 0.95, -1, 0.9, -0.9, 0.85, -0.8, 0.8];
const STEPS = 30;

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

const roundTrips: Record<string, (s: OptimizerState) => OptimizerState> = {
  json: (s) => deserializeState(serializeState(s)),
  packed: (s) => unpackState(packState(s)),
};

const configs: Array<[string, OptimizerOptions, TestFunction]> = [
  ['lbfgs', { kind: 'lbfgs' }, FUNCTIONS.rosenbrock!],
  ['lbfgs history 3', { kind: 'lbfgs', historySize: 3 }, FUNCTIONS.rosenbrock!],
  ['lbfgs skipping updates', { kind: 'lbfgs', historySize: 4 }, FUNCTIONS.weighted_abs!],
  ['adam', { kind: 'adam', lr: 0.05 }, FUNCTIONS.rosenbrock!],
  ['rmsprop', { kind: 'rmsprop', lr: 0.02 }, FUNCTIONS.rosenbrock!],
  ['rmsprop alpha 0.9', { kind: 'rmsprop', lr: 0.1, alpha: 0.9 }, FUNCTIONS.abs_quadratic!],
];

describe('checkpoint and resume', () => {
  for (const [label, options, fn] of configs) {
    const full = Float32Array.from(X0);
    const fullLosses = runSteps(createOptimizer(options), fn, full, STEPS);

    for (const [how, roundTrip] of Object.entries(roundTrips)) {
      for (const k of [0, 1, 2, 7, 29]) {
        it(`${label}: resume after ${k} steps via ${how} reproduces the run bit for bit`, () => {
          const x = Float32Array.from(X0);
          const first = createOptimizer(options);
          const before = runSteps(first, fn, x, k);
          // The checkpoint a CLI would write: optimiser state plus the current image.
          const saved = roundTrip(first.getState());
          const xSaved = roundTrip({ kind: 'image', x }).x as Float32Array;

          const resumed = createOptimizer(options, saved);
          const after = runSteps(resumed, fn, xSaved, STEPS - k);
          expect([...before, ...after]).toEqual(fullLosses);
          expect(bits(xSaved)).toEqual(bits(full));
          // And the resumed optimiser's state is the uninterrupted one's.
          expect(serializeState(resumed.getState())).toBe(serializeState(stateAfter(options, fn, STEPS)));
        });
      }
    }
  }

  it('getState is a snapshot: later steps do not change it', () => {
    const opt = new Lbfgs();
    const x = Float32Array.from(X0);
    runSteps(opt, FUNCTIONS.rosenbrock!, x, 3);
    const s = opt.getState();
    const text = serializeState(s);
    runSteps(opt, FUNCTIONS.rosenbrock!, x, 3);
    expect(serializeState(s)).toBe(text);
  });

  it('setState copies: changing the restored-from object does not reach the optimiser', () => {
    const a = new Adam({ lr: 0.1 });
    const x = Float32Array.from(X0);
    runSteps(a, FUNCTIONS.rosenbrock!, x, 2);
    const s = a.getState();
    const b = new Adam({ lr: 1 });
    b.setState(s);
    (s.m as Float32Array).fill(123);
    expect(serializeState(b.getState())).toBe(serializeState(a.getState()));
  });

  it('a stopped L-BFGS stays stopped after a round trip', () => {
    const opt = new Lbfgs({ toleranceGrad: 1e30 });
    const x = Float32Array.from(X0);
    expect(runSteps(opt, FUNCTIONS.rosenbrock!, x, 5)).toHaveLength(1);
    const resumed = new Lbfgs();
    resumed.setState(deserializeState(serializeState(opt.getState())));
    expect(resumed.stopped).toBe(true);
    expect(resumed.step(x, 0, new Float32Array(x.length))).toBe(false);
  });

  it('refuses a state of the other kind or with damaged fields', () => {
    const x = Float32Array.from(X0);
    const l = new Lbfgs();
    runSteps(l, FUNCTIONS.rosenbrock!, x, 3);
    const ls = l.getState();
    expect(() => new Adam({ lr: 1 }).setState(ls)).toThrow(InputError);
    expect(() => createOptimizer({ kind: 'adam', lr: 1 }, ls)).toThrow(/made with "lbfgs".*uses "adam"/);
    expect(() => new Lbfgs().setState({ ...ls, d: new Float32Array(3) })).toThrow(/field "d" should be a Float32Array of length 10/);
    expect(() => new Lbfgs().setState({ ...ls, ro: [1] })).toThrow(/field "ro"/);
    expect(() => new Lbfgs().setState({ ...ls, nIter: 1.5 })).toThrow(/field "nIter" should be an integer/);
    const { t: _t, ...noT } = ls;
    expect(() => new Lbfgs().setState(noT as OptimizerState)).toThrow(/field "t" should be a number, got nothing \(missing\)/);
  });

  it('refuses a damaged RMSprop state, naming the field, and leaves the optimiser as it was', () => {
    const x = Float32Array.from(X0);
    const r = new Rmsprop({ lr: 0.02 });
    runSteps(r, FUNCTIONS.rosenbrock!, x, 3);
    const rs = r.getState();
    const fresh = () => new Rmsprop({ lr: 1 });
    expect(() => createOptimizer({ kind: 'lbfgs' }, rs)).toThrow(/made with "rmsprop".*uses "lbfgs"/);
    expect(() => new Adam({ lr: 1 }).setState(rs)).toThrow(InputError);
    expect(() => fresh().setState(createOptimizer({ kind: 'adam', lr: 1 }).getState())).toThrow(/rmsprop optimizer state: the state is of kind "adam"/);
    const damaged: Array<[Record<string, unknown>, RegExp]> = [
      [{ squareAvg: null }, /field "squareAvg" should be a Float32Array, got null/],
      [{ squareAvg: [1, 2] }, /field "squareAvg" should be a Float32Array or null, got an array of length 2/],
      [{ stepCount: 0 }, /field "squareAvg" should be null before the first step/],
      [{ stepCount: 2.5 }, /field "stepCount" should be an integer ≥ 0, got 2\.5/],
      [{ alpha: 1 }, /field "alpha" should be a number in \[0, 1\), got 1/],
      [{ alpha: '0.99' }, /field "alpha" should be a number, got "0\.99"/],
      [{ lr: -1 }, /field "lr" should be a finite number > 0, got -1/],
      [{ eps: NaN }, /field "eps" should be a finite number ≥ 0, got NaN/],
      [{ eps: undefined }, /field "eps" should be a number, got nothing \(missing\)/],
    ];
    for (const [change, message] of damaged) {
      const opt = fresh();
      const before = serializeState(opt.getState());
      expect(() => opt.setState({ ...rs, ...change } as OptimizerState)).toThrow(message);
      expect(() => opt.setState({ ...rs, ...change } as OptimizerState)).toThrow(InputError);
      expect(serializeState(opt.getState())).toBe(before);
    }
    // A wrong-length square average is caught at the next step, before x changes.
    const short = fresh();
    short.setState({ ...rs, squareAvg: new Float32Array(3) });
    const y = Float32Array.from(X0);
    expect(() => short.step(y, 0, new Float32Array(y.length))).toThrow(/earlier steps had 3/);
    expect(Array.from(y)).toEqual(Array.from(Float32Array.from(X0)));
    // Packed bytes with a flipped bit in the square average are refused by the checksum.
    const bytes = packState(rs);
    bytes[bytes.length - 5]! ^= 1;
    expect(() => unpackState(bytes)).toThrow(/damaged \(checksum mismatch/);
  });
});

function stateAfter(options: OptimizerOptions, fn: TestFunction, steps: number): OptimizerState {
  const opt: Optimizer = createOptimizer(options);
  runSteps(opt, fn, Float32Array.from(X0), steps);
  return opt.getState();
}
