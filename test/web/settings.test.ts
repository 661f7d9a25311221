/**
 * The web form's rules (web/src/settings.ts), without a browser: the fields are the
 * options table's, read with its parser and checked with the library's one validation,
 * and errors name each field by its label, never by a CLI flag.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NeuralStyleError, OptionError, UsageError } from '../../src/errors.js';
import { methods } from '../../src/methods/index.js';
import { optionText, resolveOptions, stylizeOptionSpec } from '../../src/options/index.js';
import {
  FORM_OPTIONS,
  choiceWords,
  fieldAttributes,
  isShown,
  labelOf,
  methodForForm,
  readSettings,
  specOf,
  startValues,
  type FieldValue,
  type FormOption,
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

describe('the method picker', () => {
  const shownFor = (method: string) => FORM_OPTIONS.filter((k) => isShown(k, readSettings(startValues(method))));

  it('offers the registered methods, worded by their records', () => {
    const spec = specOf('method');
    expect(spec.kind.type === 'choice' && spec.kind.choices).toEqual(methods().map((m) => m.name));
    expect(spec.help).toContain('nnst (Kolkin et al. 2022');
    expect(choiceWords('method').get('nnst')).toBe('NNST-Opt');
    expect(choiceWords('method').get('strotss')).toBe('STROTSS');
    expect(startValues().method).toBe('gatys');
  });

  it("starts each method from its own defaults, under the browser's caps on size and iterations", () => {
    for (const m of methods()) {
      const o = readSettings(startValues(m.name));
      expect(o.method).toBe(m.name);
      expect(o.imageSize, m.name).toBe(Math.min((m.defaults.options.imageSize as number | undefined) ?? 256, 256));
      expect(o.numIterations, m.name).toBeLessThanOrEqual(200);
      for (const [key, value] of Object.entries(m.defaults.options)) {
        if (key === 'imageSize' || key === 'numIterations' || !(FORM_OPTIONS as readonly string[]).includes(key)) continue;
        if (isShown(key as FormOption, o)) expect(o[key], `${m.name} ${key}`).toEqual(value);
      }
      // What the run gets: the method's other defaults (pyramid, RGB) come from the library.
      expect(() => resolveOptions(o), m.name).not.toThrow();
    }
    expect(readSettings(startValues('nnst'))).toMatchObject({ method: 'nnst', optimizer: 'adam', learningRate: 2e-3, imageSize: 256, numIterations: 200 });
    expect(readSettings(startValues('strotss'))).toMatchObject({ method: 'strotss', optimizer: 'rmsprop', learningRate: 2e-3, contentWeight: 1, imageSize: 256 });
    expect(resolveOptions(readSettings(startValues('nnst')))).toMatchObject({ parameterization: 'pyramid', optimizeSpace: 'rgb', init: 'image' });
  });

  it('hides the fields a method does not read, from its terms and defaults', () => {
    expect(shownFor('gatys')).toEqual(FORM_OPTIONS.filter((k) => k !== 'learningRate'));
    expect(shownFor('nnst')).toEqual(['method', 'imageSize', 'numIterations', 'optimizer', 'learningRate', 'colorControl', 'seed']);
    expect(shownFor('strotss')).toEqual(['method', 'imageSize', 'numIterations', 'contentWeight', 'optimizer', 'learningRate', 'originalColors', 'colorControl', 'seed']);
    // Hidden fields are not read: nonsense there is not refused, and the method's values hold.
    const o = readSettings({ ...startValues('nnst'), styleWeight: 'lots', init: 'random', originalColors: true });
    expect(o).not.toHaveProperty('styleWeight');
    expect(resolveOptions(o)).toMatchObject({ init: 'image', originalColors: false });
  });

  it('rewrites the fields to the method’s values, keeping the seed (the offline weights’ too)', () => {
    const { fields } = methodForForm('nnst');
    expect(fields).toMatchObject({ method: 'nnst', optimizer: 'adam', learningRate: '0.002', imageSize: '256', numIterations: '200' });
    expect(fields).not.toHaveProperty('seed');
    // Back to Gatys: the form's own starting values again.
    const { seed: _, ...gatys } = startValues();
    expect(methodForForm('gatys').fields).toEqual(gatys);
  });

  it('notes the network a method was made for when other weights are loaded', () => {
    const random = { architecture: 'vgg19', preprocessing: 'caffe', lowQuality: true } as const;
    const vgg16 = { architecture: 'vgg16', preprocessing: 'torchvision', lowQuality: false } as const;
    expect(methodForForm('nnst', random).note).toBe('Made for the vgg16-torchvision weights.');
    expect(methodForForm('nnst').note).toBe('Made for the vgg16-torchvision weights.');
    expect(methodForForm('nnst', vgg16).note).toBe('');
    expect(methodForForm('strotss', { ...vgg16, architecture: 'vgg19' }).note).toBe('Made for the vgg16-torchvision weights.');
    expect(methodForForm('gatys', random).note).toBe('');
  });
});
