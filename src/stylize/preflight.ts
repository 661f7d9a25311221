/**
 * The checks a run can make before any weight is loaded or any step is taken, in the
 * core so the CLI, the library's callers and the web app all make the same ones:
 * the layers exist in the network, every image is large enough for the deepest layer's
 * poolings, the whole run fits in the memory there is (with an image size that fits
 * when it does not), and each masked region is still there at some style layer. A problem
 * found here costs seconds, not the hour a run can take.
 */
import { type MessagePart, msg, opt, OptionError, OutOfMemoryError, UsageError } from '../errors.js';
import { fitMaxSide } from '../image/resize.js';
import { stackedStyles, targetOf, UNMASKED_RUN, type LossTerm } from '../losses/index.js';
import { convLayers, layerIndex } from '../models/layers.js';
import { VGG_WIDTHS } from '../models/random-model.js';
import type { LayerTable } from '../models/types.js';
import { checkMasksReachLayers, type Mask, type MaskMode } from '../masks/index.js';
import { activeTerms, termsOf, usedLayers } from '../objective/terms.js';
import type { StylizeOptions } from '../options/stylize-options.js';
import { optimizerRecord } from '../optim/index.js';
import { stagesOf } from './coarse-to-fine.js';
import { estimateFeaturePass, estimateMemory, type MemoryQuery } from '../runtime/memory.js';
import { backendProfile, graphForms } from '../backends/index.js';
import type { GraphForms } from '../graph/passes/index.js';
import { largestCrop, tileGeometry } from '../tiles/layout.js';
import { NEWTON_SCHULZ_ITERATIONS } from '../losses/sqrtm.js';
import { methodOf } from '../methods/index.js';
import { layerSize } from '../network/geometry.js';

export interface ImageSize {
  width: number;
  height: number;
}

export interface PreflightInput {
  table: LayerTable;
  options: StylizeOptions;
  content: ImageSize;
  styles: ImageSize[];
  /** The init image, when the run has one (held during the run; a method may take none). */
  initImage?: ImageSize;
  terms?: readonly LossTerm[];
  /** A checkpoint is written during the run (one packed copy of the state at a time). */
  checkpoint?: boolean;
  /** Bytes available; undefined skips the memory check. */
  availableBytes?: number;
  /** What availableBytes is, after "but 16.0 GB is" in the memory refusal; default 'available' (a job server: its limit). */
  availableMeans?: string;
  /** Content masks (one per style) make the styles regions; undefined or empty for none. */
  contentMasks?: readonly Mask[];
}

/** A method that starts from something of its own refuses an init image instead of ignoring it. */
export function checkInitImage(o: StylizeOptions): void {
  const method = methodOf(o);
  if (method.refusesInitImage) throw new UsageError(msg`${opt('method')} ${method.name} ${method.refusesInitImage}: leave out ${opt('initImage')}`);
}

/** The terms a run's objective has: the caller's, else its method's (gatys: the registered ones). */
function termsFor(input: PreflightInput): readonly LossTerm[] {
  return input.terms ?? methodOf(input.options).terms(input.options);
}

/** A layer's channels in the real network: its block's VGG width. */
function realChannels(layer: string): number {
  const block = /(\d+)_\d+$/.exec(layer);
  return block ? VGG_WIDTHS[Number(block[1]) - 1]! : 3;
}

/** Every layer each term reads is in the network (the term's layer option is named). */
export function checkLayers(table: LayerTable, o: StylizeOptions, terms?: readonly LossTerm[]): void {
  for (const term of termsOf(terms)) {
    const key = term.options.find((s) => s.kind.type === 'layers')?.key;
    for (const name of term.layers(o)) {
      try {
        layerIndex(table, name);
      } catch (e) {
        if (e instanceof UsageError && key) throw new OptionError(key, name, 'layers of the network', { problem: [opt(key), `: ${e.message}`] });
        throw e;
      }
    }
  }
}

function poolsBefore(table: LayerTable, layers: string[]): number {
  if (layers.length === 0) return 0;
  const last = Math.max(...layers.map((l) => layerIndex(table, l)));
  return table.layers.slice(0, last + 1).filter((l) => l.kind === 'pool').length;
}

