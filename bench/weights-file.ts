/**
 * Conv weights as a file both sides of a comparison load: a JSON index (name, dims and
 * offset of each weight and bias, in float32 elements) beside one little-endian float32
 * data file. bench/methods.ts writes it, bench/methods-run.ts and bench/authors_nnst.py read
 * it, so ours and the authors' run see the same tensors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ConvWeights, Tensor } from '../src/models/types.js';

interface Entry {
  dims: number[];
  offset: number;
}

interface Index {
  data: string;
  layers: { name: string; weight: Entry; bias: Entry }[];
}

/** Writes `index` (JSON) and `data` (float32): every conv in the map's order. */
export function writeWeightsFile(weights: ConvWeights, index: string, data: string): void {
  const layers: Index['layers'] = [];
  let offset = 0;
  const entry = (t: Tensor): Entry => {
    const e = { dims: t.dims, offset };
    offset += t.data.length;
    return e;
  };
  for (const [name, { weight, bias }] of weights) layers.push({ name, weight: entry(weight), bias: entry(bias) });
  const all = new Float32Array(offset);
  for (const l of layers) {
    all.set(weights.get(l.name)!.weight.data, l.weight.offset);
    all.set(weights.get(l.name)!.bias.data, l.bias.offset);
  }
  writeFileSync(data, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
  writeFileSync(index, JSON.stringify({ data, layers } satisfies Index, null, 1));
}

export function readWeightsFile(index: string): ConvWeights {
  const { data, layers } = JSON.parse(readFileSync(index, 'utf8')) as Index;
  const bytes = readFileSync(data);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const tensor = (e: Entry): Tensor => ({ dims: e.dims, data: all.slice(e.offset, e.offset + e.dims.reduce((a, b) => a * b, 1)) });
  return new Map(layers.map((l) => [l.name, { weight: tensor(l.weight), bias: tensor(l.bias) }]));
}

/** Σ|w| + Σ|b| in float64: both sides print it, so the bench can tell that they loaded the same values. */
export function weightsAbsSum(weights: ConvWeights): number {
  let sum = 0;
  for (const { weight, bias } of weights.values()) for (const t of [weight, bias]) for (const v of t.data) sum += Math.abs(v);
  return sum;
}
