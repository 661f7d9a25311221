import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { bytesSource } from '../../src/models/formats/byte-source.js';
import { readConvWeights } from '../../src/models/formats/detect.js';
import { encodeSafetensors } from '../../src/models/formats/safetensors.js';
import { convLayers, vgg16Table, vgg19Table } from '../../src/models/layers.js';
import { caffePreprocessing, toNetworkInput } from '../../src/models/preprocessing.js';
import { randomVggModel, randomVggWeights, VGG_WIDTHS } from '../../src/models/random-model.js';
import type { ConvWeights, LayerTable, Tensor } from '../../src/models/types.js';

/** Reference VGG forward pass (3×3 conv pad 1, ReLU, 2×2 max-pool), returning each ReLU's RMS. */
function reluRms(table: LayerTable, weights: ConvWeights, input: Float32Array, size: number, until: string): Map<string, number> {
  let x = input;
  let c = 3;
  let h = size;
  let w = size;
  const rms = new Map<string, number>();
  for (const layer of table.layers) {
    if (layer.kind === 'conv') {
      const { weight, bias } = weights.get(layer.name)!;
      const o = weight.dims[0]!;
      const out = new Float32Array(o * h * w);
      for (let oc = 0; oc < o; oc++) {
        const dst = out.subarray(oc * h * w, (oc + 1) * h * w).fill(bias.data[oc]!);
        for (let ic = 0; ic < c; ic++) {
          const src = x.subarray(ic * h * w, (ic + 1) * h * w);
          for (let ky = 0; ky < 3; ky++) {
            for (let kx = 0; kx < 3; kx++) {
              const k = weight.data[((oc * c + ic) * 3 + ky) * 3 + kx]!;
              for (let y = Math.max(0, 1 - ky); y < Math.min(h, h + 1 - ky); y++) {
                const row = (y + ky - 1) * w + kx - 1;
                for (let xx = Math.max(0, 1 - kx); xx < Math.min(w, w + 1 - kx); xx++) dst[y * w + xx]! += k * src[row + xx]!;
              }
            }
          }
        }
      }
      x = out;
      c = o;
    } else if (layer.kind === 'relu') {
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        if (x[i]! < 0) x[i] = 0;
        s += x[i]! * x[i]!;
      }
      rms.set(layer.name, Math.sqrt(s / x.length));
      if (layer.name === until) break;
    } else {
      const nh = h >> 1;
      const nw = w >> 1;
      const out = new Float32Array(c * nh * nw);
      for (let ch = 0; ch < c; ch++) {
        for (let y = 0; y < nh; y++) {
          for (let xx = 0; xx < nw; xx++) {
            const b = ch * h * w + 2 * y * w + 2 * xx;
            out[(ch * nh + y) * nw + xx] = Math.max(x[b]!, x[b + 1]!, x[b + w]!, x[b + w + 1]!);
          }
        }
      }
      x = out;
      h = nh;
      w = nw;
    }
  }
  return rms;
}

/** A smooth synthetic 'photo', Caffe-preprocessed (values roughly ±100). */
function caffeInput(size: number): Float32Array {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * size + x) * 3 + c] = 0.5 + 0.3 * Math.sin(x * 0.4 + c) * Math.cos(y * 0.3 - c) + 0.1 * Math.sin(x * y * 0.05);
      }
    }
  }
  return toNetworkInput({ width: size, height: size, data }, caffePreprocessing);
}

/** Full-size VGG19 weights take ~1.5 s to draw: share one set between tests. */
let fullVgg19: ConvWeights | undefined;
const fullWeights = () => (fullVgg19 ??= randomVggWeights(vgg19Table, 1));

const rmsOf = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

