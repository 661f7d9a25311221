/**
 * A 3×3, stride-1, pad-1 convolution as Winograd F(m×m, 3×3) in ordinary ONNX ops, so
 * that every provider runs it (onnxruntime's CPU and WASM kernels convolve directly):
 *
 *   input transform   a strided Conv: each channel, as a batch item of one channel, with
 *                     the (m+2)² kernels of Bᵀ's outer products, stride m
 *   channel product   one batched MatMul over the (m+2)² positions, with the transformed
 *                     kernels U (K×C per position)
 *   output transform  Aᵀ M A and the interleave of tiles into the map, in one of the
 *                     forms of output.ts → crop → + bias
 *
 * Every shape is derived from Shape(x) in the graph, so one session serves any image size.
 *
 * U = (G⊗G)·W is computed in the graph at each evaluation (one small GEMM per conv) from
 * the weights as [9, K·C] rather than stored: stored, it is 4× the weights for F4 and
 * differs between a conv and its input gradient, and the objective's memory doubled. An
 * input gradient reads its forward conv's weights through flipped (G⊗G) columns and the
 * by-tap weights with each tap's matrix transposed ([9, C·K], folded once by onnxruntime),
 * so that its U comes out [P, C, K] as the channel product wants it. Transposing U
 * instead (onnxruntime folds that into the MatMul as transA) made MLAS's GEMM 1.2–2×
 * slower at 512 channels: ~120 ms per 512 px evaluation (bench/RESULTS.md).
 */
import { derivedRecipe, type GraphBuilder } from '../builder.js';
import { cached } from './cached.js';
import { DEFAULT_WINOGRAD_OUTPUT, WINOGRAD_OUTPUT_FORMS, type WinogradOutputName } from './output.js';
import { inputTransform, kernelTransform, type WinogradTransform } from './transforms.js';

export interface WinogradConvInput {
  x: string;
  /**
   * The weights as a forward conv holds them, W[K, C, 3, 3] (an initializer), and whether
   * this conv is its input gradient (then it maps K channels to C with W flipped in space
   * and transposed in channels).
   */
  weights: string;
  inputGradient: boolean;
  /** Initializer name of a bias, or undefined. */
  bias?: string;
  /** The value the result must be written to. */
  output: string;
}

export function addWinogradConv(g: GraphBuilder, t: WinogradTransform, c: WinogradConvInput, outputForm: WinogradOutputName = DEFAULT_WINOGRAD_OUTPUT): string {
  const { m } = t;
  const a = m + 2;
  const P = a * a;
  const [K0, C0] = g.initializers.get(c.weights)!.dims as [number, number];
  const [inC, outC] = c.inputGradient ? [K0, C0] : [C0, K0];
  const B = cached(g, `winograd_F${m}_B`, () => inputTransform(t), [P, 1, a, a]);

  // The input transform is itself a convolution: each channel (as a batch item of one
  // channel) with P kernels a×a, stride m. Padding 1 before and m after gives exactly
  // ⌈H/m⌉ tiles for any H.
  const hw = g.op('Slice', [g.op('Shape', [c.x]), g.constantI64([2]), g.constantI64([4])]);
  const perChannel = g.op('Reshape', [c.x, g.op('Concat', [g.constantI64([inC, 1]), hw], { axis: 0 })]);
  // Its kernels made non-constant too: with constant weights onnxruntime runs this conv in
  // its blocked NCHWc layout and copies the result back (ReorderOutput, ~8% of the form's
  // time at 256 channels); the plain im2col + GEMM Conv writes NCHW directly.
  const transformed = g.op('Conv', [perChannel, g.op('Add', [B, liveZero(g, hw)])], { kernel_shape: [a, a], strides: [m, m], dilations: [1, 1], pads: [1, 1, m, m] });
  const tiles = g.op('Slice', [g.op('Shape', [transformed]), g.constantI64([2]), g.constantI64([4])]);
  // [C, P, tiles] → [P, C, tiles]: the positions become the batch of the channel product
  // (onnxruntime folds this transpose into the MatMul).
  const V = g.op('Transpose', [g.op('Reshape', [transformed, g.constantI64([inC, P, -1])])], { perm: [1, 0, 2] });
  const U = kernels(g, t, c.weights, c.inputGradient, hw);
  const M = g.op('Reshape', [g.op('MatMul', [U, V]), g.constantI64([P, -1])]);
  const full = WINOGRAD_OUTPUT_FORMS[outputForm].emit(g, t, { M, K: outC, tiles });
  const cropped = g.op('Slice', [full, g.constantI64([0, 0]), hw, g.constantI64([2, 3])], {}, c.bias ? undefined : c.output);
  if (!c.bias) return cropped;
  return g.op('Add', [cropped, channelBias(g, c.bias, outC)], {}, c.output);
}