function deepestName(table: LayerTable, layers: string[]): string {
  if (layers.length === 0) return table.layers[0]!.name;
  return table.layers[Math.max(...layers.map((l) => layerIndex(table, l)))]!.name;
}

/** Every image the run makes or reads is large enough for the poolings before the deepest layer. */
export function checkSizes(input: PreflightInput): void {
  const { table, options: o } = input;
  const layers = usedLayers(termsOf(termsFor(input)), o);
  const pools = poolsBefore(table, layers);
  const need = 2 ** pools;
  const deepest = deepestName(table, layers);
  // The coarsest stage, whether listed (multires) or generated (multiresFrom's √2 steps).
  const stages = stagesOf(o).sizes;
  const scales = methodOf(o).scales?.(o, input.content);
  const smallest = scales ? (scales.length > 1 ? scales[0] : undefined) : stages.length > 1 ? stages[0] : undefined;
  const stageOption = o.multires && o.multires.length > 0 ? 'multires' : 'multiresFrom';
  if (smallest && scales) {
    const cs = fitMaxSide(input.content.width, input.content.height, smallest);
    if (Math.min(cs.width, cs.height) < need) {
      throw new OptionError('imageSize', o.imageSize, 'a size large enough for the network', {
        problem: msg`${opt('method')} ${o.method as string} starts at ${smallest} px, which makes the content image ${cs.width}×${cs.height}, too small for ${deepest} (at least ${need} px on each side): its aspect ratio is too narrow; crop it or raise ${opt('imageSize')}`,
      });
    }
  } else if (smallest) {
    const cs = fitMaxSide(input.content.width, input.content.height, smallest);
    if (Math.min(cs.width, cs.height) < need) {
      throw new OptionError(stageOption, o[stageOption], 'sizes large enough for the network', {
        problem: msg`${opt(stageOption)} ${stageOption === 'multires' ? smallest : o.multiresFrom} makes the content image ${cs.width}×${cs.height}, too small for ${deepest} (at least ${need} px on each side); start the multires sizes higher`,
      });
    }
  }
  const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  if (Math.min(c.width, c.height) < need) {
    throw new OptionError('imageSize', o.imageSize, 'a size large enough for the network', {
      problem: msg`${opt('imageSize')} ${o.imageSize} makes the content image ${c.width}×${c.height}, too small for ${deepest} (${pools} poolings need at least ${need} px on each side); raise ${opt('imageSize')}`,
    });
  }
  // The smallest size any stage uses (multires stages resize the styles too).
  const styleSide = Math.max(1, Math.round((smallest ?? o.imageSize) * o.styleScale));
  input.styles.forEach((s, i) => {
    const z = fitMaxSide(s.width, s.height, styleSide);
    if (Math.min(z.width, z.height) < need) {
      throw new OptionError('styleScale', o.styleScale, 'a scale large enough for the network', {
        problem: [
          ...(smallest ? msg`${opt(stageOption)} ${smallest}` : msg`${opt('imageSize')} ${o.imageSize}`),
          ...msg` × ${opt('styleScale')} ${o.styleScale} makes style image ${i + 1} ${z.width}×${z.height}, too small for ${deepest} (at least ${need} px on each side); raise ${opt('styleScale')}`,
        ],
      });
    }
  });
}

/** The query for the real VGG channel widths (an upper bound for narrow weight files). */
function queryFor(table: LayerTable, deepest: string, width: number, height: number, forms: Partial<GraphForms> = {}): MemoryQuery {
  const layers = table.layers.map((l) => ({
    name: l.name,
    kind: l.kind,
    channels: l.kind === 'conv' ? VGG_WIDTHS[Number(/^conv(\d)/.exec(l.name)![1]) - 1] : undefined,
  }));
  let weightBytes = 0;
  let inChannels = 3;
  for (const conv of convLayers(table)) {
    const out = layers.find((l) => l.name === conv.name)!.channels!;
    weightBytes += (out * inChannels * 9 + out) * 4;
    inChannels = out;
  }
  return { width, height, layers, deepest, weightBytes, convForm: forms.convForm, winogradOutput: forms.winogradOutput };
}

