/** The mask painter's arithmetic (web/src/mask-paint.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import { overlay, paintDisc, paintStroke } from '../../web/src/mask-paint.js';

const blank = (w: number, h: number) => ({ width: w, height: h, data: new Float32Array(w * h) });

describe('mask painting', () => {
  it('a disc sets the pixels within its radius, and the eraser clears them', () => {
    const m = blank(9, 9);
    paintDisc(m, 4, 4, 2, 1);
    expect(m.data.reduce((a, b) => a + b, 0)).toBe(13); // the lattice points with x² + y² ≤ 4
    expect(m.data[4 * 9 + 4]).toBe(1);
    expect(m.data[0]).toBe(0);
    paintDisc(m, 4, 4, 1, 0);
    expect(m.data.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('a fast stroke leaves no gaps, and stays inside the canvas', () => {
    const m = blank(40, 5);
    paintStroke(m, { x: -5, y: 2 }, { x: 45, y: 2 }, 1.5, 1);
    for (let x = 0; x < 40; x++) expect(m.data[2 * 40 + x], `x=${x}`).toBe(1);
  });

  it('the overlay tints painted pixels and leaves the rest as the content', () => {
    const content = { width: 2, height: 1, data: Float32Array.of(0.5, 0.5, 0.5, 0.5, 0.5, 0.5) };
    const m = { width: 2, height: 1, data: Float32Array.of(1, 0) };
    const rgba = overlay(content, m, [255, 0, 0]);
    expect(Array.from(rgba.slice(4))).toEqual([128, 128, 128, 255]);
    // 55 % tint: 0.45 · 127.5 + 0.55 · 255 and 0.45 · 127.5, rounded.
    expect(Array.from(rgba.slice(0, 4))).toEqual([198, 57, 57, 255]);
  });
});
