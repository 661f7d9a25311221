/**
 * The web form's rules (web/src/settings.ts), without a browser: the fields are the
 * options table's, read with its parser and checked with the library's one validation,
 * and errors name each field by its label, never by a CLI flag.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NeuralStyleError, OptionError, UsageError } from '../../src/errors.js';
import { optionText, resolveOptions, stylizeOptionSpec } from '../../src/options/index.js';
import {
  FORM_OPTIONS,
  fieldAttributes,
  isShown,
  labelOf,
  readSettings,
  specOf,
  startValues,
  type FieldValue,
} from '../../web/src/settings.js';

/** The message the page shows for what `fn` throws. */
function shown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NeuralStyleError);
    return (err as NeuralStyleError).render(labelOf);
  }
  throw new Error('expected the form to be refused');
}

const form = (changes: Record<string, FieldValue> = {}) => ({ ...startValues(), ...changes });

describe('the settings form', () => {
  it('shows library options only, named by the table’s labels', () => {
    for (const key of FORM_OPTIONS) expect(stylizeOptionSpec(key)?.scope, key).toBe('stylize');
    expect(labelOf('contentWeight')).toBe('Content weight');
    expect(labelOf('imageSize')).toBe('Size');
    expect(labelOf('learningRate')).toBe('Learning rate');
  });

  it('accepts its starting values: the browser’s smaller run, the table’s defaults otherwise', () => {
    const o = readSettings(form());
    expect(o).toMatchObject({ imageSize: 256, numIterations: 200, init: 'image', optimizer: 'lbfgs' });
    expect(o.contentWeight).toBe(specOf('contentWeight').default);
    expect(o.styleWeight).toBe(specOf('styleWeight').default);
    expect(o.tvWeight).toBe(specOf('tvWeight').default);
    expect(o.originalColors).toBe(false);
    expect(o.seed).toBe(0);
    expect('learningRate' in o).toBe(false); // L-BFGS has no step size
    expect(() => resolveOptions(o)).not.toThrow();
  });

  it('accepts the library’s own defaults written as text', () => {
    const values = Object.fromEntries(
      FORM_OPTIONS.map((k) => {
        const d = specOf(k).default;
        return [k, typeof d === 'boolean' ? d : optionText(d)];
      }),
    );
    const o = readSettings(values);
    for (const k of FORM_OPTIONS) if (isShown(k, o)) expect(o[k], k).toEqual(specOf(k).default);
  });

  it('refuses out-of-range values with the field’s label and the table’s limits', () => {
    expect(shown(() => readSettings(form({ imageSize: '0' })))).toBe("Size must be a whole number ≥ 1, got '0'");
    expect(shown(() => readSettings(form({ imageSize: '12.5' })))).toBe("Size must be a whole number ≥ 1, got '12.5'");
    expect(shown(() => readSettings(form({ numIterations: '2000000' })))).toBe("Iterations must be a whole number from 0 to 1000000, got '2000000'");
    expect(shown(() => readSettings(form({ contentWeight: '-1' })))).toBe("Content weight must be a number ≥ 0, got '-1'");
    expect(shown(() => readSettings(form({ tvWeight: '' })))).toBe("TV weight must be a number ≥ 0, got ''");
    expect(shown(() => readSettings(form({ seed: '-3' })))).toMatch(/^Seed must be a whole number from 0 to 4294967295/);
    expect(shown(() => readSettings(form({ optimizer: 'sgd' })))).toBe("Optimiser must be one of lbfgs, adam, rmsprop, got 'sgd'");
  });

  it('says which field is wrong as data, so the page can focus it', () => {
    try {
      readSettings(form({ styleWeight: 'lots' }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OptionError);
      expect((err as OptionError).option).toBe('styleWeight');
    }
  });

  it('reads the learning rate only for Adam, with the library’s exclusive minimum', () => {
    expect(readSettings(form({ optimizer: 'lbfgs', learningRate: 'nonsense' }))).not.toHaveProperty('learningRate');
    expect(readSettings(form({ optimizer: 'adam', learningRate: '2.5' })).learningRate).toBe(2.5);
    expect(shown(() => readSettings(form({ optimizer: 'adam', learningRate: '0' })))).toBe("Learning rate must be a number > 0, got '0'");
    expect(isShown('learningRate', { optimizer: 'adam' })).toBe(true);
    expect(isShown('learningRate', { optimizer: 'lbfgs' })).toBe(false);
  });

  it('checks across fields as the library does, in the form’s words', () => {
    const text = shown(() => readSettings(form({ contentWeight: '0', styleWeight: '0', tvWeight: '0' })));
    expect(text).toContain('Content weight, Style weight and TV weight are all 0');
    expect(text).not.toMatch(/--|contentWeight/);
  });

  it('checks the values other widgets set (the blend sliders) along with the fields', () => {
    expect(readSettings(form(), { styleBlendWeights: [100, 50] }).styleBlendWeights).toEqual([100, 50]);
    expect(() => readSettings(form(), { styleBlendWeights: [-1] })).toThrow(UsageError);
  });

  it('has exactly the library’s limits: a value is refused here if and only if the library refuses it', () => {
    const refused = (f: () => unknown) => {
      try {
        f();
        return false;
      } catch {
        return true;
      }
    };
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 2_000_000 }), fc.double({ min: -10, max: 10, noNaN: true }), (n, w) => {
        expect(refused(() => readSettings(form({ imageSize: String(n) })))).toBe(refused(() => resolveOptions({ imageSize: n })));
        expect(refused(() => readSettings(form({ numIterations: String(n) })))).toBe(refused(() => resolveOptions({ numIterations: n })));
        expect(refused(() => readSettings(form({ styleWeight: String(w) })))).toBe(refused(() => resolveOptions({ styleWeight: w })));
      }),
      { numRuns: 200 },
    );
  });

  it('gives each number field the table’s HTML limits', () => {
    expect(fieldAttributes(specOf('imageSize'))).toEqual({ min: '1', step: '1' });
    expect(fieldAttributes(specOf('numIterations'))).toEqual({ min: '0', max: '1000000', step: '1' });
    expect(fieldAttributes(specOf('contentWeight'))).toEqual({ min: '0', step: 'any' });
    expect(fieldAttributes(specOf('learningRate'))).toEqual({ min: '0', step: 'any' });
    expect(fieldAttributes(specOf('optimizer'))).toEqual({});
  });
});