export interface RunMemory {
  /** The objective's evaluation: activations, gradients, weights, runtime (of one tile's crop when tiled). */
  evaluation: number;
  /** The features passes over the largest content and style images (their arena stays), or over a crop. */
  features: number;
  /** Optimiser vectors (L-BFGS keeps 2 × history of them), doubled while a checkpoint is packed. */
  optimizer: number;
  /** Decoded input images and their resized and preprocessed copies. */
  images: number;
  /** Tiled only: the image-sized gradient and the content targets stitched at full size. */
  tiled: number;
  /**
   * The method's own (src/methods: search chunks, distance matrices, maps and samples it
   * keeps), as what its costliest phase adds to an evaluation: the larger of what it holds
   * beside one and what its searches hold beyond one.
   */
  method: number;
  /**
   * The whole image's masks at every style layer (and, tiled, one tile's cut of them), and
   * W2's C × C matrices (Newton–Schulz square roots, forward and backward, per style layer).
   */
  statistics: number;
  total: number;
}

/** The margin left on top of the estimate: the model was fitted within ~25%. */
export const MEMORY_MARGIN = 1.1;

/**
 * Peak bytes of a whole run with these images, at the options' imageSize; with `tile` > 0,
 * evaluated in tiles of that size (src/tiles): the network's memory is then one crop's.
 */
export function runMemory(input: PreflightInput, tile = 0): RunMemory {
  const { table, options: o } = input;
  const terms = termsOf(termsFor(input));
  const layers = usedLayers(terms, o);
  const deepest = deepestName(table, layers);
  const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const geometry = tile > 0 ? tileGeometry(table, layers) : undefined;
  // What one network pass sees: the whole image, or the largest crop of a tile.
  const seen = (s: ImageSize) => (geometry ? largestCrop(s.width, s.height, tile, geometry) : s);
  const crop = seen(c);
  // The forms the run's graphs take: for its image's shape, or a tile's square (src/tiles).
  const evaluation = estimateMemory(queryFor(table, deepest, crop.width, crop.height, graphForms(backendProfile(o.backend), o, geometry ? undefined : c))).total;

  // Style images are seen at imageSize × styleScale: with a large scale, far more pixels
  // than the result. Only the layers of terms with style targets run on them.
  const styleTerms = activeTerms(terms, o).filter((t) => targetOf(t, o, UNMASKED_RUN)?.from.images === 'style');
  const styleDeepest = deepestName(table, [...new Set(styleTerms.flatMap((t) => t.layers(o)))]);
  const styleSide = Math.max(1, Math.round(o.imageSize * o.styleScale));
  const styleSizes = input.styles.map((s) => fitMaxSide(s.width, s.height, styleSide));
  const largestStyle = styleSizes.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b), { width: 1, height: 1 });
  const styleCrop = seen(largestStyle);
  const features = Math.max(
    estimateFeaturePass(queryFor(table, deepest, crop.width, crop.height)),
    styleTerms.length ? estimateFeaturePass(queryFor(table, styleDeepest, styleCrop.width, styleCrop.height)) : 0,
  );

  const vector = 3 * c.width * c.height * 4;
  const optimizerVectors = optimizerRecord(o.optimizer).vectors(o);
  const optimizer = optimizerVectors * vector * (input.checkpoint ? 2 : 1) + 4 * vector; // x, best, last good, image copies

  // RgbImage is float32 HWC: 12 bytes a pixel; each style also has its resized copy and its
  // preprocessed (network-input) copy while its targets are computed.
  const px = (s: ImageSize) => s.width * s.height;
  const decoded = [input.content, ...input.styles, ...(input.initImage ? [input.initImage] : [])].reduce((a, s) => a + 12 * px(s), 0);
  const images = decoded + 2 * 12 * px(c) + styleSizes.reduce((a, s) => a + 12 * px(s), 0) + 24 * px(largestStyle);

  // Tiled, the whole image's gradient is summed in its own vector, and the content targets
  // (feature maps, real VGG widths) are kept whole, to be cropped per tile.
  let tiled = 0;
  if (geometry) {
    const q = queryFor(table, deepest, c.width, c.height);
    const contentLayers = new Set(activeTerms(terms, o).filter((t) => targetOf(t, o, UNMASKED_RUN)?.from.images === 'content').flatMap((t) => t.layers(o)));
    let channels = 3;
    for (const l of q.layers) {
      if (l.channels) channels = l.channels;
      if (contentLayers.has(l.name)) {
        const s = geometry.strides.get(l.name)!;
        tiled += channels * Math.floor(c.width / s) * Math.floor(c.height / s) * 4;
      }
    }
    tiled += 2 * vector;
  }

  const statistics = statisticsMemory(input, c, geometry ? 2 : 1);

  // A method's own memory: beside an evaluation, or in a phase of its own with no objective held (its searches).
  const own = methodOf(o).memory?.({
    options: o,
    width: c.width,
    height: c.height,
    styles: styleSizes,
    channels: realChannels,
    layerSize: (l, w, h) => layerSize(table, l, w, h),
    featurePass: (l, w, h) => estimateFeaturePass(queryFor(table, l, w, h)),
    availableBytes: input.availableBytes,
  });
  const method = own ? Math.max(own.alongside, own.apart - evaluation) : 0;
  // Such a method makes its features in its own passes (counted in `apart`), not in the features sessions.
  const passes = own ? 0 : features;

  const total = Math.round((evaluation + passes + optimizer + images + tiled + statistics + method) * MEMORY_MARGIN);
  return { evaluation, features: passes, optimizer, images, tiled, statistics, method, total };
}

