/**
 * Pixels ↔ network input as graph nodes: preprocessing (channel order, scale, mean, std)
 * is affine per channel, so it is one 1×1 Conv with fixed weights — which the Conv
 * gradient rule already differentiates. With `optimizeSpace: 'rgb'` the objective's
 * input is the 0–1 RGB image itself (crowsonkb optimises there, with Adam and clamping),
 * and terms on pixels (his TV) read it either way.
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Preprocessing } from '../models/types.js';

/** The identity "preprocessing": planar 0–1 RGB, what x holds when optimising in RGB. */
export const PLANAR_RGB: Preprocessing = { family: 'torchvision', channelOrder: [0, 1, 2], scale: 1, mean: [0, 0, 0], std: [1, 1, 1] };

function conv(g: GraphBuilder, x: string, weight: Float32Array, bias: Float32Array, name: string): string {
  const w = g.has(`${name}_W`) ? `${name}_W` : g.addInitializer(`${name}_W`, weight, [3, 3, 1, 1]);
  const b = g.has(`${name}_B`) ? `${name}_B` : g.addInitializer(`${name}_B`, bias, [3]);
  return g.op('Conv', [x, w, b], { kernel_shape: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] });
}

/** 0–1 planar RGB → network input: net_c = (rgb[order_c] · scale − mean_c) / std_c. */
export function addPixelsToNetwork(g: GraphBuilder, rgb: string, p: Preprocessing): string {
  const w = new Float32Array(9), b = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    w[c * 3 + p.channelOrder[c]!] = p.scale / p.std[c]!;
    b[c] = -p.mean[c]! / p.std[c]!;
  }
  return conv(g, rgb, w, b, 'pixels_to_network');
}

/** Network input → 0–1 planar RGB (the inverse). */
export function addNetworkToPixels(g: GraphBuilder, x: string, p: Preprocessing): string {
  const w = new Float32Array(9), b = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    const rgb = p.channelOrder[c]!;
    w[rgb * 3 + c] = p.std[c]! / p.scale;
    b[rgb] = p.mean[c]! / p.scale;
  }
  return conv(g, x, w, b, 'network_to_pixels');
}

/** Per-channel bounds of a 0–1 image in a space (network input, or planar RGB). */
export function pixelBounds(p: Preprocessing): { lo: number[]; hi: number[] } {
  const lo = [0, 1, 2].map((c) => (0 - p.mean[c]!) / p.std[c]!);
  const hi = [0, 1, 2].map((c) => (p.scale - p.mean[c]!) / p.std[c]!);
  return { lo, hi };
}
