/**
 * VGG-shaped networks with seeded random weights: for tests, benchmarks and demos that must
 * run without downloading 548 MB of real weights. Same layer table, same shapes (or narrow
 * ones), reproducible on every platform from a seed.
 *
 * Initialisation: He/Kaiming normal, std = sqrt(2 / fan_in) with fan_in = in_channels × 9,
 * zero biases. For ReLU networks this keeps the second moment of activations constant
 * through depth (each conv+ReLU multiplies E[a²] by fan_in · 2/fan_in · ½ = 1), so the
 * activations keep the scale of the input. Measured with the reference forward pass in
 * test/models/random-model.test.ts (full VGG19 widths, a smooth 32×32 image, Caffe
 * preprocessing: input RMS 44): activation RMS 41–71 at every ReLU, 42–43 at relu5_1, for
 * two seeds — neither vanishing nor exploding, and max-pooling does not drift it upward
 * noticeably. Caffe-preprocessed input is itself ±100-scale, which is the regime the classic
 * loss weights (content 5, style 100) were tuned for, so the default applies no extra
 * rescaling. `gain` scales every activation by a constant (ReLU nets with zero bias are
 * positively homogeneous): gain ≈ 1/45 gives roughly unit-scale activations instead.
 */
import { UsageError } from '../errors.js';
import { Rng } from '../util/random.js';
import { convLayers, layerTableFor } from './layers.js';
import { caffePreprocessing } from './preprocessing.js';
import type { Architecture, ConvWeights, LayerTable, LoadedModel } from './types.js';

/** Real VGG channel widths per block (conv1_* … conv5_*). */
export const VGG_WIDTHS: readonly number[] = [64, 128, 256, 512, 512];

export interface RandomVggOptions {
  /** Multiplies the first conv's weights (and so every activation, ReLU nets being homogeneous). Default 1. */
  gain?: number;
}

/**
 * Seeded random conv weights for every conv of `table`. `widths[b]` is the out-channel
 * count of every conv in block b+1 (conv{b+1}_*); default real VGG widths.
 */
export function randomVggWeights(
  table: LayerTable,
  seed: number,
  widths: readonly number[] = VGG_WIDTHS,
  options: RandomVggOptions = {},
): ConvWeights {
  const gain = options.gain ?? 1;
  if (!Number.isFinite(gain) || gain <= 0) throw new UsageError(`random VGG gain must be a positive number, got ${gain}`);
  const rng = new Rng(seed);
  const out: ConvWeights = new Map();
  let inChannels = 3;
  let first = true;
  for (const layer of convLayers(table)) {
    const block = /^conv(\d+)_\d+$/.exec(layer.name);
    const b = block ? Number(block[1]) - 1 : -1;
    const o = widths[b];
    if (o === undefined || !Number.isSafeInteger(o) || o <= 0) {
      throw new UsageError(
        `random VGG widths [${widths.join(', ')}] give no valid width for ${layer.name} (block ${b + 1}); need ${5} positive integers`,
      );
    }
    const fanIn = inChannels * 9;
    const std = Math.sqrt(2 / fanIn) * (first ? gain : 1);
    const weight = rng.fillNormal(new Float32Array(o * inChannels * 9), std);
    out.set(layer.name, {
      weight: { dims: [o, inChannels, 3, 3], data: weight },
      bias: { dims: [o], data: new Float32Array(o) },
    });
    inChannels = o;
    first = false;
  }
  return out;
}

/** A ready LoadedModel with random weights and Caffe preprocessing (like the classic VGG19). */
export function randomVggModel(
  arch: Architecture = 'vgg19',
  seed = 0,
  widths: readonly number[] = VGG_WIDTHS,
  options: RandomVggOptions = {},
): LoadedModel {
  const table = layerTableFor(arch);
  return {
    name: `random-${arch}-seed${seed}${widths === VGG_WIDTHS ? '' : `-w${widths.join('x')}`}`,
    table,
    weights: randomVggWeights(table, seed, widths, options),
    preprocessing: caffePreprocessing,
  };
}