/**
 * In bytes: the masks at each layer of the terms that masks make regions of (`copies`:
 * whole, plus a tile's cut when tiled), and the C × C matrices of terms whose targets are
 * derived matrix functions (W2's Σ^½: Newton–Schulz runs on the image's statistics too).
 */
function statisticsMemory(input: PreflightInput, c: ImageSize, copies: number): number {
  const { table, options: o } = input;
  const masks = input.contentMasks?.length ?? 0;
  const run = { styles: input.styles.length, masked: masks > 0 };
  const layers = usedLayers(termsOf(termsFor(input)), o);
  const { strides } = tileGeometry(table, layers);
  const widths = queryFor(table, deepestName(table, layers), c.width, c.height).layers;
  const channelsAt = (l: string) => widths.slice(0, widths.findIndex((w) => w.name === l) + 1).reverse().find((w) => w.channels)?.channels ?? 3;
  let bytes = 0;
  for (const term of activeTerms(termsOf(termsFor(input)), o)) {
    const target = targetOf(term, o, run);
    for (const l of term.layers(o)) {
      const s = strides.get(l)!;
      if (target?.from === stackedStyles) bytes += copies * masks * Math.floor(c.width / s) * Math.floor(c.height / s) * 4;
      // Each Newton–Schulz step keeps about four C × C values, its backward as many again.
      if (target?.derive) bytes += 8 * (NEWTON_SCHULZ_ITERATIONS + 2) * channelsAt(l) ** 2 * 4;
    }
  }
  return bytes;
}

/**
 * The largest imageSize (a multiple of 16) whose whole run fits in `available`, each size
 * with the tiles its `tile` option would choose there; 0 if none.
 */
export function largestFittingImageSize(input: PreflightInput, available: number): number {
  const long = Math.max(input.content.width, input.content.height);
  const fits = (side: number) => {
    const at = { ...input, options: { ...input.options, imageSize: side }, availableBytes: available };
    return runMemory(at, chooseTile(at)).total <= available;
  };
  let lo = 0;
  let hi = Math.ceil(Math.max(long, input.options.imageSize) / 16);
  if (fits(hi * 16)) return hi * 16;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid * 16)) lo = mid;
    else hi = mid;
  }
  return lo * 16;
}

/** The smallest tile `auto` tries: below it the margins cost more than the interiors. */
export const SMALLEST_AUTO_TILE = 128;

/**
 * The tile size a run uses, 0 for the whole image at once: the option's size; for `auto`,
 * none when the memory is unknown or the untiled run fits, else the largest tile (on the
 * pooling grid) whose run fits — or the smallest tried, if none does (checkMemory then says so).
 */
export function chooseTile(input: PreflightInput): number {
  const o = input.options;
  if (o.tile === 'off' || !methodOf(o).tileable) return 0;
  if (typeof o.tile === 'number') {
    // A tile the size of the image is one tile: the untiled run, done the slow way.
    const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
    return o.tile >= Math.max(c.width, c.height) ? 0 : o.tile;
  }
  const available = input.availableBytes;
  if (available === undefined || runMemory(input).total <= available) return 0;
  const { grid } = tileGeometry(input.table, usedLayers(termsOf(termsFor(input)), o));
  const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const fits = (t: number) => runMemory(input, t * grid).total <= available;
  let lo = Math.ceil(SMALLEST_AUTO_TILE / grid);
  let hi = Math.ceil(Math.max(c.width, c.height) / grid);
  if (!fits(lo)) return lo * grid;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo * grid;
}

