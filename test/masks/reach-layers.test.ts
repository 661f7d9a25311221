/**
 * A region's mask on its way down the network (mask mode inside erodes it at every conv;
 * every pool halves it): where it is gone at every style layer the run is refused, where
 * at some only, a note names them. Checked against masks whose fate is worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { renderParts, UsageError } from '../../src/errors.js';
import { checkMasksReachLayers, type Mask } from '../../src/masks/index.js';
import { vgg19Table } from '../../src/models/layers.js';

/** A w×h mask, 1 in the columns [x0, x1). */
function columns(w: number, h: number, x0: number, x1: number): Mask {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
  return { width: w, height: h, data };
}

const layers = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
const at = (mode: 'simple' | 'inside') => ({ table: vgg19Table, layers, mode, width: 64, height: 64 });

describe('checkMasksReachLayers', () => {
  it('a half-image region stays everywhere in simple mode: no note', () => {
    expect(checkMasksReachLayers([columns(64, 64, 0, 32)], at('simple'))).toEqual([]);
  });

  it('inside mode: a 20 px column (not at the border) is eroded away below relu2_1 — a note naming the layers it loses', () => {
    // 20 px, −2 per conv: 18 at relu1_1, 16 after conv1_2, 8 after pool1, 6 at relu2_1,
    // 4 after conv2_2, 2 after pool2, 0 at relu3_1 and below.
    const notes = checkMasksReachLayers([columns(64, 64, 0, 64), columns(64, 64, 22, 42)], at('inside')).map((n) => renderParts(n, (o) => `--${o}`));
    expect(notes).toEqual(['the content mask for style 2 vanishes at relu3_1, relu4_1, relu5_1 at 64×64 (--maskMode inside erodes it at every conv): that style adds nothing there']);
  });

  it('inside mode: a 2 px column is gone at the first conv — refused, with the way out', () => {
    let err: unknown;
    try {
      checkMasksReachLayers([columns(64, 64, 0, 32), columns(64, 64, 40, 42)], at('inside'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).render((o) => `--${o}`)).toBe(
      'the content mask for style 2 vanishes at every style layer at 64×64 (--maskMode inside erodes it at every conv): that style would apply nowhere; use --maskMode simple, a larger region, or a larger --imageSize',
    );
  });

  it('simple mode: a 1 px column survives while the pools average it, and vanishes only where a pool drops its row/column (floor)', () => {
    // Column 63 of 64: pools are 2×2 floor, so it stays (as a partial weight) all the way.
    expect(checkMasksReachLayers([columns(64, 64, 63, 64)], at('simple'))).toEqual([]);
    // On a 65-wide image the last column is dropped by the first pool.
    const notes = checkMasksReachLayers([columns(65, 64, 64, 65)], { ...at('simple'), width: 65 }).map((n) => renderParts(n, (o) => o));
    expect(notes).toEqual(['the content mask for style 1 vanishes at relu2_1, relu3_1, relu4_1, relu5_1 at 65×64 (it is narrower than the pools): that style adds nothing there']);
  });
});
