/**
 * The whole objective's gradient (network, every loss term) against central finite
 * differences of the float64 reference interpreter — and every term in the loss-term
 * table on its own, so a term added to the table is checked without a line here.
 */
import { describe, expect, it } from 'vitest';
import { lossTerms } from '../../src/losses/index.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';
import { GRADCHECK_SIZE, objectiveGradcheck, onlyTerm } from '../helpers/objective-gradcheck.js';

describe('whole objective vs finite differences', () => {
  it('max pooling, default layers and weights', async () => {
    const r = await objectiveGradcheck({ ...DEFAULT_STYLIZE_OPTIONS, styleWeight: 1e4, tvWeight: 0.5 }, 11);
    expect(r.cosine).toBeGreaterThan(0.9999);
    expect(r.relError).toBeLessThan(1e-3);
  });

  it('average pooling, two content layers', async () => {
    // (Normalised gradients are deliberately not the loss's gradient — jcjohnson's
    // heuristic — so they are checked against PyTorch in parity.test.ts instead.)
    const o = { ...DEFAULT_STYLIZE_OPTIONS, contentLayers: ['relu2_2', 'relu4_2'], pooling: 'avg' as const, tvWeight: 0.5 };
    const r = await objectiveGradcheck(o, 12);
    expect(r.cosine).toBeGreaterThan(0.9999);
    expect(r.relError).toBeLessThan(1e-3);
  });
});

describe('with Winograd convolution forms (forward and input-gradient convs lowered)', () => {
  for (const form of ['F2', 'F4', 'F6'] as const) {
    it(`every conv ${form}, max pooling, default terms`, async () => {
      const forms = { convGrad: 'Conv' as const, convForm: () => form };
      const o = { ...DEFAULT_STYLIZE_OPTIONS, styleWeight: 1e4, tvWeight: 0.5 };
      const r = await objectiveGradcheck(o, 11, undefined, undefined, undefined, forms);
      expect(r.cosine).toBeGreaterThan(0.9999);
      expect(r.relError).toBeLessThan(1e-3);
      expect(Math.abs(r.normRatio - 1)).toBeLessThan(1e-3);
    });
  }
});

describe('each loss term in the table vs finite differences', () => {
  it('the table has the built-in terms', () => {
    expect(lossTerms().map((t) => t.name)).toEqual(expect.arrayContaining(['content', 'style', 'tv']));
  });
  for (const term of lossTerms()) {
    it(`${term.name} alone`, async () => {
      const r = await objectiveGradcheck(onlyTerm(DEFAULT_STYLIZE_OPTIONS, term), 20);
      expect(r.parts[term.name]).toBeGreaterThan(0);
      for (const [name, v] of Object.entries(r.parts)) if (name !== term.name) expect(v, name).toBe(0);
      expect(r.cosine).toBeGreaterThan(0.9999);
      expect(r.relError).toBeLessThan(1e-3);
      expect(Math.abs(r.normRatio - 1)).toBeLessThan(1e-3);
    });
  }
});

describe('style statistics and controls vs finite differences', () => {
  const only = (o: Record<string, unknown>) => ({ ...DEFAULT_STYLIZE_OPTIONS, contentWeight: 0, tvWeight: 0, styleWeight: 1e3, ...o });
  /** Two soft, overlapping regions (a left-to-right ramp and its complement, one with a hole). */
  const masks = () => {
    const { width, height } = GRADCHECK_SIZE;
    const a = new Float32Array(width * height), b = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        a[y * width + x] = x / (width - 1);
        b[y * width + x] = y > 4 && y < 9 ? 0 : 1 - x / (width - 1);
      }
    }
    return [{ width, height, data: a }, { width, height, data: b }];
  };
  const expectMatch = (r: Awaited<ReturnType<typeof objectiveGradcheck>>) => {
    expect(r.parts.style).toBeGreaterThan(0);
    expect(r.cosine).toBeGreaterThan(0.9999);
    expect(r.relError).toBeLessThan(1e-3);
    expect(Math.abs(r.normRatio - 1)).toBeLessThan(1e-3);
  };

  for (const maskMode of ['simple', 'inside'] as const) {
    it(`guided Gram, two masked regions (${maskMode})`, async () => {
      const o = only({ maskMode, styleBlendWeights: [3, 1] });
      expectMatch(await objectiveGradcheck(o as never, 31, undefined, { styles: 2, masked: true }, masks()));
    });
  }

  it('W2 style loss, one style', async () => {
    expectMatch(await objectiveGradcheck(only({ styleLoss: 'w2' }) as never, 32));
  });

  it('W2 style loss, two styles blended', async () => {
    expectMatch(await objectiveGradcheck(only({ styleLoss: 'w2', styleBlendWeights: [1, 2] }) as never, 33, undefined, { styles: 2, masked: false }));
  });

  it('layer weights on both content and style', async () => {
    const o = { ...DEFAULT_STYLIZE_OPTIONS, contentLayers: ['relu2_2', 'relu4_2'], contentLayerWeights: [1, 3], styleLayerWeights: [256, 64, 16, 4, 1], tvWeight: 0 };
    const r = await objectiveGradcheck(o as never, 34);
    expect(r.cosine).toBeGreaterThan(0.9999);
    expect(r.relError).toBeLessThan(1e-3);
  });
});