/** U per position, [P, out, in]: (G⊗G)·W, or for an input gradient (flipped G⊗G)·W with the channels swapped. */
function kernels(g: GraphBuilder, t: WinogradTransform, weights: string, inputGradient: boolean, hw: string): string {
  const w = g.initializers.get(weights)!;
  const [K, C] = w.dims as [number, number];
  const P = (t.m + 2) ** 2;
  const makeByTap = () => byTap(w.data as Float32Array, K, C);
  // Lazy weights stay unread (src/graph/builder.ts LazyData): the copy is made with the model's bytes.
  const byTapW = cached(g, `${weights}_by_tap`, w.recipe === undefined ? makeByTap : { recipe: derivedRecipe(byTap, w.recipe), make: makeByTap }, [9, K * C]);
  // The swap is constant, so onnxruntime folds it once when the session is made: the
  // second copy lives in the session only, not in the model bytes or JavaScript too.
  const W9 = inputGradient ? swappedByTap(g, weights, byTapW, K, C) : byTapW;
  const GG = cached(g, `winograd_F${t.m}_G${inputGradient ? '_flipped' : ''}`, () => kernelTransform(t, inputGradient), [P, 9]);
  // onnxruntime folds constant subgraphs when the session is made, which would store U
  // after all; adding a zero that depends on the image's size keeps the product live.
  const dims = inputGradient ? [P, C, K] : [P, K, C];
  return g.op('Reshape', [g.op('MatMul', [g.op('Add', [GG, liveZero(g, hw)]), W9]), g.constantI64(dims)]);
}

/** W[K, C, 3, 3] as [9, K·C]: row y·3+x is every kernel's tap (y, x). */
function byTap(w: Float32Array, K: number, C: number): Float32Array {
  const out = new Float32Array(9 * K * C);
  for (let kc = 0; kc < K * C; kc++) for (let tap = 0; tap < 9; tap++) out[tap * K * C + kc] = w[kc * 9 + tap]!;
  return out;
}

/** The by-tap weights [9, K·C] as [9, C·K]: each tap's K×C matrix transposed. One per weights. */
function swappedByTap(g: GraphBuilder, weights: string, byTapW: string, K: number, C: number): string {
  const name = `${weights}_by_tap_swapped`;
  if (g.has(name)) return name;
  const perTap = g.op('Transpose', [g.op('Reshape', [byTapW, g.constantI64([9, K, C])])], { perm: [0, 2, 1] });
  return g.op('Reshape', [perTap, g.constantI64([9, C * K])], {}, name);
}

/** float(H − H): zero, but not a constant to onnxruntime's folding. One per graph. */
function liveZero(g: GraphBuilder, hw: string): string {
  const name = 'winograd_live_zero';
  if (g.has(name)) return name;
  const h = g.op('Slice', [hw, g.constantI64([0]), g.constantI64([1])]);
  return g.op('Cast', [g.op('Sub', [h, h])], { to: 1 }, name);
}

/** The bias [K] as [K, 1, 1], to broadcast over [1, K, H, W]. */
function channelBias(g: GraphBuilder, bias: string, K: number): string {
  const name = `${bias}_chw`;
  if (g.has(name)) return name;
  const b = g.initializers.get(bias)!;
  return g.addInitializer(name, b.recipe === undefined ? (b.data as Float32Array) : { recipe: b.recipe, make: () => b.data as Float32Array }, [K, 1, 1]);
}
