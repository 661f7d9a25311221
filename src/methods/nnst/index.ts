/**
 * NNST-Opt (Kolkin, Kucera, Paris, Sykora, Shechtman & Shakhnarovich, "Neural Neighbor
 * Style Transfer", 2022), with the authors' defaults, as a method on this engine:
 *
 *   the output is an 8-level Laplacian pyramid, started as the content's with its 3 finest
 *   levels zeroed (2 at 1024 px and above); then, from the coarsest scale (~64 px) to the
 *   image size, each scale
 *     1. forms the query: (1 − α)·(the output so far, upsampled, with the content's detail at
 *        this scale) + α·(the content at this scale); the content alone at the coarsest
 *     2. replaces each of the query's hypercolumns by its nearest neighbour among the style
 *        image's and its rotations' (neighbours.ts), with content masks within each region
 *     3. moves the pyramid's levels at and below this scale for numIterations Adam steps
 *        towards those targets (terms.ts `hypercolumn`)
 *     4. takes the result as the new coarse levels (decomposed again)
 *   a last pass at full size matches each layer's features to the style's (terms.ts
 *   `layers`), and the OkLab colour match (colour.ts) finishes the result.
 *
 * Sizes follow the pyramid: scale k's image is level k's (each half of the one above,
 * rounded down), the content and style at a scale are their pyramids' approximations there.
 * A checkpoint keeps the parameters its stage started from, so a resumed stage makes the
 * same targets.
 */
import { msg, opt, UsageError } from '../../errors.js';
import { fitMaxSide, resize } from '../../image/resize.js';
import type { RgbImage } from '../../image/types.js';
import { resizeMask, type Mask } from '../../masks/index.js';
import { fromNetworkInput, toNetworkInput } from '../../models/preprocessing.js';
import type { Preprocessing } from '../../models/types.js';
import { layerSize } from '../../network/geometry.js';
import { PLANAR_RGB } from '../../network/pixels.js';
import type { StylizeOptions } from '../../options/stylize-options.js';
import { levelSizes, maxLevels, pyramid, resizePlanes } from '../../parameterisations/index.js';
import type { StageResult } from '../../stylize/stage.js';
import { stageInput, stageSequence } from '../../stylize/stage-sequence.js';
import type { MethodContext } from '../context.js';
import type { Method, MethodMemory, MethodMemoryQuery } from '../types.js';
import { colourMatch } from './colour.js';
import { HYPERCOLUMN_LAYERS, hypercolumnGraph, hypercolumnSize } from './hypercolumns.js';
import { layerMapName, layerMapsGraph } from '../layer-maps.js';
import { insideMask, regionIds } from '../regions.js';
import { centredUnit, chunkRows, gatherColumns, nearestIndices, searchGraph, selectColumns, unitColumns, type Columns } from './neighbours.js';
import { stackRows, swapAxes, turn, TURNS, type Planes } from './rotations.js';
import { hypercolumnTerm, layerMatchTerm, matchStride, nnstInputs } from './terms.js';
import { stoppedBetweenScales, unlessStopped } from '../stopped.js';

export { hypercolumnTerm, layerMatchTerm } from './terms.js';

/** The User Timing measure of each scale's nearest-neighbour search (centring, search, gather), for benchmarks. */
export const NNST_SEARCH_MEASURE = 'neural-style:nnst-search';

/** The distances one search chunk may hold, when the caller gave no budget. */
const SEARCH_BYTES = 256 * 2 ** 20;

const nnstOptions = [
  {
    key: 'nnstAlpha',
    kind: { type: 'number', min: 0, max: 1 },
    default: 0.75,
    label: 'NNST content share',
    help: 'NNST: how much of the query that picks the style features at each scale is the content (the rest the output so far): 1 keeps the most content, 0 the most style.',
    group: 'Optimisation',
    scope: 'stylize',
    objective: true,
    valueName: '<alpha>',
  },
  {
    key: 'styleRotations',
    kind: { type: 'boolean' },
    default: true,
    label: 'Style rotations',
    help: 'NNST: add the style images turned by 90°, 180° and 270° to the features the output may take (more content kept, a little less style).',
    group: 'Optimisation',
    scope: 'stylize',
    objective: true,
  },
  {
    key: 'colorMatch',
    kind: { type: 'boolean' },
    default: true,
    label: 'Colour match',
    help: "NNST: after the optimisation, the output's lightness with the content's chroma moved to the style's palette (OkLab).",
    group: 'Input and output',
    scope: 'stylize',
    objective: true,
  },
] as const;

