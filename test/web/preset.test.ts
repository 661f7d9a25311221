/** A preset in the web form: field values written into the fields, the rest sent as options. */
import { describe, expect, it } from 'vitest';
import { PRESETS, resolveOptions } from '../../src/options/index.js';
import { FORM_OPTIONS, presetForForm, readSettings, startValues } from '../../web/src/settings.js';

describe('presets in the web form', () => {
  it("splits crowsonkb's preset into form fields and extra options, losing nothing", () => {
    const { fields, extra, model } = presetForForm('crowsonkb');
    expect(model).toBe('vgg19-torchvision');
    expect(fields).toMatchObject({ optimizer: 'adam', styleLoss: 'w2', numIterations: '500', learningRate: '0.02', contentWeight: '0.015' });
    expect(extra).toMatchObject({ optimizeSpace: 'rgb', firstPadding: 'replicate', tvStencil: 'crowsonkb', averageIterates: 0.99, multiresFrom: 128 });
    expect(Object.keys(fields).every((k) => (FORM_OPTIONS as readonly string[]).includes(k))).toBe(true);
    expect(new Set([...Object.keys(fields), ...Object.keys(extra)])).toEqual(new Set(Object.keys(PRESETS.crowsonkb!.options)));
  });

  it('the form with the preset applied reads back as the preset', () => {
    const { fields, extra } = presetForForm('crowsonkb');
    const read = readSettings({ ...startValues(), ...fields }, extra);
    const expected = resolveOptions({ ...PRESETS.crowsonkb!.options });
    for (const key of Object.keys(PRESETS.crowsonkb!.options)) expect(read[key], key).toEqual(expected[key]);
  });
});
