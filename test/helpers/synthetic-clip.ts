/**
 * A synthetic clip whose motion is known exactly: a colourful texture that rotates and
 * translates, and a textured disc passing in front of it. Besides the frames it gives,
 * for each frame t ≥ 1, the true flows to and from frame t−1 and which pixels of frame t
 * are truly visible in frame t−1 (the rest are disoccluded, or came in over the border).
 */
import type { RgbImage } from '../../src/image/types.js';
import type { FlowField } from '../../src/video/flow/types.js';

export interface ClipSpec {
  frames: number;
  width: number;
  height: number;
  /** Background rotation per frame, radians, about the centre. */
  spin: number;
  /** Background translation per frame, px. */
  drift: [number, number];
  /** The disc: radius, centre at frame 0, velocity in px per frame. */
  disc: { radius: number; start: [number, number]; velocity: [number, number] };
}

export const DEFAULT_CLIP: ClipSpec = {
  frames: 12,
  width: 80,
  height: 64,
  spin: 0.02,
  drift: [1.0, 0.5],
  disc: { radius: 12, start: [14, 30], velocity: [4, 0.5] },
};

export interface SyntheticClip {
  spec: ClipSpec;
  frames: RgbImage[];
  /** backward[t]: the true flow from frame t to frame t−1 (index 0 unused). */
  backward: FlowField[];
  /** forward[t]: the true flow from frame t−1 to frame t (index 0 unused). */
  forward: FlowField[];
  /** visible[t][p] = 1 where pixel p of frame t shows a point visible in frame t−1. */
  visible: Uint8Array[];
}

function background(u: number, v: number, c: number): number {
  return 0.5 + 0.2 * Math.sin(0.25 * u + 0.7 * c) * Math.cos(0.19 * v - 0.4 * c) + 0.15 * Math.sin(0.09 * (u + 2 * v) + c) + 0.1 * Math.cos(0.33 * u - 0.13 * v);
}

function discTexture(u: number, v: number, c: number): number {
  return 0.5 + 0.4 * Math.sin(0.8 * u + 1.3 * c) * Math.sin(0.8 * v);
}

export function syntheticClip(spec: ClipSpec = DEFAULT_CLIP): SyntheticClip {
  const { width: W, height: H } = spec;
  const cx = (W - 1) / 2, cy = (H - 1) / 2;
  // Background pose at frame t: a texture point s appears at A_t(s) = R(t·spin)(s − centre) + centre + t·drift.
  const toImage = (t: number, s: [number, number]): [number, number] => {
    const a = t * spin(spec), cs = Math.cos(a), sn = Math.sin(a);
    const dx = s[0] - cx, dy = s[1] - cy;
    return [cs * dx - sn * dy + cx + t * spec.drift[0], sn * dx + cs * dy + cy + t * spec.drift[1]];
  };
  const toTexture = (t: number, p: [number, number]): [number, number] => {
    const a = -t * spin(spec), cs = Math.cos(a), sn = Math.sin(a);
    const dx = p[0] - cx - t * spec.drift[0], dy = p[1] - cy - t * spec.drift[1];
    return [cs * dx - sn * dy + cx, sn * dx + cs * dy + cy];
  };
  const discAt = (t: number): [number, number] => [spec.disc.start[0] + t * spec.disc.velocity[0], spec.disc.start[1] + t * spec.disc.velocity[1]];
  const onDisc = (t: number, x: number, y: number) => {
    const [dx, dy] = discAt(t);
    return (x - dx) ** 2 + (y - dy) ** 2 < spec.disc.radius ** 2;
  };
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x <= W - 1 && y <= H - 1;

  const frames: RgbImage[] = [];
  for (let t = 0; t < spec.frames; t++) {
    const data = new Float32Array(W * H * 3);
    const [dx, dy] = discAt(t);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const disc = onDisc(t, x, y);
        const [u, v] = disc ? [x - dx, y - dy] : toTexture(t, [x, y]);
        for (let c = 0; c < 3; c++) data[3 * (y * W + x) + c] = disc ? discTexture(u, v, c) : background(u, v, c);
      }
    }
    frames.push({ width: W, height: H, data });
  }

  const empty = (): FlowField => ({ width: W, height: H, data: new Float32Array(2 * W * H) });
  const backward: FlowField[] = [empty()];
  const forward: FlowField[] = [empty()];
  const visible: Uint8Array[] = [new Uint8Array(W * H)];
  for (let t = 1; t < spec.frames; t++) {
    const b = empty(), f = empty(), vis = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        // Backward: where pixel (x, y) of frame t was in frame t−1.
        const [qx, qy] = onDisc(t, x, y) ? [x - spec.disc.velocity[0], y - spec.disc.velocity[1]] : toImage(t - 1, toTexture(t, [x, y]));
        b.data[2 * i] = qx - x;
        b.data[2 * i + 1] = qy - y;
        const wasDisc = onDisc(t - 1, qx, qy);
        vis[i] = inside(qx, qy) && wasDisc === onDisc(t, x, y) ? 1 : 0;
        // Forward: where pixel (x, y) of frame t−1 goes in frame t.
        const [rx, ry] = onDisc(t - 1, x, y) ? [x + spec.disc.velocity[0], y + spec.disc.velocity[1]] : toImage(t, toTexture(t - 1, [x, y]));
        f.data[2 * i] = rx - x;
        f.data[2 * i + 1] = ry - y;
      }
    }
    backward.push(b);
    forward.push(f);
    visible.push(vis);
  }
  return { spec, frames, backward, forward, visible };
}

function spin(spec: ClipSpec): number {
  return spec.spin;
}