export const nnst: Method = {
  name: 'nnst',
  label: 'NNST-Opt',
  help: 'nnst (Kolkin et al. 2022, Neural Neighbor Style Transfer: each feature replaced by its nearest style feature, coarse to fine over a Laplacian pyramid)',
  options: nnstOptions,
  defaults: {
    model: 'vgg16-torchvision',
    options: { optimizer: 'adam', learningRate: 2e-3, numIterations: 200, parameterization: 'pyramid', pyramidLevels: 8, optimizeSpace: 'rgb', init: 'image', imageSize: 512 },
  },
  // The temporal loss (a mean square in network-input units) of the order of this method's losses for a few per cent of flicker: not tuned on real footage.
  videoDefaults: { temporalWeight: 10 },
  terms: () => [hypercolumnTerm, layerMatchTerm],
  tileable: false,
  stageObjectives: true,
  refusesInitImage: "starts from the content's coarse pyramid levels",
  check: (o) => {
    if ((o.multires && o.multires.length > 0) || o.multiresFrom !== undefined) {
      throw new UsageError(msg`${opt('method')} nnst has its own scales: leave out ${opt('multires')} and ${opt('multiresFrom')}`);
    }
    if (o.parameterization !== 'pyramid') throw new UsageError(msg`${opt('method')} nnst optimises a Laplacian pyramid: leave ${opt('parameterization')} at pyramid`);
    // Options it would otherwise ignore: its start is the content's pyramid, its colours its own match's.
    if (o.init !== 'image') throw new UsageError(msg`${opt('method')} nnst starts from the content's coarse pyramid levels: leave ${opt('init')} at image`);
    if (o.originalColors) throw new UsageError(msg`${opt('method')} nnst sets the result's colours with its own colour match (${opt('colorMatch')}): leave ${opt('originalColors')} out`);
  },
  scales: (o, content) => nnstScales(o, content),
  memory: nnstMemory,
  run: runNnst,
};

/** The scales' longer sides for this content: the hypercolumn scales, coarsest first, and the last pass's. */
export function nnstScales(o: StylizeOptions, content: { width: number; height: number }): number[] {
  const full = fitMaxSide(content.width, content.height, o.imageSize);
  const T = Math.min(o.pyramidLevels, maxLevels(full.width, full.height));
  const sizes = levelSizes(full.width, full.height, T);
  const S = scaleCount(Math.max(full.width, full.height), T);
  return [...Array.from({ length: S }, (_, i) => Math.max(sizes[S - 1 - i]!.width, sizes[S - 1 - i]!.height)), Math.max(full.width, full.height)];
}

/** The distances one search chunk holds, from the budget when there is one. */
export function searchChunkBytes(availableBytes?: number): number {
  return Math.min(SEARCH_BYTES, (availableBytes ?? Infinity) / 8);
}

/**
 * Apart from the objective (each scale's search, its sessions let go before the stage
 * runs): the query's hypercolumns and its targets (N positions × C channels, about six
 * copies), the style set with its rotations (M × C, held once) and one view of it, one
 * search chunk's distances, and the hypercolumn pass's arena. Alongside it: the hypercolumn
 * target at the finest scale, or in the last pass every layer's stacked style maps and two
 * subsampled similarity matrices.
 */
