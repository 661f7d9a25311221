/**
 * STROTSS (Kolkin, Salavon & Shakhnarovich, "Style Transfer by Relaxed Optimal Transport
 * and Self-Similarity", CVPR 2019), from the paper, as a method on this engine:
 *
 *   scales of the output's longer side from ~64 px, doubling, up to the image size (64,
 *   128, 256, 512 for 512 px; a fifth, 1024, for 1024 px); at each scale
 *     1. the content at that size: its layer maps (for its samples at the output's
 *        positions) and its RGB; the style at that size: up to 5000 hypercolumn samples
 *        drawn from the run's seeded randomness, and their mean and covariance
 *     2. α = 16 × the content weight, halved at each finer scale
 *     3. the output's Laplacian pyramid (pyramidLevels levels at that size) moves for
 *        numIterations RMSprop steps on the four losses (terms.ts) at fresh sample
 *        positions each iteration; the learning rate is halved at the last scale
 *     4. its image, upsampled, starts the next scale
 *   The first scale starts from the content's coarsest pyramid level (its low frequencies)
 *   moved to the style's mean colour.
 *
 * The paper leaves open choices made here: the hypercolumn's RGB is the 0–1 image; Σ
 * divides by the sample count; the style's samples are drawn once per scale (the output's
 * every iteration); several style images share the samples equally; with masks, moments
 * stay global while the relaxed EMD and palette match within regions.
 */
import { msg, opt, UsageError } from '../../errors.js';
import { GraphBuilder } from '../../graph/builder.js';
import { fitMaxSide, resize } from '../../image/resize.js';
import type { RgbImage } from '../../image/types.js';
import { fromNetworkInput, toNetworkInput } from '../../models/preprocessing.js';
import type { Preprocessing, Tensor } from '../../models/types.js';
import { PLANAR_RGB } from '../../network/pixels.js';
import type { StylizeOptions } from '../../options/stylize-options.js';
import { maxLevels, pyramid, resizePlanes } from '../../parameterisations/index.js';
import type { StageResult } from '../../stylize/stage.js';
import { stageInput, stageSequence } from '../../stylize/stage-sequence.js';
import type { RunInput } from '../../stylize/types.js';
import { Rng } from '../../util/random.js';
import type { MethodContext } from '../context.js';
import { layerMapName, layerMapsGraph } from '../layer-maps.js';
import { insideMask, regionIds } from '../regions.js';
import type { Method, MethodMemory, MethodMemoryQuery } from '../types.js';
import { drawDistinct, gridStride, sampleMap, STYLE_SAMPLES } from './sampling.js';
import { STROTSS_LAYERS, strotssInputs, strotssTerms } from './terms.js';
import { stoppedBetweenScales, unlessStopped } from '../stopped.js';

export { momentTerm, paletteTerm, remdTerm, selfSimilarityTerm, STROTSS_LAYERS, strotssInputs, strotssTerms } from './terms.js';

export const strotss: Method = {
  name: 'strotss',
  label: 'STROTSS',
  help: "strotss (Kolkin et al. 2019, Style Transfer by Relaxed Optimal Transport and Self-Similarity: hypercolumn samples matched by a relaxed earth mover's distance, content kept as self-similarity, coarse to fine)",
  options: [],
  defaults: {
    model: 'vgg16-torchvision',
    options: { optimizer: 'rmsprop', learningRate: 2e-3, numIterations: 200, parameterization: 'pyramid', pyramidLevels: 5, optimizeSpace: 'rgb', init: 'image', imageSize: 512, contentWeight: 1 },
  },
  // The temporal loss (a mean square in network-input units) of the order of this method's losses for a few per cent of flicker: not tuned on real footage.
  videoDefaults: { temporalWeight: 1 },
  terms: () => strotssTerms,
  tileable: false,
  stageObjectives: true,
  check: (o) => {
    if ((o.multires && o.multires.length > 0) || o.multiresFrom !== undefined) {
      throw new UsageError(msg`${opt('method')} strotss has its own scales: leave out ${opt('multires')} and ${opt('multiresFrom')}`);
    }
    if (o.parameterization !== 'pyramid') throw new UsageError(msg`${opt('method')} strotss optimises a Laplacian pyramid: leave ${opt('parameterization')} at pyramid`);
    if (o.init !== 'image') throw new UsageError(msg`${opt('method')} strotss starts from the content's low frequencies (or ${opt('initImage')}): leave ${opt('init')} at image`);
    if (!(o.contentWeight > 0)) throw new UsageError(msg`${opt('method')} strotss weighs content against style by ${opt('contentWeight')}, which must be above 0`);
  },
  scales: (o, content) => {
    const full = fitMaxSide(content.width, content.height, o.imageSize);
    return strotssSides(Math.max(full.width, full.height));
  },
  memory: strotssMemory,
  run: runStrotss,
};

