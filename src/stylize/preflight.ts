/**
 * The checks a run can make before any weight is loaded or any step is taken, in the
 * core so the CLI, the library's callers and the web app all make the same ones:
 * the layers exist in the network, every image is large enough for the deepest layer's
 * poolings, and the whole run fits in the memory there is (with an image size that fits
 * when it does not). A problem found here costs seconds, not the hour a run can take.
 */
import { msg, opt, OptionError, OutOfMemoryError, UsageError } from '../errors.js';
import { fitMaxSide } from '../image/resize.js';
import { targetOf, UNMASKED_RUN, type LossTerm } from '../losses/index.js';
import { convLayers, layerIndex } from '../models/layers.js';
import { VGG_WIDTHS } from '../models/random-model.js';
import type { LayerTable } from '../models/types.js';
import { activeTerms, termsOf, usedLayers } from '../objective/terms.js';
import type { StylizeOptions } from '../options/index.js';
import { estimateFeaturePass, estimateMemory, type MemoryQuery } from '../runtime/memory.js';

export interface ImageSize {
  width: number;
  height: number;
}

export interface PreflightInput {
  table: LayerTable;
  options: StylizeOptions;
  content: ImageSize;
  styles: ImageSize[];
  /** Other decoded images held during the run (an init image). */
  extraImages?: ImageSize[];
  terms?: readonly LossTerm[];
  /** A checkpoint is written during the run (one packed copy of the state at a time). */
  checkpoint?: boolean;
  /** Bytes available; undefined skips the memory check. */
  availableBytes?: number;
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
  const layers = usedLayers(termsOf(input.terms), o);
  const pools = poolsBefore(table, layers);
  const need = 2 ** pools;
  const deepest = deepestName(table, layers);
  const smallest = o.multires?.[0];
  if (smallest) {
    const cs = fitMaxSide(input.content.width, input.content.height, smallest);
    if (Math.min(cs.width, cs.height) < need) {
      throw new OptionError('multires', o.multires, 'sizes large enough for the network', {
        problem: msg`${opt('multires')} ${smallest} makes the content image ${cs.width}×${cs.height}, too small for ${deepest} (at least ${need} px on each side); start the multires sizes higher`,
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
          ...(smallest ? msg`${opt('multires')} ${smallest}` : msg`${opt('imageSize')} ${o.imageSize}`),
          ...msg` × ${opt('styleScale')} ${o.styleScale} makes style image ${i + 1} ${z.width}×${z.height}, too small for ${deepest} (at least ${need} px on each side); raise ${opt('styleScale')}`,
        ],
      });
    }
  });
}

/** The query for the real VGG channel widths (an upper bound for narrow weight files). */
function queryFor(table: LayerTable, deepest: string, width: number, height: number): MemoryQuery {
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
  return { width, height, layers, deepest, weightBytes };
}

export interface RunMemory {
  /** The objective's evaluation: activations, gradients, weights, runtime. */
  evaluation: number;
  /** The features passes over the largest content and style images (their arena stays). */
  features: number;
  /** Optimiser vectors (L-BFGS keeps 2 × history of them), doubled while a checkpoint is packed. */
  optimizer: number;
  /** Decoded input images and their resized and preprocessed copies. */
  images: number;
  total: number;
}

/** The margin left on top of the estimate: the model was fitted within ~25%. */
export const MEMORY_MARGIN = 1.1;

/** Peak bytes of a whole run with these images, at the options' imageSize. */
export function runMemory(input: PreflightInput): RunMemory {
  const { table, options: o } = input;
  const terms = termsOf(input.terms);
  const layers = usedLayers(terms, o);
  const deepest = deepestName(table, layers);
  const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const evaluation = estimateMemory(queryFor(table, deepest, c.width, c.height)).total;

  // Style images are seen at imageSize × styleScale: with a large scale, far more pixels
  // than the result. Only the layers of terms with style targets run on them.
  const styleTerms = activeTerms(terms, o).filter((t) => { const from = targetOf(t, o, UNMASKED_RUN)?.from; return from !== undefined && from !== 'content'; });
  const styleDeepest = deepestName(table, [...new Set(styleTerms.flatMap((t) => t.layers(o)))]);
  const styleSide = Math.max(1, Math.round(o.imageSize * o.styleScale));
  const styleSizes = input.styles.map((s) => fitMaxSide(s.width, s.height, styleSide));
  const largestStyle = styleSizes.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b), { width: 1, height: 1 });
  const features = Math.max(
    estimateFeaturePass(queryFor(table, deepest, c.width, c.height)),
    styleTerms.length ? estimateFeaturePass(queryFor(table, styleDeepest, largestStyle.width, largestStyle.height)) : 0,
  );

  const vector = 3 * c.width * c.height * 4;
  const optimizerVectors = o.optimizer === 'lbfgs' ? 2 * o.lbfgsNumCorrection + 4 : 4;
  const optimizer = optimizerVectors * vector * (input.checkpoint ? 2 : 1) + 4 * vector; // x, best, last good, image copies

  // RgbImage is float32 HWC: 12 bytes a pixel; each style also has its resized copy and its
  // preprocessed (network-input) copy while its targets are computed.
  const px = (s: ImageSize) => s.width * s.height;
  const decoded = [input.content, ...input.styles, ...(input.extraImages ?? [])].reduce((a, s) => a + 12 * px(s), 0);
  const images = decoded + 2 * 12 * px(c) + styleSizes.reduce((a, s) => a + 12 * px(s), 0) + 24 * px(largestStyle);

  const total = Math.round((evaluation + features + optimizer + images) * MEMORY_MARGIN);
  return { evaluation, features, optimizer, images, total };
}

/** The largest imageSize (a multiple of 16) whose whole run fits in `available`; 0 if none. */
export function largestFittingImageSize(input: PreflightInput, available: number): number {
  const long = Math.max(input.content.width, input.content.height);
  const fits = (side: number) => runMemory({ ...input, options: { ...input.options, imageSize: side } }).total <= available;
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

/** OutOfMemoryError, suggesting an imageSize that itself passes this check, when the run would not fit. */
export function checkMemory(input: PreflightInput): void {
  const available = input.availableBytes;
  if (available === undefined) return;
  const need = runMemory(input).total;
  if (need <= available) return;
  const o = input.options;
  const fit = largestFittingImageSize(input, available);
  const gb = (n: number) => `${(n / 2 ** 30).toFixed(1)} GB`;
  const c = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const lbfgs = o.optimizer === 'lbfgs' ? msg`, or ${opt('optimizer')} adam, or a smaller ${opt('lbfgsNumCorrection')}` : [];
  const scale = o.styleScale > 1 ? msg`, or a smaller ${opt('styleScale')}` : [];
  throw new OutOfMemoryError(
    [
      `a ${c.width}×${c.height} run needs about ${gb(need)} of memory but ${gb(available)} is available; `,
      ...(fit > 0 ? msg`try ${opt('imageSize')} ${fit}` : ['free some memory']),
      ...lbfgs,
      ...scale,
    ],
    fit > 0 ? { suggestion: { option: 'imageSize', value: fit } } : undefined,
  );
}

/** Every check, in order: layers, sizes, memory. */
export function preflight(input: PreflightInput): void {
  checkLayers(input.table, input.options, input.terms);
  checkSizes(input);
  checkMemory(input);
}