function nnstMemory(q: MethodMemoryQuery): MethodMemory {
  const o = q.options;
  const C = HYPERCOLUMN_LAYERS.reduce((n, l) => n + q.channels(l), 0);
  const views = o.styleRotations ? 4 : 1;
  const N = Math.floor(q.width / 4) * Math.floor(q.height / 4);
  const M = q.styles.reduce((n, s) => n + views * Math.floor(s.width / 4) * Math.floor(s.height / 4), 0);
  const largest = q.styles.reduce((a, s) => (s.width * s.height > a.width * a.height ? s : a), { width: q.width, height: q.height });
  const apart = 6 * N * C * 4 + (M + M / views) * C * 4 + searchChunkBytes(q.availableBytes) + q.featurePass('relu4_3', largest.width, largest.height);
  let maps = 0;
  let similarity = 0;
  for (const l of HYPERCOLUMN_LAYERS) {
    const out = q.layerSize(l, q.width, q.height);
    const styleCells = q.styles.reduce((n, s) => {
      const at = q.layerSize(l, s.width, s.height);
      return n + views * at.width * at.height;
    }, 0);
    maps += q.channels(l) * styleCells * 4;
    const stride = matchStride(out.height, out.width);
    similarity = Math.max(similarity, 2 * Math.ceil((out.width * out.height) / stride ** 2) * Math.ceil(styleCells / stride ** 2) * 4);
  }
  return { apart, alongside: Math.max(2 * N * C * 4, maps + similarity) };
}

/** The scales' count for an image whose longer side is `side`: 64, 128, … up to it. */
export function scaleCount(side: number, levels: number): number {
  return Math.max(1, Math.min(levels + 1, Math.round(Math.log2(side / 64)) + 1));
}

/** An image as planar values in the space the parameters live in. */
function planes(img: RgbImage, space: Preprocessing): Float32Array {
  return toNetworkInput(img, space);
}

/** Planar [3, h, w] values halved `times` times by the pyramid's bilinear step. */
function downsample(data: Float32Array, width: number, height: number, times: number): { data: Float32Array; width: number; height: number } {
  let cur = { data, width, height };
  for (let i = 0; i < times; i++) {
    const [w, h] = [Math.floor(cur.width / 2), Math.floor(cur.height / 2)];
    cur = { data: resizePlanes(cur.data, 3, cur.height, cur.width, h, w), width: w, height: h };
  }
  return cur;
}

/** The flat parameters of a pyramid's levels `from` … end. */
function levelsFrom(levels: readonly Float32Array[], from: number): Float32Array {
  const out = new Float32Array(levels.slice(from).reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of levels.slice(from)) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}

/** A flat parameter vector split into its levels (the sizes' order). */
function splitLevels(flat: Float32Array, sizes: ReadonlyArray<{ width: number; height: number }>): Float32Array[] {
  const out: Float32Array[] = [];
  let at = 0;
  for (const s of sizes) {
    const n = 3 * s.width * s.height;
    out.push(flat.slice(at, at + n));
    at += n;
  }
  return out;
}

