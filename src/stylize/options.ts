/**
 * The algorithm's options with jcjohnson/neural-style's meanings and defaults. The CLI's
 * options table (src/cli/options.ts) maps flags onto this; the browser app fills it from
 * its form.
 */
import type { Pooling } from '../network/vgg.js';
import type { BackendName } from '../runtime/ort.js';

export type InitMode = 'random' | 'image';
export type OptimizerName = 'lbfgs' | 'adam';

export interface StylizeOptions {
  /** Maximum side of the content image (and so of the result), px. */
  imageSize: number;
  /** Style images are resized to imageSize × styleScale (max side). */
  styleScale: number;
  /** One weight per style image; normalised to sum 1. Default: equal. */
  styleBlendWeights?: number[];
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  numIterations: number;
  optimizer: OptimizerName;
  learningRate: number;
  lbfgsNumCorrection: number;
  init: InitMode;
  /** Standard deviation of the noise for `init: 'random'` (jcjohnson: 0.001). */
  initNoiseStd: number;
  pooling: Pooling;
  contentLayers: string[];
  styleLayers: string[];
  normalizeGradients: boolean;
  originalColors: boolean;
  seed: number;
  /** Return the iterate with the lowest loss rather than the last (the seed project did). */
  keepBest: boolean;
  backend: BackendName;
  /**
   * Coarse-to-fine: smaller sizes (increasing, each below imageSize) to optimise at first,
   * each stage starting from the previous result upsampled. Empty/undefined: one size.
   */
  multires?: number[];
  /** Iterations at each multires size; default numIterations for each. */
  multiresIterations?: number[];
}

export const DEFAULT_STYLIZE_OPTIONS: StylizeOptions = {
  imageSize: 512,
  styleScale: 1,
  contentWeight: 5,
  styleWeight: 100,
  tvWeight: 1e-3,
  numIterations: 1000,
  optimizer: 'lbfgs',
  learningRate: 10,
  lbfgsNumCorrection: 100,
  init: 'random',
  initNoiseStd: 0.001,
  pooling: 'max',
  contentLayers: ['relu4_2'],
  styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'],
  normalizeGradients: false,
  originalColors: false,
  seed: 0,
  keepBest: false,
  backend: 'cpu',
};

/**
 * Presets: named bundles of options. `seed` is gcucurull/neural-art-transfer's setup
 * (the project this one grew from): VGG16, content conv4_2, style conv1_1…conv5_1, Adam
 * with step 1, average pooling, unit-variance noise init, no TV, best iterate kept. Its
 * losses were sums where ours are means (jcjohnson's), so its weights do not carry over
 * numerically; jcjohnson's defaults are kept for those.
 */
export const PRESETS: Record<string, { model: string; options: Partial<StylizeOptions> }> = {
  seed: {
    model: 'vgg16',
    options: {
      contentLayers: ['conv4_2'],
      styleLayers: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'],
      optimizer: 'adam',
      learningRate: 1,
      pooling: 'avg',
      init: 'random',
      initNoiseStd: 1,
      tvWeight: 0,
      keepBest: true,
    },
  },
};