/**
 * At the last scale. Apart from the objective (the scale's feature passes, their session let
 * go before the stage runs): the content's layer maps, the style's while they are sampled,
 * the pass's arena, the samples Y (three copies) and Σ_Y. Alongside it: the content's maps
 * and the samples (run inputs), and in the graph X, Xc and their unit copies (C × n each),
 * Σ_X with its gradient and difference (C × C, four copies), the similarity and palette
 * matrices (n × m, four) and the self-similarity ones (n × n, eight).
 */
function strotssMemory(q: MethodMemoryQuery): MethodMemory {
  const C = 3 + STROTSS_LAYERS.reduce((n, l) => n + q.channels(l), 0);
  const mapBytes = (w: number, h: number) => STROTSS_LAYERS.reduce((n, l) => {
    const at = q.layerSize(l, w, h);
    return n + q.channels(l) * at.width * at.height * 4;
  }, 0);
  const largest = q.styles.reduce((a, s) => (s.width * s.height > a.width * a.height ? s : a), { width: q.width, height: q.height });
  const s = gridStride(q.width, q.height);
  const n = Math.ceil(q.width / s) * Math.ceil(q.height / s);
  const m = STYLE_SAMPLES;
  const content = mapBytes(q.width, q.height);
  const samples = 4 * (3 * C * m + 2 * C * C);
  return {
    apart: content + mapBytes(largest.width, largest.height) + q.featurePass('relu5_3', largest.width, largest.height) + samples,
    alongside: content + 4 * (C * m + C * C) + 4 * (4 * C * n + 4 * C * C + 4 * n * m + 8 * n * n),
  };
}

/** The scales' longer sides for an image whose longer side is `side`: side/2^k down to ~64. */
export function strotssSides(side: number): number[] {
  const count = Math.max(1, Math.round(Math.log2(side / 64)) + 1);
  return Array.from({ length: count }, (_, i) => Math.max(1, Math.round(side / 2 ** (count - 1 - i))));
}

/** α at scale `i` of the run: 16 × the content weight, halved at each finer scale. */
export function strotssAlpha(contentWeight: number, scale: number): number {
  return (16 * contentWeight) / 2 ** scale;
}