async function runNnst(ctx: MethodContext, input: RunInput, o: StylizeOptions): Promise<StageResult> {
  const space = o.optimizeSpace === 'rgb' ? PLANAR_RGB : ctx.preprocessing;
  const full = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const content = resize(input.content, full.width, full.height);
  const T = Math.min(o.pyramidLevels, maxLevels(full.width, full.height));
  const sizes = levelSizes(full.width, full.height, T);
  const S = scaleCount(Math.max(full.width, full.height), T);
  const contentPyramid = splitLevels(pyramid(T).fromImage(planes(content, space), full.width, full.height), sizes);
  // The output starts as the content's pyramid without its finest details.
  const zeroed = Math.min(T, Math.max(full.width, full.height) >= 1024 ? 2 : 3);
  let outputPyramid: Float32Array[] = contentPyramid.map((l, i) => (i < zeroed ? new Float32Array(l.length) : Float32Array.from(l)));
  const styles = styleImages(ctx, o);
  const stageSides = nnstScales(o, input.content);
  const seq = stageSequence(input, stageSides, stageSides.map(() => o.numIterations), 'method');
  let offset = seq.counts.slice(0, seq.first).reduce((a, b) => a + b, 0);
  let result: StageResult | undefined;
  for (let i = seq.first; i < S + 1; i++) {
    const resumed = i === seq.first && input.resume;
    const base = offset;
    const stage = { ...o, imageSize: stageSides[i]!, numIterations: seq.counts[i]!, originalColors: false };
    // The last scale's objective goes before this one's searches and maps are made.
    await ctx.releaseObjectives();
    if (i < S) {
      const scl = S - 1 - i;
      // A resumed stage's start is the checkpoint's: the targets are made from it again.
      if (resumed) outputPyramid = [...outputPyramid.slice(0, scl), ...splitLevels(startOf(input), sizes.slice(scl))];
      const start = levelsFrom(outputPyramid, scl);
      const target = await unlessStopped(
        () => scaleTargets(ctx, o, space, { content: contentPyramid, output: outputPyramid, sizes, scl, first: i === 0, styles, masks: input.contentMasks }),
        input.signal,
      );
      if (!target) return { ...stoppedBetweenScales(result, content), iterations: offset, elapsedMs: Date.now() - seq.start };
      // The search's sessions hold their peaks in their arenas: let them go while the stage runs (rebuilt in well under a second).
      await Promise.all(['nnst-hypercolumns', 'nnst-search'].map((k) => ctx.releaseSession(k)));
      const param = pyramid(T - scl);
      result = await ctx.stage(stageInput(input, seq, i, base), stage, {
        size: sizes[scl],
        start,
        parameterisation: param,
        terms: [hypercolumnTerm],
        targets: {},
        feeds: { [nnstInputs.target]: target },
        checkpointState: { start },
      });
      // The output at this scale becomes the coarse levels: decomposed again.
      const { width, height } = sizes[scl]!;
      const image = param.toImage(result.params!, width, height);
      outputPyramid = [...outputPyramid.slice(0, scl), ...splitLevels(param.fromImage(image, width, height), sizes.slice(scl))];
    } else {
      const feeds = await unlessStopped(() => styleMaps(ctx, o, space, styles, full, input.contentMasks), input.signal);
      if (!feeds) return { ...stoppedBetweenScales(result, content), iterations: offset, elapsedMs: Date.now() - seq.start };
      await ctx.releaseSession('nnst-layer-maps');
      result = await ctx.stage(stageInput(input, seq, i, base), stage, {
        size: full,
        start: levelsFrom(outputPyramid, 0),
        parameterisation: pyramid(T),
        terms: [layerMatchTerm, ...ctx.frameTerms],
        targets: {},
        feeds,
      });
    }
    offset = base + result.iterations;
    if (result.interrupted) break;
  }
  const last = result!;
  const done = { ...last, iterations: offset, elapsedMs: Date.now() - seq.start, optimizerState: undefined };
  if (last.interrupted || !o.colorMatch) return done;
  return { ...done, image: matchColours(content, styles, last.image, input.contentMasks) };
}

/**
 * The colour match: to the first style's palette, or with masks each content region to
 * its own style's (the pixels inside its style mask).
 */
function matchColours(content: RgbImage, styles: readonly StyleImage[], output: RgbImage, masks?: readonly Mask[]): RgbImage {
  if (!masks) return colourMatch(content, styles[0]!.image, output);
  const ids = regionIds(masks, output.width, output.height);
  const data = new Float32Array(output.data.length);
  styles.forEach((st, r) => {
    const inside = insideMask(st.mask, st.image.width, st.image.height);
    const pixels = new Float32Array(3 * inside.length);
    inside.forEach((p, k) => pixels.set(st.image.data.subarray(3 * p, 3 * p + 3), 3 * k));
    const matched = colourMatch(content, { width: inside.length, height: 1, data: pixels }, output);
    for (let p = 0; p < ids.length; p++) if (ids[p] === r) data.set(matched.data.subarray(3 * p, 3 * p + 3), 3 * p);
  });
  return { width: output.width, height: output.height, data };
}

function startOf(input: RunInput): Float32Array {
  const start = input.resume?.method?.start;
  if (!(start instanceof Float32Array)) throw new UsageError('the checkpoint does not say where its NNST stage started; resume with a checkpoint this version made');
  return start;
}

interface StyleImage {
  image: RgbImage;
  mask?: Mask;
}

