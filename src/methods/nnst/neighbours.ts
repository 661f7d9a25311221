/**
 * Nearest-neighbour targets (NNST): each query hypercolumn replaced by the style
 * hypercolumn nearest to it under the centred cosine distance — each set minus its own
 * mean vector, then 1 − cosine — with no gradient. The distances are an N × M matrix
 * (M = 65 536 style positions at 512 px with the rotations): it is computed a chunk of
 * queries at a time, each chunk's rows in one onnxruntime product and argmax, so memory is
 * bounded by the chunk (`chunkRows`, from the budget).
 */
import type { InferenceSession } from 'onnxruntime-common';
import { GraphBuilder } from '../../graph/builder.js';
import type { OrtModule } from '../../runtime/ort.js';

/** Columns of a [C, N] matrix (planar: channel-major, as a feature map's [1, C, h, w] is). */
export interface Columns {
  channels: number;
  count: number;
  data: Float32Array;
}

/**
 * The search graph: queries q [n, C] (rows, centred and unit) against the style columns s
 * [C, M] as they are, with the style set's mean column μ [C, 1] and each column's
 * 1/‖s_j − μ‖ [1, M]: the centred cosine is (q·s_j − q·μ) / ‖s_j − μ‖, so the style set is
 * held once, uncentred (it is the largest thing NNST keeps: 550 MB at 512 px) → the best column per row.
 */
export function searchGraph(): GraphBuilder {
  const g = new GraphBuilder();
  const q = g.addInput('q', ['n', 'C']);
  const s = g.addInput('s', ['C', 'M']);
  const mean = g.addInput('mean', ['C', 1]);
  const scale = g.addInput('scale', [1, 'M']);
  const cosine = g.op('Mul', [g.op('Sub', [g.op('MatMul', [q, s]), g.op('MatMul', [q, mean])]), scale]);
  g.addOutput(g.op('ArgMax', [cosine], { axis: 1, keepdims: 0 }, 'nearest'), ['n'], 'int64');
  return g;
}

/** A set's mean column [C] and each column's 1/‖c − mean‖ [N], without a copy of the set. */
export function centring(c: Columns): { mean: Float32Array; scale: Float32Array } {
  const { channels: C, count: N, data } = c;
  const mean = new Float32Array(C);
  const norms = new Float64Array(N);
  for (let ch = 0; ch < C; ch++) {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += data[ch * N + i]!;
    const m = sum / N;
    mean[ch] = m;
    for (let i = 0; i < N; i++) norms[i]! += (data[ch * N + i]! - m) ** 2;
  }
  return { mean, scale: Float32Array.from(norms, (v) => 1 / Math.sqrt(v + 1e-12)) };
}

/** Columns minus their mean column, each scaled to unit length: the centred cosine's form. */
export function centredUnit(c: Columns): Float32Array {
  const { channels: C, count: N, data } = c;
  const out = new Float32Array(C * N);
  for (let ch = 0; ch < C; ch++) {
    let mean = 0;
    for (let i = 0; i < N; i++) mean += data[ch * N + i]!;
    mean /= N;
    for (let i = 0; i < N; i++) out[ch * N + i] = data[ch * N + i]! - mean;
  }
  const norms = new Float64Array(N);
  for (let ch = 0; ch < C; ch++) for (let i = 0; i < N; i++) norms[i]! += out[ch * N + i]! ** 2;
  for (let i = 0; i < N; i++) norms[i] = 1 / Math.sqrt(norms[i]! + 1e-12);
  for (let ch = 0; ch < C; ch++) for (let i = 0; i < N; i++) out[ch * N + i]! *= norms[i]!;
  return out;
}

/** Rows `from`…`to` of the transposed [C, N] columns: [to − from, C]. */
function rows(columns: Float32Array, C: number, N: number, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * C);
  for (let i = from; i < to; i++) for (let ch = 0; ch < C; ch++) out[(i - from) * C + ch] = columns[ch * N + i]!;
  return out;
}

/** Query rows per chunk whose N × M block of distances (and its argmax's copy) stays within `bytes`. */
export function chunkRows(styleCount: number, bytes: number): number {
  return Math.max(1, Math.min(1 << 16, Math.floor(bytes / (8 * Math.max(1, styleCount)))));
}

/**
 * For each query column, the index of the nearest style column (centred cosine). `queries`
 * are already centred and unit (centredUnit); `styles` are as they are (the graph centres them).
 */
export async function nearestIndices(ort: OrtModule, session: InferenceSession, queries: Float32Array, styles: Columns, N: number, chunk: number): Promise<Int32Array> {
  const { channels: C, count: M } = styles;
  const out = new Int32Array(N);
  const { mean, scale } = centring(styles);
  const fixed = {
    s: new ort.Tensor('float32', styles.data, [C, M]),
    mean: new ort.Tensor('float32', mean, [C, 1]),
    scale: new ort.Tensor('float32', scale, [1, M]),
  };
  for (let from = 0; from < N; from += chunk) {
    const to = Math.min(N, from + chunk);
    const q = new ort.Tensor('float32', rows(queries, C, N, from, to), [to - from, C]);
    const result = await session.run({ q, ...fixed }, ['nearest']);
    const idx = result['nearest']!.data as BigInt64Array;
    for (let i = 0; i < to - from; i++) out[from + i] = Number(idx[i]!);
  }
  return out;
}

/** The style columns at `indices`: [C, N]. */
export function gatherColumns(styles: Columns, indices: Int32Array): Float32Array {
  const { channels: C, count: M, data } = styles;
  const N = indices.length;
  const out = new Float32Array(C * N);
  for (let ch = 0; ch < C; ch++) for (let i = 0; i < N; i++) out[ch * N + i] = data[ch * M + indices[i]!]!;
  return out;
}

/** Columns joined side by side: [C, Σ N_k]. */
export function joinColumns(parts: readonly Columns[]): Columns {
  const C = parts[0]!.channels;
  const count = parts.reduce((n, p) => n + p.count, 0);
  const data = new Float32Array(C * count);
  let at = 0;
  for (const p of parts) {
    for (let ch = 0; ch < C; ch++) data.set(p.data.subarray(ch * p.count, (ch + 1) * p.count), ch * count + at);
    at += p.count;
  }
  return { channels: C, count, data };
}

/** The columns whose flag is set: a region's share of a set. */
export function selectColumns(c: Columns, keep: ArrayLike<boolean | number>): { columns: Columns; positions: Int32Array } {
  const positions: number[] = [];
  for (let i = 0; i < c.count; i++) if (keep[i]) positions.push(i);
  const data = new Float32Array(c.channels * positions.length);
  for (let ch = 0; ch < c.channels; ch++) positions.forEach((p, k) => (data[ch * positions.length + k] = c.data[ch * c.count + p]!));
  return { columns: { channels: c.channels, count: positions.length, data }, positions: Int32Array.from(positions) };
}

/** v / √clamp(Σ_c v², 1e-8, 1e8) per column (what the hypercolumn loss compares). */
export function unitColumns(c: Columns): Float32Array {
  const { channels: C, count: N, data } = c;
  const out = Float32Array.from(data);
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let ch = 0; ch < C; ch++) sum += data[ch * N + i]! ** 2;
    const inv = 1 / Math.sqrt(Math.min(1e8, Math.max(1e-8, sum)));
    for (let ch = 0; ch < C; ch++) out[ch * N + i]! *= inv;
  }
  return out;
}
