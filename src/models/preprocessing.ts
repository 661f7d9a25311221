/**
 * How an RGB image in [0, 1] becomes a network's input, per weight family, and back:
 *
 *     input[c] = (rgb01[channelOrder[c]] * scale − mean[c]) / std[c]      (NCHW, N = 1)
 *
 * The inverse does no clamping: an optimised image may leave [0, 1], and clamping is the
 * output encoder's decision.
 */
import { InputError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import type { Preprocessing } from './types.js';

/** Shared constants: frozen all the way down so no caller can change them for everyone. */
function define(p: Preprocessing): Preprocessing {
  Object.freeze(p.channelOrder);
  Object.freeze(p.mean);
  Object.freeze(p.std);
  return Object.freeze(p);
}

/**
 * Caffe VGG (the original weights; jcjohnson/neural-style, neural-style-pt's converted
 * vgg19-d01eb7cb.pth): BGR, 0–255, ImageNet mean subtracted, no division.
 */
export const caffePreprocessing: Preprocessing = define({
  family: 'caffe',
  channelOrder: [2, 1, 0],
  scale: 255,
  mean: [103.939, 116.779, 123.68],
  std: [1, 1, 1],
});

/** torchvision's ImageNet models (vgg19-dcbb9e9d.pth): RGB in [0, 1], mean/std normalised. */
export const torchvisionPreprocessing: Preprocessing = define({
  family: 'torchvision',
  channelOrder: [0, 1, 2],
  scale: 1,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
});

/** Davi Frossard's vgg16_weights.npz: RGB, 0–255, ImageNet mean in RGB order. */
export const frossardPreprocessing: Preprocessing = define({
  family: 'frossard',
  channelOrder: [0, 1, 2],
  scale: 255,
  mean: [123.68, 116.779, 103.939],
  std: [1, 1, 1],
});

export function preprocessingFor(family: Preprocessing['family']): Preprocessing {
  switch (family) {
    case 'caffe':
      return caffePreprocessing;
    case 'torchvision':
      return torchvisionPreprocessing;
    case 'frossard':
      return frossardPreprocessing;
  }
}

/** For each RGB channel, the network channel it feeds (the inverse permutation). */
function inverseOrder(p: Preprocessing): [number, number, number] {
  const inv: number[] = [-1, -1, -1];
  p.channelOrder.forEach((rgb, c) => {
    if (rgb === 0 || rgb === 1 || rgb === 2) inv[rgb] = c;
  });
  if (inv.includes(-1)) throw new InputError(`preprocessing '${p.family}': channelOrder [${p.channelOrder.join(', ')}] is not a permutation of [0, 1, 2]`);
  return inv as [number, number, number];
}

function checkSize(width: number, height: number, length: number, what: string): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
    throw new InputError(`${what}: invalid size ${width}×${height}`);
  }
  if (length !== width * height * 3) {
    throw new InputError(`${what}: ${length} values do not make a ${width}×${height}×3 image (${width * height * 3} expected)`);
  }
}

/** RGB image (HWC, [0, 1]) → network input, NCHW with N = 1, as float32. */
export function toNetworkInput(img: RgbImage, p: Preprocessing): Float32Array {
  const { width, height, data } = img;
  checkSize(width, height, data.length, 'toNetworkInput');
  inverseOrder(p);
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const src = p.channelOrder[c]!;
    const scale = p.scale;
    const mean = p.mean[c]!;
    const std = p.std[c]!;
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (data[i * 3 + src]! * scale - mean) / std;
  }
  return out;
}

/** Network input (NCHW, N = 1) → RGB image (HWC). The exact inverse of toNetworkInput; no clamping. */
export function fromNetworkInput(data: Float32Array, width: number, height: number, p: Preprocessing): RgbImage {
  checkSize(width, height, data.length, 'fromNetworkInput');
  const inv = inverseOrder(p);
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  for (let rgb = 0; rgb < 3; rgb++) {
    const c = inv[rgb]!;
    const scale = p.scale;
    const mean = p.mean[c]!;
    const std = p.std[c]!;
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[i * 3 + rgb] = (data[base + i]! * std + mean) / scale;
  }
  return { width, height, data: out };
}