/**
 * The style images at the method's size: the first at imageSize × styleScale on its longer
 * side, the others at the first one's width (so their layer maps stack in the last pass).
 */
function styleImages(ctx: MethodContext, o: StylizeOptions): StyleImage[] {
  const side = Math.max(1, Math.round(o.imageSize * o.styleScale));
  const first = fitMaxSide(ctx.styles[0]!.width, ctx.styles[0]!.height, side);
  return ctx.styles.map((s, i) => {
    const size = i === 0 ? first : { width: first.width, height: Math.max(1, Math.round((s.height * first.width) / s.width)) };
    return { image: resize(s, size.width, size.height), mask: ctx.styleMasks?.[i] };
  });
}

interface ScaleState {
  content: readonly Float32Array[];
  output: readonly Float32Array[];
  sizes: ReadonlyArray<{ width: number; height: number }>;
  scl: number;
  first: boolean;
  styles: readonly StyleImage[];
  masks?: readonly Mask[];
}

/**
 * A scale's targets: the query's hypercolumns, each replaced by its nearest style
 * hypercolumn (per region with masks), normalised per position: [1, C, h/4, w/4].
 */
async function scaleTargets(ctx: MethodContext, o: StylizeOptions, space: Preprocessing, s: ScaleState): Promise<{ dims: number[]; data: Float32Array }> {
  const { width, height } = s.sizes[s.scl]!;
  const synth = (levels: readonly Float32Array[]) => pyramid(levels.length - 1).toImage(levelsFrom(levels as Float32Array[], 0), width, height);
  const contentHere = synth(s.content.slice(s.scl));
  let query = contentHere;
  if (!s.first) {
    // The output so far, with the content's detail at this scale (not the output's start).
    const extract = synth([s.content[s.scl]!, ...s.output.slice(s.scl + 1)]);
    const a = o.nnstAlpha as number;
    query = new Float32Array(contentHere.length);
    for (let k = 0; k < query.length; k++) query[k] = (1 - a) * extract[k]! + a * contentHere[k]!;
  }
  const queryColumns = await hypercolumns(ctx, query, width, height, space);
  const search = await ctx.session('nnst-search', searchGraph);
  const regions = s.masks ? regionIds(s.masks, queryColumns.width, queryColumns.height) : undefined;
  const target = new Float32Array(queryColumns.channels * queryColumns.count);
  // One search per region (a region's queries against its style's hypercolumns inside its mask); without masks one over every style.
  const groups = regions ? s.styles.map((_, r) => r) : [-1];
  // A User Timing entry for benchmarks (bench/methods.ts observes it): the searches alone, not the style set's network passes.
  let searchMs = 0;
  for (const r of groups) {
    const q = regions ? selectColumns(queryColumns, Array.from(regions, (id) => id === r)) : { columns: queryColumns, positions: Int32Array.from({ length: queryColumns.count }, (_, k) => k) };
    if (q.columns.count === 0) continue;
    const set = await styleSet(ctx, o, r < 0 ? s.styles : [s.styles[r]!], space, s.scl, r >= 0);
    if (set.count === 0) throw new UsageError(msg`style ${r + 1}'s mask leaves no position at ${width}×${height}: give a larger region in ${opt('styleMasks')}`);
    const chunk = chunkRows(set.count, searchChunkBytes(ctx.availableBytes));
    const started = performance.now();
    const nearest = await nearestIndices(ctx.ort, search, centredUnit(q.columns), set, q.columns.count, chunk);
    const picked = gatherColumns(set, nearest);
    searchMs += performance.now() - started;
    const C = queryColumns.channels;
    for (let ch = 0; ch < C; ch++) q.positions.forEach((p, k) => (target[ch * queryColumns.count + p] = picked[ch * q.columns.count + k]!));
  }
  performance.measure(NNST_SEARCH_MEASURE, { start: performance.now() - searchMs, duration: searchMs });
  performance.clearMeasures(NNST_SEARCH_MEASURE); // observers still get it; the global timeline does not keep it
  const unit = unitColumns({ channels: queryColumns.channels, count: queryColumns.count, data: target });
  return { dims: [1, queryColumns.channels, queryColumns.height, queryColumns.width], data: unit };
}

