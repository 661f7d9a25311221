/**
 * crowsonkb's Wasserstein-2 style loss (style-transfer-pytorch): the 2-Wasserstein distance
 * between Gaussians fitted to each layer's features, F as C × N:
 *   μ = F·1/N,  S = F·Fᵀ/N,  Σ = S − μμᵀ + 1e-4·I
 *   loss_l = mean((μ(x) − μ_s)²) + mean(diag(Σ_s + Σ(x) − 2·sqrtm(Σ_s^½ · Σ(x) · Σ_s^½)))
 * The style's statistic is (μ, S) packed as [C+1, C] — row 0 μᵀ, rows 1… S — so several
 * styles blend linearly, as crowsonkb's do; Σ_s and Σ_s^½ are derived once from the blend
 * (packed [2C+1, C]: μᵀ, Σ_s, Σ_s^½).
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../models/types.js';
import { layerSize } from '../network/geometry.js';
import type { LayerTable } from '../models/types.js';
import { flatFeature, selfProduct } from './gram.js';
import { addSqrtm, identity } from './sqrtm.js';
import type { Derivation, Statistic } from './types.js';

export const W2_EPSILON = 1e-4;

/** F as C × N, μ = F·u with u = 1/N fed ([N, 1]), S = F·Fᵀ / N. */
function moments(g: GraphBuilder, feature: string, channels: number, u: string): { f: string; mean: string; s: string } {
  const f = flatFeature(g, feature, channels);
  const mean = g.op('MatMul', [f, u]);
  const count = g.op('Div', [g.op('ReduceProd', [g.op('Cast', [g.op('Shape', [feature])], { to: 1 })], { keepdims: 0 }), g.constant(channels)]);
  const s = g.op('Div', [selfProduct(g, f), count]);
  return { f, mean, s };
}

/** Σ = S − μμᵀ + ε·I, μ a [C, 1] value. */
function covariance(g: GraphBuilder, s: string, mean: string, channels: number): string {
  const outer = selfProduct(g, mean);
  return g.op('Add', [g.op('Sub', [s, outer]), g.op('Mul', [identity(g, channels), g.constant(W2_EPSILON)])]);
}

/** The uniform averaging vector u = 1/N for a layer ([N, 1]). */
export function meanVector(table: LayerTable, layer: string, width: number, height: number): Tensor {
  const { width: w, height: h } = layerSize(table, layer, width, height);
  return { dims: [w * h, 1], data: new Float32Array(w * h).fill(1 / (w * h)) };
}

const rows = (g: GraphBuilder, packed: string, from: number, to: number) =>
  g.op('Slice', [packed, g.constantI64([from]), g.constantI64([to]), g.constantI64([0])]);

/** (μ, S) of a style image, packed [C+1, C]. */
export const gaussianMoments: Statistic = {
  name: 'moments',
  build: (g, feature, channels, ctx) => {
    const { mean, s } = moments(g, feature, channels, ctx!.input('mean', [`n_${ctx!.layer}`, 1]));
    return g.op('Concat', [g.op('Transpose', [mean], { perm: [1, 0] }), s], { axis: 0 });
  },
  dims: (channels) => [channels + 1, channels],
  feeds: (ctx) => ({ mean: meanVector(ctx.table, ctx.layer, ctx.width, ctx.height) }),
};

/** Blended (μ_s, S_s) → (μ_s, Σ_s, Σ_s^½), packed [2C+1, C]. */
export const w2StyleTarget: Derivation = {
  build: (g, packed, channels) => {
    const meanRow = rows(g, packed, 0, 1);
    const sigma = covariance(g, rows(g, packed, 1, channels + 1), g.op('Transpose', [meanRow], { perm: [1, 0] }), channels);
    return g.op('Concat', [meanRow, sigma, addSqrtm(g, sigma, channels)], { axis: 0 });
  },
  dims: (channels) => [2 * channels + 1, channels],
};

/** loss_l for the image's activation at one layer against a derived target; `u` = 1/N ([N, 1]). */
export function addW2Loss(g: GraphBuilder, feature: string, channels: number, target: string, u: string): string {
  const { mean, s } = moments(g, feature, channels, u);
  return addW2LossOfMoments(g, mean, s, channels, target);
}

/** loss_l from the image's moments μ ([C, 1]) and S = F·Fᵀ/N ([C, C]): what tiles compute from their summed pieces. */
export function addW2LossOfMoments(g: GraphBuilder, mean: string, s: string, channels: number, target: string): string {
  const sigma = covariance(g, s, mean, channels);
  const targetMean = g.op('Transpose', [rows(g, target, 0, 1)], { perm: [1, 0] });
  const targetSigma = rows(g, target, 1, channels + 1);
  const targetRoot = rows(g, target, channels + 1, 2 * channels + 1);
  const d = g.op('Sub', [mean, targetMean]);
  const meanTerm = g.op('ReduceMean', [g.op('Mul', [d, d])], { keepdims: 0 });
  const cross = addSqrtm(g, g.op('MatMul', [g.op('MatMul', [targetRoot, sigma]), targetRoot]), channels);
  const inner = g.op('Sub', [g.op('Add', [targetSigma, sigma]), g.op('Mul', [cross, g.constant(2)])]);
  const trace = g.op('ReduceSum', [g.op('Mul', [inner, identity(g, channels)])], { keepdims: 0 });
  return g.op('Add', [meanTerm, g.op('Div', [trace, g.constant(channels)])]);
}
