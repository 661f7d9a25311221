/**
 * The whole objective's gradient (network, every loss term) against central finite
 * differences of the float64 reference interpreter — and every term in the loss-term
 * table on its own, so a term added to the table is checked without a line here.
 */
import { describe, expect, it } from 'vitest';
import { lossTerms } from '../../src/losses/index.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';
import { objectiveGradcheck, onlyTerm } from '../helpers/objective-gradcheck.js';

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