/** The hypercolumns of a planar image in the parameters' space, as columns with their grid. */
async function hypercolumns(ctx: MethodContext, image: Float32Array, width: number, height: number, space: Preprocessing): Promise<Columns & { width: number; height: number }> {
  const session = await ctx.session('nnst-hypercolumns', () => hypercolumnGraph({ table: ctx.table, weights: ctx.weights }));
  // The network's input: from the parameters' space (0–1 RGB for NNST) to the model's.
  const rgb = fromNetworkInput(image, width, height, space);
  const x = toNetworkInput(rgb, ctx.preprocessing);
  const out = await session.run({ x: new ctx.ort.Tensor('float32', x, [1, 3, height, width]) }, ['hypercolumns']);
  const t = out['hypercolumns']!;
  const [, C, h, w] = t.dims as number[];
  // onnxruntime-node hands its output over without a copy: no second one here.
  return { channels: C!, count: h! * w!, data: t.data as Float32Array, width: w!, height: h! };
}

/**
 * The style set at scale `scl`: the hypercolumns of each style image (its pyramid's
 * approximation there) and of its rotations, side by side in one buffer [C, M], each view's
 * written straight in (this is NNST's largest array: ~550 MB at 512 px, so it is held once);
 * `inMask`: only the positions inside each image's style mask.
 */
async function styleSet(ctx: MethodContext, o: StylizeOptions, styles: readonly StyleImage[], space: Preprocessing, scl: number, inMask: boolean): Promise<Columns> {
  const views: Array<{ planes: Planes; mask?: Planes }> = [];
  for (const st of styles) {
    const here = downsample(planes(st.image, space), st.image.width, st.image.height, scl);
    const base: Planes = { channels: 3, ...here };
    const mask = inMask && st.mask ? maskAt(st.mask, here.width, here.height) : undefined;
    views.push({ planes: base, mask });
    if (o.styleRotations) for (const how of TURNS) views.push({ planes: turn(base, how), mask: mask && turn(mask, how) });
  }
  // Which grid positions of each view are kept (all, without a mask).
  const keeps = views.map(({ planes: v, mask }) => {
    const grid = hypercolumnSize(v.width, v.height);
    if (!mask) return { grid, keep: undefined, count: grid.width * grid.height };
    const m = resizePlanes(mask.data, 1, mask.height, mask.width, grid.height, grid.width);
    const keep = Uint8Array.from(m, (x) => (x >= 0.5 ? 1 : 0));
    return { grid, keep, count: keep.reduce((a, b) => a + b, 0) };
  });
  const M = keeps.reduce((n, k) => n + k.count, 0);
  let data: Float32Array | undefined;
  let C = 0;
  let at = 0;
  for (const [k, { planes: v }] of views.entries()) {
    const h = await hypercolumns(ctx, v.data, v.width, v.height, space);
    if (!data) {
      C = h.channels;
      data = new Float32Array(C * M);
    }
    const { keep, count } = keeps[k]!;
    for (let ch = 0; ch < C; ch++) {
      const row = h.data.subarray(ch * h.count, (ch + 1) * h.count);
      if (!keep) data.set(row, ch * M + at);
      else for (let i = 0, j = 0; i < h.count; i++) if (keep[i]) data[ch * M + at + j++] = row[i]!;
    }
    at += count;
  }
  return { channels: C, count: M, data: data ?? new Float32Array(0) };
}

function maskAt(mask: Mask, width: number, height: number): Planes {
  const m = resizeMask(mask, width, height);
  return { channels: 1, width, height, data: m.data };
}

/**
 * The last pass's run inputs: each layer's map of the styles (each with its rotations,
 * turned back, all stacked along the rows), and with masks the regions' ids of the output's
 * and the stacked style's positions at that layer.
 */
