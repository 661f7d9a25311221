/**
 * Mask painting without a DOM: a mask per style at the painting canvas's size, brushed
 * and erased with discs, and drawn as a tinted overlay on the content image. The page
 * (panels/masks.ts) feeds pointer positions in canvas pixels; Node tests import this.
 */
import type { Mask, RgbImage } from '../../src/index.js';

/** Set every pixel within `radius` of (cx, cy) to `value` (1 brush, 0 eraser). */
export function paintDisc(mask: Mask, cx: number, cy: number, radius: number, value: number): void {
  const r2 = radius * radius;
  for (let y = Math.max(0, Math.floor(cy - radius)); y <= Math.min(mask.height - 1, Math.ceil(cy + radius)); y++) {
    for (let x = Math.max(0, Math.floor(cx - radius)); x <= Math.min(mask.width - 1, Math.ceil(cx + radius)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r2) mask.data[y * mask.width + x] = value;
    }
  }
}

/** Paint a stroke from one pointer position to the next, so fast moves leave no gaps. */
export function paintStroke(mask: Mask, from: { x: number; y: number }, to: { x: number; y: number }, radius: number, value: number): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / Math.max(1, radius / 2)));
  for (let i = 0; i <= steps; i++) paintDisc(mask, from.x + ((to.x - from.x) * i) / steps, from.y + ((to.y - from.y) * i) / steps, radius, value);
}

/** The tint each style's region is shown in. */
export const REGION_COLOURS: readonly [number, number, number][] = [
  [255, 60, 60], [60, 140, 255], [60, 200, 90], [240, 190, 30], [190, 80, 230],
];

/** RGBA pixels: the content image (already at the mask's size) with the mask tinted over it. */
export function overlay(content: RgbImage, mask: Mask, colour: readonly [number, number, number]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(mask.width * mask.height * 4);
  for (let k = 0; k < mask.width * mask.height; k++) {
    const a = 0.55 * mask.data[k]!;
    for (let c = 0; c < 3; c++) out[4 * k + c] = (1 - a) * 255 * content.data[3 * k + c]! + a * colour[c]!;
    out[4 * k + 3] = 255;
  }
  return out;
}