async function runStrotss(ctx: MethodContext, input: RunInput, o: StylizeOptions): Promise<StageResult> {
  const space = o.optimizeSpace === 'rgb' ? PLANAR_RGB : ctx.preprocessing;
  const full = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const sides = strotssSides(Math.max(full.width, full.height));
  const seq = stageSequence(input, sides, sides.map(() => o.numIterations), 'method');
  let offset = seq.counts.slice(0, seq.first).reduce((a, b) => a + b, 0);
  let result: StageResult | undefined;
  let previous: { data: Float32Array; width: number; height: number } | undefined;
  for (let i = seq.first; i < sides.length; i++) {
    const last = i === sides.length - 1;
    const size = fitMaxSide(input.content.width, input.content.height, sides[i]!);
    const content = resize(input.content, size.width, size.height);
    const param = pyramid(Math.min(o.pyramidLevels, maxLevels(size.width, size.height)));
    const stage = {
      ...o,
      imageSize: sides[i]!,
      numIterations: seq.counts[i]!,
      learningRate: last && sides.length > 1 ? o.learningRate / 2 : o.learningRate,
      originalColors: last && o.originalColors,
    };
    // A resumed stage starts from its checkpoint; the others from the last scale's result.
    const resumed = i === seq.first && input.resume !== undefined;
    const start = resumed
      ? undefined
      : previous
        ? resizePlanes(previous.data, 3, previous.height, previous.width, size.height, size.width)
        : firstStart(ctx, input, content, space, param);
    // The last scale's objective (its arena at that scale's peak) goes before this scale's maps are made.
    await ctx.releaseObjectives();
    const feeds = await unlessStopped(() => scaleFeeds(ctx, o, input, content, i, sides[i]!), input.signal);
    if (!feeds) return { ...stoppedBetweenScales(result, input.content), iterations: offset, elapsedMs: Date.now() - seq.start };
    // The feature passes' sessions hold their peaks in their arenas: let them go while the stage runs.
    await Promise.all(['strotss-layer-maps', 'strotss-moments'].map((k) => ctx.releaseSession(k)));
    const base = offset;
    result = await ctx.stage(stageInput(input, seq, i, base), stage, {
      size,
      start: start && param.fromImage(start, size.width, size.height),
      parameterisation: param,
      terms: last ? [...strotssTerms, ...ctx.frameTerms] : strotssTerms,
      targets: {},
      feeds,
    });
    previous = { data: param.toImage(result.params!, size.width, size.height), ...size };
    offset = base + result.iterations;
    if (result.interrupted) break;
  }
  return { ...result!, iterations: offset, elapsedMs: Date.now() - seq.start, optimizerState: undefined };
}

/** The first scale's start: an init image when given, else the content's low frequencies at the styles' mean colour. */
function firstStart(ctx: MethodContext, input: RunInput, content: RgbImage, space: Preprocessing, param: ReturnType<typeof pyramid>): Float32Array {
  const { width, height } = content;
  if (input.initImage) return toNetworkInput(resize(input.initImage, width, height), space);
  const levels = param.fromImage(toNetworkInput(content, PLANAR_RGB), width, height);
  const coarsest = param.shapes(width, height).at(-1)!.reduce((a, b) => a * b, 1);
  levels.fill(0, 0, levels.length - coarsest);
  const low = param.toImage(levels, width, height);
  const plane = width * height;
  const styleMean = meanColour(ctx.styles);
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let k = 0; k < plane; k++) sum += low[c * plane + k]!;
    const shift = styleMean[c]! - sum / plane;
    for (let k = 0; k < plane; k++) low[c * plane + k] = Math.min(1, Math.max(0, low[c * plane + k]! + shift));
  }
  return toNetworkInput(fromNetworkInput(low, width, height, PLANAR_RGB), space);
}

function meanColour(images: readonly RgbImage[]): number[] {
  const sum = [0, 0, 0];
  let count = 0;
  for (const img of images) {
    for (let k = 0; k < img.data.length; k++) sum[k % 3]! += img.data[k]!;
    count += img.width * img.height;
  }
  return sum.map((s) => s / count);
}

