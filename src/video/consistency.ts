/**
 * Where a flow can be trusted: the forward–backward consistency check of Ruder, Dosovitskiy
 * & Brox (GCPR 2016, §3.2; after Sundaram, Brox & Keutzer 2010), written from the paper.
 * With w the flow from this frame to an earlier one and ŵ the flow back, a pixel p gets
 * c = 0 where
 *   - p + w(p) leaves the image, or
 *   - |w + ŵ(p + w)|² > 0.01 (|w|² + |ŵ(p + w)|²) + 0.5         (disocclusion: the two disagree), or
 *   - |∇u|² + |∇v|² > 0.01 |w|² + 0.002                          (motion boundary),
 * and c = 1 elsewhere. ∇ by central differences (one-sided at the border).
 */
import type { FlowField } from './flow/types.js';
import { sampleFlow } from './warp.js';

export function reliability(backward: FlowField, forward: FlowField): Uint8Array {
  return consistencyCheck(backward, forward).reliable;
}

export interface Consistency {
  /** c: 1 where the flow passes both tests. */
  reliable: Uint8Array;
  /** 1 where the point has no match in the other frame (outside it, or disoccluded); motion boundaries are 0 here. */
  disoccluded: Uint8Array;
}

export function consistencyCheck(backward: FlowField, forward: FlowField): Consistency {
  const { width: w, height: h, data } = backward;
  if (forward.width !== w || forward.height !== h) throw new Error('the two flows differ in size');
  const out = new Uint8Array(w * h);
  const disoccluded = new Uint8Array(w * h);
  const at = (x: number, y: number, k: number) => data[2 * (y * w + x) + k]!;
  const derivative = (x: number, y: number, k: number, dx: number, dy: number) => {
    const xa = Math.max(0, x - dx), xb = Math.min(w - 1, x + dx);
    const ya = Math.max(0, y - dy), yb = Math.min(h - 1, y + dy);
    const span = dx ? xb - xa : yb - ya;
    return span > 0 ? (at(xb, yb, k) - at(xa, ya, k)) / span : 0;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = at(x, y, 0), v = at(x, y, 1);
      const bx = x + u, by = y + v;
      if (bx < 0 || by < 0 || bx > w - 1 || by > h - 1) {
        disoccluded[y * w + x] = 1;
        continue;
      }
      const [fu, fv] = sampleFlow(forward, bx, by);
      const su = u + fu, sv = v + fv;
      const own = u * u + v * v;
      if (su * su + sv * sv > 0.01 * (own + fu * fu + fv * fv) + 0.5) {
        disoccluded[y * w + x] = 1;
        continue;
      }
      let edge = 0;
      for (const k of [0, 1]) edge += derivative(x, y, k, 1, 0) ** 2 + derivative(x, y, k, 0, 1) ** 2;
      if (edge > 0.01 * own + 0.002) continue;
      out[y * w + x] = 1;
    }
  }
  return { reliable: out, disoccluded };
}

/**
 * Long-term consistency (Ruder et al. §3.3): with masks for frames 1, 2, 4… back (nearest
 * first), each pixel keeps only the nearest frame it is reliable in:
 * c_j ← max(c_j − Σ_{k nearer} c_k, 0).
 */
export function longTermMasks(masks: Uint8Array[]): Uint8Array[] {
  if (masks.length === 0) return [];
  const taken = new Uint8Array(masks[0]!.length);
  return masks.map((m) => {
    const out = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) {
      if (m[i] && !taken[i]) {
        out[i] = 1;
        taken[i] = 1;
      }
    }
    return out;
  });
}