/** OutOfMemoryError, suggesting an imageSize that itself passes this check, when the run would not fit. */
export function checkMemory(input: PreflightInput): void {
  const available = input.availableBytes;
  if (available === undefined) return;
  const tile = chooseTile(input);
  const need = runMemory(input, tile);
  if (need.total <= available) return;
  const o = input.options;
  const fit = largestFittingImageSize(input, available);
  const gb = (n: number) => `${(n / 2 ** 30).toFixed(1)} GB`;
  const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const ways: MessagePart[][] = [];
  // Untiled by choice: tiles bound the network's memory; say so when a tile size fits.
  const tileFit = tile === 0 ? chooseTile({ ...input, options: { ...o, tile: 'auto' } }) : 0;
  if (tileFit > 0 && runMemory(input, tileFit).total <= available) ways.push(msg`${opt('tile')} auto (tiles of ${tileFit} px fit)`);
  if (fit > 0) ways.push(msg`${opt('imageSize')} ${fit}`);
  const hints = optimizerRecord(o.optimizer).memoryHints?.(o);
  if (hints) ways.push(...hints.ways);
  if (o.styleScale > 1) ways.push(msg`a smaller ${opt('styleScale')}`);
  // The optimiser's vectors are image-sized: at print sizes L-BFGS's history alone is many GB.
  const history = hints?.bulk ? hints.bulk.vectors * 12 * c.width * c.height : 0;
  const how = tile > 0 ? ` in tiles of ${tile} px` : '';
  throw new OutOfMemoryError(
    [
      `a ${c.width}×${c.height} run${how} needs about ${gb(need.total)} of memory but ${gb(available)} is ${input.availableMeans ?? 'available'}; `,
      ...(ways.length ? ['try ', ...ways.flatMap((w, i) => (i ? [', or ', ...w] : w))] : ['free some memory']),
      history > need.total / 4 ? `; ${hints!.bulk!.what} alone takes ${gb(history)}` : '',
    ],
    fit > 0 ? { suggestion: { option: 'imageSize', value: fit } } : undefined,
  );
}

/**
 * Each content mask's region at the style layers, at the run's size: refused when it is
 * gone at all of them (src/masks/check.ts); returns a note for each one gone at some.
 */
function checkMaskRegions(input: PreflightInput): MessagePart[][] {
  const o = input.options;
  if (!input.contentMasks?.length || o.styleWeight === 0) return [];
  const size = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  return checkMasksReachLayers(input.contentMasks, { table: input.table, layers: o.styleLayers, mode: (o.maskMode as MaskMode | undefined) ?? 'simple', ...size });
}

/**
 * What a --tile size does that the user would not guess: one that covers the image runs
 * untiled, and one off the pooling grid is cut to it (src/tiles/layout.ts), not used as given.
 */
function tileNotes(input: PreflightInput): MessagePart[][] {
  const o = input.options;
  if (typeof o.tile !== 'number' || !methodOf(o).tileable) return [];
  const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  if (chooseTile(input) === 0) return [msg`${opt('tile')} ${o.tile} covers the whole ${c.width}×${c.height} image: it runs untiled`];
  const { grid } = tileGeometry(input.table, usedLayers(termsOf(termsFor(input)), o));
  if (o.tile % grid === 0) return [];
  return [msg`${opt('tile')} ${o.tile} is not a multiple of ${grid} px, the grid tile edges must lie on (the network's poolings): tiles are cut to multiples of ${grid} px near it`];
}

/** Every check, in order: layers, sizes, memory, masked regions. Returns notes that do not stop the run. */
export function preflight(input: PreflightInput): MessagePart[][] {
  if (input.initImage) checkInitImage(input.options);
  checkLayers(input.table, input.options, input.terms);
  checkSizes(input);
  checkMemory(input);
  return [...tileNotes(input), ...checkMaskRegions(input)];
}
