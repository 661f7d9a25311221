/**
 * The reliability mask (Ruder et al.'s forward–backward check) on a synthetic pair whose
 * disoccluded pixels are known: a disc moves over a rotating, drifting texture, and the
 * texture it uncovers (plus what drifts in over the border) has no match in the previous
 * frame.
 */
import { describe, expect, it } from 'vitest';
import { longTermMasks, reliability } from '../../src/video/consistency.js';
import { nodeFlowProvider } from '../../src/video/flow/opencv-node.js';
import { toGray } from '../../src/video/warp.js';
import { syntheticClip } from '../helpers/synthetic-clip.js';

function score(c: Uint8Array, visible: Uint8Array) {
  let occluded = 0, caught = 0, rest = 0, kept = 0;
  for (let i = 0; i < c.length; i++) {
    if (visible[i]) {
      rest++;
      kept += c[i]!;
    } else {
      occluded++;
      caught += 1 - c[i]!;
    }
  }
  return { occluded, disoccludedZero: caught / occluded, restOne: kept / rest };
}

const clip = syntheticClip();

describe('reliability mask', () => {
  it('true flows: ≥ 90% of disoccluded pixels get 0, ≥ 95% of the rest get 1', () => {
    for (const t of [1, 5, 9]) {
      const s = score(reliability(clip.backward[t]!, clip.forward[t]!), clip.visible[t]!);
      expect(s.occluded).toBeGreaterThan(150); // the disc's wake is really there
      expect(s.disoccludedZero, `frame ${t}`).toBeGreaterThanOrEqual(0.9);
      expect(s.restOne, `frame ${t}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("Farnebäck's flows (OpenCV): most of the wake is caught, most of the rest kept", async () => {
    // Estimated flow is wrong in a band around the disc's edge and a little noisy elsewhere
    // (the small window that warps best), so the check is stricter than the truth: measured
    // 80–83% of the wake at 0 and 69–73% of the rest at 1 on this clip. Those pixels are
    // only left unconstrained, which costs consistency, never correctness.
    const flow = nodeFlowProvider();
    for (const t of [1, 5, 9]) {
      const [a, b] = [toGray(clip.frames[t]!), toGray(clip.frames[t - 1]!)];
      const s = score(reliability(await flow.flow(a, b), await flow.flow(b, a)), clip.visible[t]!);
      expect(s.disoccludedZero, `frame ${t}`).toBeGreaterThanOrEqual(0.75);
      expect(s.restOne, `frame ${t}`).toBeGreaterThanOrEqual(0.65);
    }
  });

  it('a constant flow is reliable everywhere inside, and unreliable where it points outside', () => {
    const w = 10, h = 6;
    const field = (u: number) => ({ width: w, height: h, data: new Float32Array(2 * w * h).map((_, i) => (i % 2 === 0 ? u : 0)) });
    const c = reliability(field(2), field(-2));
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(c[y * w + x], `${x},${y}`).toBe(x + 2 <= w - 1 ? 1 : 0);
  });

  it('long-term masks: each pixel keeps to the nearest frame it is reliable in', () => {
    const m = longTermMasks([Uint8Array.from([1, 0, 0, 1]), Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([1, 1, 1, 0])]);
    expect(m.map((a) => [...a])).toEqual([[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]]);
  });
});