/** Scale `i`'s run inputs: α, the content's maps and RGB, the styles' samples and moments, and regions with masks. */
async function scaleFeeds(ctx: MethodContext, o: StylizeOptions, input: RunInput, content: RgbImage, i: number, side: number): Promise<Record<string, Tensor>> {
  const maps = await ctx.session('strotss-layer-maps', () => layerMapsGraph({ table: ctx.table, weights: ctx.weights }, STROTSS_LAYERS));
  const run = async (img: RgbImage) => {
    const out = await maps.run({ x: new ctx.ort.Tensor('float32', toNetworkInput(img, ctx.preprocessing), [1, 3, img.height, img.width]) });
    return new Map(STROTSS_LAYERS.map((l) => [l, out[layerMapName(l)]!]));
  };
  const { width, height } = content;
  const feeds: Record<string, Tensor> = {
    [strotssInputs.alpha]: { dims: [1], data: Float32Array.of(strotssAlpha(o.contentWeight, i)) },
    [strotssInputs.contentRgb]: { dims: [1, 3, height, width], data: toNetworkInput(content, PLANAR_RGB) },
  };
  for (const [l, t] of await run(content)) feeds[strotssInputs.contentMap(l)] = { dims: t.dims as number[], data: Float32Array.from(t.data as Float32Array) };

  // The styles' samples: each style at this scale's size, an equal share of the samples each, inside its mask.
  const styleSide = Math.max(1, Math.round(side * o.styleScale));
  const per = Math.ceil(STYLE_SAMPLES / ctx.styles.length);
  const columns: Float32Array[] = [];
  const regions: number[] = [];
  let channels = 0;
  for (const [k, original] of ctx.styles.entries()) {
    const s = fitMaxSide(original.width, original.height, styleSide);
    const style = resize(original, s.width, s.height);
    const random = Rng.derived(o.seed, 'strotss-style', i, k);
    const positions = drawDistinct(insideMask(ctx.styleMasks?.[k], s.width, s.height), per, random);
    if (positions.length === 0) throw new UsageError(msg`style ${k + 1}'s mask leaves no position at ${s.width}×${s.height}: give a larger region in ${opt('styleMasks')}`);
    const rows = [sampleMap(toNetworkInput(style, PLANAR_RGB), 3, s.width, s.height, positions, s.width, s.height)];
    for (const [, t] of await run(style)) {
      const [, C, h, w] = t.dims as number[];
      rows.push(sampleMap(t.data as Float32Array, C!, w!, h!, positions, s.width, s.height));
    }
    channels = rows.reduce((n, r) => n + r.length / positions.length, 0);
    columns.push(stackRows(rows, positions.length));
    for (let j = 0; j < positions.length; j++) regions.push(k);
  }
  const m = regions.length;
  const y = joinColumns(columns, channels, m);
  feeds[strotssInputs.style] = { dims: [channels, m], data: y };
  const moments = await ctx.session('strotss-moments', momentsGraph);
  const out = await moments.run({ y: new ctx.ort.Tensor('float32', y, [channels, m]) });
  feeds[strotssInputs.styleMean] = { dims: [channels, 1], data: Float32Array.from(out['mean']!.data as Float32Array) };
  feeds[strotssInputs.styleCovariance] = { dims: [channels, channels], data: Float32Array.from(out['covariance']!.data as Float32Array) };
  if (input.contentMasks) {
    feeds[strotssInputs.regions] = { dims: [1, 1, height, width], data: Float32Array.from(regionIds(input.contentMasks, width, height)) };
    feeds[strotssInputs.styleRegions] = { dims: [1, m], data: Float32Array.from(regions) };
  }
  return feeds;
}

/** Row blocks [r_k, n] stacked into [Σ r_k, n]. */
function stackRows(rows: readonly Float32Array[], n: number): Float32Array {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  return out.length === 0 ? out : out.subarray(0, (out.length / n) * n);
}

/** Column blocks [C, m_k] side by side: [C, Σ m_k]. */
function joinColumns(blocks: readonly Float32Array[], channels: number, m: number): Float32Array {
  const out = new Float32Array(channels * m);
  let col = 0;
  for (const b of blocks) {
    const mk = b.length / channels;
    for (let c = 0; c < channels; c++) out.set(b.subarray(c * mk, (c + 1) * mk), c * m + col);
    col += mk;
  }
  return out;
}

/** Samples y [C, m] → their mean [C, 1] and covariance [C, C] (divided by m). */
function momentsGraph(): GraphBuilder {
  const g = new GraphBuilder();
  const y = g.addInput('y', ['C', 'm']);
  const mean = g.op('ReduceMean', [y], { axes: [1], keepdims: 1 }, 'mean');
  const centred = g.op('Sub', [y, mean]);
  const m = g.op('Cast', [g.op('Gather', [g.op('Shape', [y]), g.constantI64([1], [])], { axis: 0 })], { to: 1 });
  const covariance = g.op('Div', [g.op('MatMul', [centred, g.op('Transpose', [centred], { perm: [1, 0] })]), m], {}, 'covariance');
  g.addOutput(mean, ['C', 1]);
  g.addOutput(covariance, ['C', 'C']);
  return g;
}