describe('randomVggWeights', () => {
  it('has the real VGG shapes by default, He-normal weights and zero biases', () => {
    const weights = fullWeights();
    expect([...weights.keys()]).toEqual(convLayers(vgg19Table).map((l) => l.name));
    expect(weights.get('conv1_1')!.weight.dims).toEqual([64, 3, 3, 3]);
    expect(weights.get('conv3_1')!.weight.dims).toEqual([256, 128, 3, 3]);
    expect(weights.get('conv5_4')!.weight.dims).toEqual([512, 512, 3, 3]);
    const w = weights.get('conv4_2')!.weight.data;
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(rmsOf(w) / Math.sqrt(2 / (512 * 9))).toBeCloseTo(1, 2);
    expect(weights.get('conv4_2')!.bias.data.every((v) => v === 0)).toBe(true);
  });

  it('is reproducible from the seed, and the seed matters', () => {
    const a = randomVggWeights(vgg16Table, 5, [4, 6, 8, 8, 8]);
    const b = randomVggWeights(vgg16Table, 5, [4, 6, 8, 8, 8]);
    const c = randomVggWeights(vgg16Table, 6, [4, 6, 8, 8, 8]);
    expect(a.get('conv5_3')!.weight.data).toEqual(b.get('conv5_3')!.weight.data);
    expect(a.get('conv1_1')!.weight.data).not.toEqual(c.get('conv1_1')!.weight.data);
    expect(a.get('conv5_3')!.weight.dims).toEqual([8, 8, 3, 3]);
    expect(a.get('conv2_1')!.weight.dims).toEqual([6, 4, 3, 3]);
  });

  it('refuses widths that do not cover every block', () => {
    expect(() => randomVggWeights(vgg19Table, 0, [4, 4, 4])).toThrow(UsageError);
    expect(() => randomVggWeights(vgg19Table, 0, [4, 4, 4, 0, 4])).toThrow(/give no valid width for conv4_1/);
    expect(() => randomVggWeights(vgg19Table, 0, VGG_WIDTHS, { gain: -1 })).toThrow(/gain must be a positive number/);
  });

  it('survives a round trip through safetensors and readConvWeights', async () => {
    const weights = randomVggWeights(vgg19Table, 3, [4, 6, 8, 8, 8]);
    const tensors = new Map<string, Tensor>();
    for (const [name, p] of weights) {
      tensors.set(`${name}.weight`, p.weight);
      tensors.set(`${name}.bias`, p.bias);
    }
    const back = await readConvWeights(bytesSource(encodeSafetensors(tensors)), vgg19Table);
    for (const [name, p] of weights) expect(back.get(name)!.weight.data).toEqual(p.weight.data);
  });

  it('randomVggModel bundles table, weights and Caffe preprocessing', () => {
    const model = randomVggModel('vgg16', 2, [4, 4, 4, 4, 4]);
    expect(model.table).toBe(vgg16Table);
    expect(model.preprocessing).toBe(caffePreprocessing);
    expect(model.weights.size).toBe(13);
    expect(model.name).toBe('random-vgg16-seed2-w4x4x4x4x4');
  });

  it('keeps activations at the input scale down to relu5_1 (full widths, 32×32)', () => {
    const size = 32;
    const input = caffeInput(size);
    const inputRms = rmsOf(input);
    expect(inputRms).toBeGreaterThan(30); // Caffe scale: tens to a hundred
    const rms = reluRms(vgg19Table, fullWeights(), input, size, 'relu5_1');
    for (const [name, r] of rms) {
      // Neither vanishing nor exploding: within a factor 3 of the input's RMS at every ReLU
      // (measured: 0.8×–1.6×).
      expect(r / inputRms, name).toBeGreaterThan(1 / 3);
      expect(r / inputRms, name).toBeLessThan(3);
    }
    expect(rms.has('relu5_1')).toBe(true);
  });

  it('gain scales every activation by the same factor', () => {
    const size = 16;
    const input = caffeInput(size);
    const widths = [8, 8, 8, 8, 8];
    const plain = reluRms(vgg19Table, randomVggWeights(vgg19Table, 4, widths), input, size, 'relu5_1');
    const scaled = reluRms(vgg19Table, randomVggWeights(vgg19Table, 4, widths, { gain: 1 / 64 }), input, size, 'relu5_1');
    for (const [name, r] of plain) expect(scaled.get(name)! * 64, name).toBeCloseTo(r, 2);
  });
});