async function styleMaps(ctx: MethodContext, o: StylizeOptions, space: Preprocessing, styles: readonly StyleImage[], full: { width: number; height: number }, masks?: readonly Mask[]) {
  const session = await ctx.session('nnst-layer-maps', () => layerMapsGraph({ table: ctx.table, weights: ctx.weights }, HYPERCOLUMN_LAYERS));
  // Each layer's stack is allocated once and each view's map written straight in (turned
  // back as it goes): ~880 MB at 512 px with the rotations, held once.
  const hows = [undefined, ...(o.styleRotations ? TURNS : [])];
  const rowsOf = (l: string) => styles.reduce((n, st) => n + hows.length * layerSize(ctx.table, l, st.image.width, st.image.height).height, 0);
  const stacks = new Map<string, Planes>();
  const rowAt = new Map<string, number>(HYPERCOLUMN_LAYERS.map((l) => [l, 0]));
  const regionsPerLayer = new Map<string, Planes[]>(HYPERCOLUMN_LAYERS.map((l) => [l, []]));
  for (const [r, st] of styles.entries()) {
    const base: Planes = { channels: 3, width: st.image.width, height: st.image.height, data: planes(st.image, space) };
    for (const how of hows) {
      const view = how ? turn(base, how) : base;
      const x = toNetworkInput(fromNetworkInput(view.data, view.width, view.height, space), ctx.preprocessing);
      const out = await session.run({ x: new ctx.ort.Tensor('float32', x, [1, 3, view.height, view.width]) });
      for (const l of HYPERCOLUMN_LAYERS) {
        const t = out[layerMapName(l)]!;
        const [, C, h, w] = t.dims as number[];
        // A quarter-turned image's map has its axes swapped back (the authors' transpose).
        const map: Planes = { channels: C!, height: h!, width: w!, data: t.data as Float32Array };
        writeRows(stacks, l, how && how !== 'half' ? swapAxes(map) : map, rowsOf(l), rowAt);
        if (masks) {
          const m = st.mask ? maskAt(st.mask, st.image.width, st.image.height) : { channels: 1, width: st.image.width, height: st.image.height, data: new Float32Array(st.image.width * st.image.height).fill(1) };
          let mv: Planes = how ? turn(m, how) : m;
          const grid = resizePlanes(mv.data, 1, mv.height, mv.width, how && how !== 'half' ? w! : h!, how && how !== 'half' ? h! : w!);
          mv = { channels: 1, width: how && how !== 'half' ? h! : w!, height: how && how !== 'half' ? w! : h!, data: grid.map((v) => (v >= 0.5 ? r : -1)) };
          if (how && how !== 'half') mv = swapAxes(mv);
          regionsPerLayer.get(l)!.push(mv);
        }
      }
    }
  }
  const feeds: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const l of HYPERCOLUMN_LAYERS) {
    const stacked = stacks.get(l)!;
    feeds[nnstInputs.styleMap(l)] = { dims: [1, stacked.channels, stacked.height, stacked.width], data: stacked.data };
    if (masks) {
      const ids = stackRows(regionsPerLayer.get(l)!);
      feeds[nnstInputs.styleRegions(l)] = { dims: [1, 1, ids.height, ids.width], data: ids.data };
      const at = layerSize(ctx.table, l, full.width, full.height);
      feeds[nnstInputs.outputRegions(l)] = { dims: [1, 1, at.height, at.width], data: Float32Array.from(regionIds(masks, at.width, at.height)) };
    }
  }
  return feeds;
}

/** A map written under the rows already in its layer's stack [C, rows, w] (allocated at the first). */
function writeRows(stacks: Map<string, Planes>, layer: string, map: Planes, rows: number, rowAt: Map<string, number>): void {
  let stack = stacks.get(layer);
  if (!stack) stacks.set(layer, (stack = { channels: map.channels, width: map.width, height: rows, data: new Float32Array(map.channels * rows * map.width) }));
  if (map.width !== stack.width || map.channels !== stack.channels) throw new Error('styleMaps: maps of different widths or channels');
  const row = rowAt.get(layer)!;
  const W = map.width;
  for (let c = 0; c < map.channels; c++) stack.data.set(map.data.subarray(c * map.height * W, (c + 1) * map.height * W), (c * rows + row) * W);
  rowAt.set(layer, row + map.height);
}

import type { RunInput } from '../../stylize/types.js';
