/**
 * Region guidance for the methods that match samples rather than statistics (NNST,
 * STROTSS): each content position belongs to the region whose mask is largest there, and
 * may only be matched with style features of that region's style image (inside its style
 * mask, when one is given).
 */
import { resizeMask, type Mask } from '../masks/index.js';

/** Each position's region at width × height: the mask with the largest value there (the first of equals). */
export function regionIds(masks: readonly Mask[], width: number, height: number): Int32Array {
  const resized = masks.map((m) => resizeMask(m, width, height).data);
  const ids = new Int32Array(width * height);
  for (let p = 0; p < ids.length; p++) {
    let best = 0;
    for (let r = 1; r < resized.length; r++) if (resized[r]![p]! > resized[best]![p]!) best = r;
    ids[p] = best;
  }
  return ids;
}

/** The positions of a width × height grid a style mask keeps (≥ ½ there); every one without a mask. */
export function insideMask(mask: Mask | undefined, width: number, height: number): Int32Array {
  if (!mask) return Int32Array.from({ length: width * height }, (_, k) => k);
  const m = resizeMask(mask, width, height).data;
  const out: number[] = [];
  for (let k = 0; k < m.length; k++) if (m[k]! >= 0.5) out.push(k);
  return Int32Array.from(out);
}
