/**
 * The Winograd output transform, Y = Aᵀ M A per tile, and the interleave of each tile's
 * m×m pixels into the feature map, as records: the same result, different op sequences.
 *
 * M arrives from the channel product as [P, K·T]: position (i, j) of the (m+2)² outer,
 * then output channel, then tile (ty, tx). Every record returns the padded map
 * [1, K, ty·m, tx·m]; the caller crops it.
 */
import type { GraphBuilder } from '../builder.js';
import { cached } from './cached.js';
import { outputTransform, type WinogradTransform } from './transforms.js';

export interface OutputFormInput {
  /** The channel product, [P, K·T]. */
  M: string;
  /** Output channels. */
  K: number;
  /** [ty, tx], the tile grid (int64, from the graph). */
  tiles: string;
}

export interface WinogradOutputForm {
  emit(g: GraphBuilder, t: WinogradTransform, x: OutputFormInput): string;
  /** Floats per output channel and tile held at once beyond M (for the memory estimate). */
  transientPerTile(m: number): number;
}

/**
 * Aᵀ⊗Aᵀ as one m²×P GEMM, then DepthToSpace. What conv.ts emitted first, and still the
 * WASM backend's form (faster there, table.ts). Its GEMM does 2.4× the multiplications
 * of the separable form, and onnxruntime's float DepthToSpace is a single-threaded Eigen
 * shuffle whose innermost run is one pixel (9% of a 512 px CPU evaluation, profiled).
 */
const depthToSpace: WinogradOutputForm = {
  emit(g, t, { M, K, tiles }) {
    const { m } = t;
    const AA = cached(g, `winograd_F${m}_A`, () => outputTransform(t), [m * m, (m + 2) ** 2]);
    const Y = g.op('Reshape', [g.op('MatMul', [AA, M]), g.op('Concat', [g.constantI64([1, m * m * K]), tiles], { axis: 0 })]);
    return g.op('DepthToSpace', [Y], { blocksize: m, mode: 'DCR' });
  },
  transientPerTile: (m) => 2 * m * m,
};

/**
 * Aᵀ applied along each axis in turn, so the pixels come out in rows of the map:
 *   rows     Aᵀ [m, a] · M as [a, a·K·T]                 → [py, j, K, ty, tx]
 *   columns  (that, last two axes swapped) · A [a, m]     → [py, K, ty, tx, px]
 *            (onnxruntime folds the swap into the GEMM as transA)
 *   rows in place  [py, K·ty, W] → [K·ty, py, W]        one Transpose whose runs are
 *            whole map rows (W = tx·m), where DepthToSpace's are single pixels.
 * Measured per VGG-19 shape at 512 px on the CPU provider (bench/prototypes/
 * output_interleave.py, three runs): ×0.50–0.90 of `depthToSpace`'s time on every shape
 * but the 32² maps (×0.63–1.29). Chromium's WASM runs `depthToSpace` faster (table.ts).
 */
const separable: WinogradOutputForm = {
  emit(g, t, { M, K, tiles }) {
    const { m } = t;
    const a = m + 2;
    const AT = cached(g, `winograd_F${m}_AT`, () => Float32Array.from(t.AT.flat()), [m, a]);
    const A = cached(g, `winograd_F${m}_A_cols`, () => Float32Array.from(transpose(t.AT).flat()), [a, m]);
    const byRows = g.op('MatMul', [AT, g.op('Reshape', [M, g.constantI64([a, -1])])]);
    const swapped = g.op('Transpose', [g.op('Reshape', [byRows, g.constantI64([m, a, -1])])], { perm: [0, 2, 1] });
    const pixels = g.op('MatMul', [swapped, A]);
    const width = g.op('Mul', [g.op('Slice', [tiles, g.constantI64([1]), g.constantI64([2])]), g.constantI64([m])]);
    const rows = g.op('Reshape', [pixels, g.op('Concat', [g.constantI64([m, -1]), width], { axis: 0 })]);
    const map = g.op('Transpose', [rows], { perm: [1, 0, 2] });
    return g.op('Reshape', [map, g.op('Concat', [g.constantI64([1, K, -1]), width], { axis: 0 })]);
  },
  // M's rows product (m·a) and the pixels (m²) together, then the pixels and their copy.
  transientPerTile: (m) => Math.max(m * (m + 2) + m * m, 2 * m * m),
};

export const WINOGRAD_OUTPUT_FORMS = { separable, depthToSpace } as const;
export type WinogradOutputName = keyof typeof WINOGRAD_OUTPUT_FORMS;
/** What conv.ts uses unless told otherwise. */
export const DEFAULT_WINOGRAD_OUTPUT: WinogradOutputName = 'separable';

function transpose(rows: number[][]): number[][] {
  return rows[0]!.map((_, j) => rows.map((row) => row[j]!));
}
