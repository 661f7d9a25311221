/**
 * Masks, W2, layer weights and colour control against PyTorch references written from the
 * published definitions (scripts/make-control-fixtures.py, float64).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { luminanceControl } from '../../src/image/colour/index.js';
import { fullMask } from '../../src/masks/index.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { evaluateControlFixture, loadControlFixture } from '../helpers/control-fixture.js';
import { compareGradients } from '../helpers/parity-fixture.js';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const ORT = ort as unknown as OrtModule;

describe('control features vs PyTorch', () => {
  for (const name of ['masked-regions', 'masked-inside', 'w2-two-styles', 'luminance', 'histogram', 'crowsonkb-first']) {
    it(name, async () => {
      const fx = loadControlFixture(name);
      const { evaluation: r, prepared } = await evaluateControlFixture(ORT, fx);
      for (const part of ['content', 'style', 'tv'] as const) expect(relative(r.parts[part]!, fx.expected[part]), part).toBeLessThan(1e-4);
      expect(relative(r.loss, fx.expected.loss)).toBeLessThan(1e-4);
      const grad = compareGradients(r.grad, fx.tensors.get('grad')!.data);
      expect(grad.cosine).toBeGreaterThan(0.9999);
      expect(Math.abs(grad.normRatio - 1)).toBeLessThan(1e-3);
      // The colour-controlled style images themselves, pixel by pixel.
      prepared.forEach((s, i) => expect(maxAbsDiff(s.data, fx.tensors.get(`prepared_style${i}`)!.data), `style ${i}`).toBeLessThan(1e-5));
    });
  }

  it('luminance: the result keeps the content’s I and Q and takes Y from the result', () => {
    const fx = loadControlFixture('luminance');
    const t = (k: string) => fx.tensors.get(k)!;
    const result = { height: t('result').dims[0]!, width: t('result').dims[1]!, data: t('result').data };
    expect(maxAbsDiff(luminanceControl.finish(result, fx.content).data, t('finished').data)).toBeLessThan(1e-5);
  });
});

describe('an all-white content mask', () => {
  it('gives exactly the unmasked numbers (loss, parts and gradient)', async () => {
    const fx = loadControlFixture('masked-regions');
    const { width, height } = fx.spec;
    const one = { styles: 1, options: { styleBlendWeights: undefined } };
    const plain = (await evaluateControlFixture(ORT, { ...fx, styleMasks: undefined }, { ...one, contentMasks: null })).evaluation;
    const white = (await evaluateControlFixture(ORT, { ...fx, styleMasks: undefined }, { ...one, contentMasks: [fullMask(width, height)] })).evaluation;
    expect(white.loss).toBe(plain.loss);
    expect(white.parts).toEqual(plain.parts);
    expect(Array.from(white.grad)).toEqual(Array.from(plain.grad));
  });
});
