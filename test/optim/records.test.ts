/**
 * Optimisers as records (src/optim/record.ts, registry.ts): the table of kinds, what each
 * record reads from a run's options, its memory, advice, warm start and fresh state, and
 * that the options table and the call sites take all of it from the records.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintDifference, type Fingerprint } from '../../src/checkpoint/index.js';
import { flagOf } from '../../src/cli/options.js';
import { InputError, OptionError, optionKey, renderParts } from '../../src/errors.js';
import {
  createOptimizer,
  optimizerRecord,
  optimizerRecords,
  registerOptimizer,
  restoreState,
  unregisterOptimizer,
  type Optimizer,
  type OptimizerRecord,
  type OptimizerState,
} from '../../src/optim/index.js';
import { DEFAULT_STYLIZE_OPTIONS, objectiveSettings, resolveOptions, stylizeOptionSpec, stylizeOptionSpecs, type StylizeOptions } from '../../src/options/index.js';
import { breakdownAdvice } from '../../src/stylize/advice.js';
import { warmStart } from '../../src/stylize/coarse-to-fine.js';
import { makeOptimizer } from '../../src/stylize/stylizer.js';
import { FUNCTIONS, runSteps } from './functions.js';

const options = (o: Partial<StylizeOptions> = {}): StylizeOptions => ({ ...DEFAULT_STYLIZE_OPTIONS, ...o });
const text = (parts: Parameters<typeof renderParts>[0]) => renderParts(parts, optionKey);

describe('the optimiser table', () => {
  it('lists L-BFGS, Adam and RMSprop, in that order', () => {
    expect(optimizerRecords().map((r) => r.kind)).toEqual(['lbfgs', 'adam', 'rmsprop']);
    expect(optimizerRecords().map((r) => r.label)).toEqual(['L-BFGS', 'Adam', 'RMSprop']);
  });

  it('an unknown kind is an OptionError on `optimizer` listing the registered kinds', () => {
    expect(() => optimizerRecord('sgd')).toThrow(OptionError);
    expect(() => optimizerRecord('sgd')).toThrow("optimizer must be one of lbfgs, adam, rmsprop, got 'sgd'");
  });

  it("each record's options are Optimisation options of the library that shape the run", () => {
    for (const r of optimizerRecords()) {
      for (const o of r.options) {
        expect(o, `${r.kind}: ${o.key}`).toMatchObject({ group: 'Optimisation', scope: 'stylize', objective: true });
        expect(stylizeOptionSpec(o.key)).toBe(o);
      }
    }
    expect(optimizerRecord('lbfgs').usesLearningRate).toBe(false);
    expect(optimizerRecord('adam').usesLearningRate).toBe(true);
    expect(optimizerRecord('rmsprop').usesLearningRate).toBe(true);
  });

  it('creates from a run\'s options: the learning rate and its own options', () => {
    const o = options({ learningRate: 0.5, lbfgsNumCorrection: 7, adamBeta2: 0.99, rmspropAlpha: 0.9 });
    expect(optimizerRecord('lbfgs').create(o).getState()).toMatchObject({ kind: 'lbfgs', lr: 1, historySize: 7 });
    expect(optimizerRecord('adam').create(o).getState()).toMatchObject({ kind: 'adam', lr: 0.5, beta1: 0.9, beta2: 0.99, eps: 1e-8 });
    expect(optimizerRecord('rmsprop').create(o).getState()).toMatchObject({ kind: 'rmsprop', lr: 0.5, alpha: 0.9, eps: 1e-8 });
    // rmspropAlpha unset (its table default is undefined): torch's 0.99.
    expect(DEFAULT_STYLIZE_OPTIONS.rmspropAlpha).toBeUndefined();
    expect(optimizerRecord('rmsprop').create(options()).getState()).toMatchObject({ alpha: 0.99, lr: 10 });
    // The stylizer's makeOptimizer is the lookup.
    for (const kind of ['lbfgs', 'adam', 'rmsprop']) expect(makeOptimizer(options({ optimizer: kind })).kind).toBe(kind);
  });

  it('restores a state of its own kind, refuses another, and accepts its fresh state', () => {
    for (const r of optimizerRecords()) {
      const o = options({ optimizer: r.kind, learningRate: 0.01 });
      const a = r.create(o);
      const x = Float32Array.from([-1.2, 1, -1, 0.9]);
      runSteps(a, FUNCTIONS.rosenbrock!, x, 3);
      expect(r.create(o, a.getState()).getState()).toEqual(a.getState());
      const other = optimizerRecords().find((s) => s !== r)!;
      expect(() => r.create(o, other.freshState(o))).toThrow(InputError);
      expect(() => r.create(o, other.freshState(o))).toThrow(new RegExp(`made with "${other.kind}".*uses "${r.kind}"`));
      const fresh = r.freshState(o);
      expect(fresh.kind).toBe(r.kind);
      expect(r.create(o, fresh).getState()).toEqual(r.create(o).getState());
    }
  });

  it('counts the image-sized vectors each one holds', () => {
    expect(optimizerRecord('lbfgs').vectors(options({ lbfgsNumCorrection: 100 }))).toBe(204);
    expect(optimizerRecord('lbfgs').vectors(options({ lbfgsNumCorrection: 5 }))).toBe(14);
    expect(optimizerRecord('adam').vectors(options())).toBe(4);
    expect(optimizerRecord('rmsprop').vectors(options())).toBe(2);
    // Only L-BFGS has options that lower its memory, and a bulk worth naming.
    const hints = optimizerRecord('lbfgs').memoryHints!(options({ lbfgsNumCorrection: 30 }));
    expect(hints.ways.map(text)).toEqual(['optimizer adam', 'a smaller lbfgsNumCorrection']);
    expect(hints.bulk).toEqual({ vectors: 60, what: 'the L-BFGS history of 30 steps' });
    expect(optimizerRecord('adam').memoryHints).toBeUndefined();
    expect(optimizerRecord('rmsprop').memoryHints).toBeUndefined();
  });
});

describe('advice after a numerical breakdown', () => {
  it("Adam's and L-BFGS's are what advice.ts said before the records", () => {
    const adam = breakdownAdvice(options({ optimizer: 'adam', learningRate: 1e30 }), 255);
    expect(text(adam.parts)).toBe('the Adam step size (learningRate 1e+30) is likely too large: try learningRate 26');
    expect(adam.suggestion).toEqual({ option: 'learningRate', value: 26 });
    expect(breakdownAdvice(options({ optimizer: 'adam', learningRate: 0.5 }), 1).suggestion).toEqual({ option: 'learningRate', value: 0.05 });
    const lbfgs = breakdownAdvice(options({ optimizer: 'lbfgs' }), 255);
    expect(text(lbfgs.parts)).toBe(
      'L-BFGS took too large a step; the loss weights are likely too large for this model: lower styleWeight and contentWeight, or use optimizer adam',
    );
    expect(lbfgs.suggestion).toEqual({ option: 'optimizer', value: 'adam' });
  });

  it("RMSprop's keeps its largest step, lr/√(1−α), within a tenth of the pixel span", () => {
    // lr 10 at α = 0.99 moves a pixel by up to 100: a tenth of 255 needs lr ≤ 2.55; a tenth of 10 is 1.
    const caffe = optimizerRecord('rmsprop').advice(options({ learningRate: 10 }), 255);
    expect(text(caffe.parts)).toBe('the RMSprop step size (learningRate 10, up to 100 a pixel per step) is likely too large: try learningRate 1');
    expect(caffe.suggestion).toEqual({ option: 'learningRate', value: 1 });
    // In 0–1 RGB, lr 0.5: the span's bound, √0.01 · 1 / 10 = 0.01, is the smaller.
    expect(optimizerRecord('rmsprop').advice(options({ learningRate: 0.5 }), 1).suggestion).toEqual({ option: 'learningRate', value: 0.01 });
    // α = 0.75: steps of up to 2·lr, so lr ≤ span/20.
    expect(optimizerRecord('rmsprop').advice(options({ learningRate: 100, rmspropAlpha: 0.75 }), 255).suggestion).toEqual({ option: 'learningRate', value: 10 });
    expect(optimizerRecord('rmsprop').advice(options({ learningRate: 100, rmspropAlpha: 0.75 }), 100).suggestion).toEqual({ option: 'learningRate', value: 5 });
  });
});

describe('warm start between coarse-to-fine sizes', () => {
  const doubled = (v: Float32Array) => Float32Array.from([...v, ...v].map((t) => t - 0.5));

  it("RMSprop's square average is resized and clipped at 0; the rest carries over", () => {
    const r = optimizerRecord('rmsprop');
    const o = options({ optimizer: 'rmsprop', learningRate: 0.1 });
    const opt = r.create(o);
    runSteps(opt, FUNCTIONS.abs_quadratic!, Float32Array.from([0.9, -0.3, 0.02, 1.5]), 4);
    const s = opt.getState() as OptimizerState & { squareAvg: Float32Array };
    const warm = r.warmStart!(s, doubled) as typeof s;
    expect(warm).toMatchObject({ kind: 'rmsprop', lr: 0.1, alpha: 0.99, eps: 1e-8, stepCount: 4 });
    expect(Array.from(warm.squareAvg)).toEqual(Array.from(doubled(s.squareAvg)).map((t) => Math.max(0, t)));
    expect(warm.squareAvg.some((t, i) => t === 0 && doubled(s.squareAvg)[i]! < 0)).toBe(true);
    // It restores, and steps on a vector of the new size.
    const next = r.create(o, warm);
    expect(next.step(new Float32Array(8), 0, new Float32Array(8).fill(1))).toBe(true);
    // Before the first step there is nothing to carry.
    expect(r.warmStart!(r.freshState(o), doubled)).toBeUndefined();
  });

  it("Adam's moments as before; L-BFGS carries nothing", () => {
    const m = Float32Array.from([1, -2]);
    const v = Float32Array.from([0.25, 0.75]);
    const adam = { kind: 'adam', lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, stepCount: 3, m, v };
    const warm = optimizerRecord('adam').warmStart!(adam, doubled) as typeof adam;
    expect(Array.from(warm.m)).toEqual([0.5, -2.5, 0.5, -2.5]);
    expect(Array.from(warm.v)).toEqual([0, 0.25, 0, 0.25]);
    expect(warm.stepCount).toBe(3);
    expect(optimizerRecord('lbfgs').warmStart).toBeUndefined();
  });

  it("coarse-to-fine's warmStart resizes through the state's record, whatever its kind", () => {
    const squareAvg = Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => (i % 3) / 2);
    const state = { kind: 'rmsprop', lr: 0.02, alpha: 0.99, eps: 1e-8, stepCount: 5, squareAvg };
    const s = warmStart(state, { width: 4, height: 2 }, { width: 8, height: 4 }) as typeof state;
    expect(s.stepCount).toBe(5);
    expect(s.squareAvg).toHaveLength(3 * 8 * 4);
    expect(s.squareAvg.every((t) => t >= 0)).toBe(true);
    expect(warmStart({ kind: 'lbfgs' }, { width: 4, height: 2 }, { width: 8, height: 4 })).toBeUndefined();
    expect(warmStart({ kind: 'unknown' }, { width: 4, height: 2 }, { width: 8, height: 4 })).toBeUndefined();
  });
});

describe('the options table reads the records', () => {
  it("the optimizer option's choices and help are the registered optimisers'", () => {
    const spec = stylizeOptionSpec('optimizer')!;
    expect(spec.kind).toEqual({ type: 'choice', choices: ['lbfgs', 'adam', 'rmsprop'] });
    expect(spec.help).toBe(
      'lbfgs (better results, more memory), adam (less memory; tune the learning rate) or rmsprop (least memory; tune the learning rate).',
    );
    expect(resolveOptions({ optimizer: 'rmsprop' }, 1).optimizer).toBe('rmsprop');
    expect(() => resolveOptions({ optimizer: 'sgd' }, 1)).toThrow("optimizer must be one of lbfgs, adam, rmsprop, got 'sgd'");
  });

  it('the moved options keep their keys, defaults, help and flags', () => {
    expect(stylizeOptionSpec('lbfgsNumCorrection')).toEqual({
      scope: 'stylize',
      key: 'lbfgsNumCorrection',
      kind: { type: 'int', min: 1, max: 10_000 },
      default: 100,
      label: 'L-BFGS history',
      help: 'L-BFGS history size (correction pairs kept); fewer uses less memory.',
      group: 'Optimisation',
      objective: true,
      valueName: '<n>',
    });
    expect(stylizeOptionSpec('adamBeta2')).toEqual({
      scope: 'stylize',
      key: 'adamBeta2',
      kind: { type: 'number', min: 0, max: 0.999999 },
      default: 0.999,
      label: 'Adam β₂',
      help: "Adam's second-moment decay (crowsonkb uses 0.99).",
      group: 'Optimisation',
      objective: true,
      valueName: '<beta>',
    });
    // Right after the learning rate, each optimiser's in turn.
    const keys = stylizeOptionSpecs().map((s) => s.key);
    const at = keys.indexOf('learningRate');
    expect(keys.slice(at, at + 4)).toEqual(['learningRate', 'lbfgsNumCorrection', 'adamBeta2', 'rmspropAlpha']);
    expect(resolveOptions({ rmspropAlpha: 0.9 }, 1).rmspropAlpha).toBe(0.9);
    expect(() => resolveOptions({ rmspropAlpha: 1 }, 1)).toThrow(OptionError);
  });

  it('a checkpoint fingerprinted before RMSprop existed still matches (rmspropAlpha is unset by default)', () => {
    const now = objectiveSettings(options(), 1) as Fingerprint;
    expect(now.rmspropAlpha).toBeNull();
    const { rmspropAlpha: _, ...before } = now;
    expect(fingerprintDifference(before, now)).toBeUndefined();
    expect(renderParts(fingerprintDifference(before, objectiveSettings(options({ optimizer: 'rmsprop', rmspropAlpha: 0.9 }), 1) as Fingerprint)!, flagOf)).toMatch(
      /it was made with --optimizer lbfgs, this run has rmsprop/,
    );
  });
});

describe('registering an optimiser', () => {
  /** Plain gradient descent: x ← x − lr·g, with a `sgdDampening` option to show options join the table. */
  class Sgd implements Optimizer {
    readonly kind = 'sgd';
    readonly stopped = false;
    constructor(private lr: number) {}
    step(x: Float32Array, _loss: number, g: Float32Array): boolean {
      for (let i = 0; i < x.length; i++) x[i] = x[i]! - this.lr * g[i]!;
      return true;
    }
    getState(): OptimizerState {
      return { kind: 'sgd', lr: this.lr };
    }
    setState(s: OptimizerState): void {
      this.lr = s.lr as number;
    }
  }
  const sgd: OptimizerRecord = {
    kind: 'sgd',
    label: 'SGD',
    help: 'plain gradient descent',
    options: [
      { scope: 'stylize', key: 'sgdDampening', kind: { type: 'number', min: 0 }, default: 0, label: 'SGD dampening', help: 'Unused.', group: 'Optimisation', objective: true },
    ],
    usesLearningRate: true,
    create: (s, state) => restoreState(new Sgd(s.learningRate), state),
    vectors: () => 0,
    advice: () => ({ parts: ['lower the learning rate'] }),
    freshState: (s) => new Sgd(s.learningRate).getState(),
  };
  afterEach(() => unregisterOptimizer('sgd'));

  it('joins the table: a choice, its options, and a run created through it', () => {
    registerOptimizer(sgd);
    expect(optimizerRecords().map((r) => r.kind)).toEqual(['lbfgs', 'adam', 'rmsprop', 'sgd']);
    expect(stylizeOptionSpec('optimizer')!.kind).toEqual({ type: 'choice', choices: ['lbfgs', 'adam', 'rmsprop', 'sgd'] });
    expect(stylizeOptionSpec('sgdDampening')?.default).toBe(0);
    const o = resolveOptions({ optimizer: 'sgd', learningRate: 0.25 }, 1);
    const opt = makeOptimizer(o);
    const x = Float32Array.from([1, 2]);
    opt.step(x, 0, Float32Array.from([4, -4]));
    expect(Array.from(x)).toEqual([0, 3]);
    expect(() => makeOptimizer(o, optimizerRecord('adam').freshState(o))).toThrow(/made with "adam".*uses "sgd"/);
    expect(warmStart(sgd.freshState(o), { width: 1, height: 1 }, { width: 2, height: 2 })).toBeUndefined();
  });

  it('refuses a kind or an option key that is taken; built-ins cannot be unregistered', () => {
    registerOptimizer(sgd);
    expect(() => registerOptimizer(sgd)).toThrow(/already registered/);
    expect(() => registerOptimizer({ ...sgd, kind: 'sgd2' })).toThrow(/option named 'sgdDampening'/);
    unregisterOptimizer('sgd');
    expect(() => optimizerRecord('sgd')).toThrow(OptionError);
    unregisterOptimizer('adam');
    expect(optimizerRecord('adam').kind).toBe('adam');
    // createOptimizer knows only the built-ins; a record creates its own.
    expect(() => createOptimizer({ kind: 'sgd' } as never)).toThrow(OptionError);
  });
});
