import type { StylizeOptions } from './stylize-options.js';
import { methodOf } from '../methods/index.js';

/**
 * Presets: named bundles of options. `seed` is gcucurull/neural-art-transfer's setup
 * (the project this one grew from): VGG16, content conv4_2, style conv1_1…conv5_1, Adam
 * with step 1, average pooling, unit-variance noise init, no TV, best iterate kept. Its
 * losses were sums where ours are means (jcjohnson's), so its weights do not carry over
 * numerically; jcjohnson's defaults are kept for those.
 */
export interface Preset {
  model: string;
  /** What it is, in a few words (the help text of the preset option). */
  summary: string;
  options: Partial<StylizeOptions>;
}

export const PRESETS: Record<string, Preset> = {
  seed: {
    model: 'vgg16',
    summary: "gcucurull/neural-art-transfer's setup (VGG16, Adam with step 1, average pooling, noise init, no TV, best iterate kept)",
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
  /**
   * crowsonkb/style-transfer-pytorch's recipe (style_transfer.py and cli.py defaults):
   * torchvision VGG-19 and preprocessing, replicate padding in conv1_1, max pooling, W2 on
   * relu1_1…relu5_1 weighted 256:64:16:4:1 normalised to sum 1 (ours scale to the number of
   * layers, so style weight 1/5 gives his sum), content relu4_2 as a plain MSE × 0.015, his
   * nine-point TV × 2, Adam with step 0.02 and β = (0.9, 0.99) on 0–1 RGB, clamped after
   * every step, iterates averaged with decay 0.99, starting from the content image, and
   * coarse-to-fine from 128 px in steps of √2 (1000 iterations at the first size, 500 at
   * each later one) with Adam's moments carried over, resized. Not his: bilinear where he
   * resizes bicubic, and the gradient through Newton–Schulz where his sqrtm backward is a
   * Lyapunov solve.
   */
  crowsonkb: {
    model: 'vgg19-torchvision',
    summary: "crowsonkb/style-transfer-pytorch's recipe (torchvision VGG-19, W2 style loss, Adam on RGB, iterate averaging, coarse-to-fine from 128 px)",
    options: {
      firstPadding: 'replicate',
      pooling: 'max',
      styleLoss: 'w2',
      styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'],
      styleLayerWeights: [256, 64, 16, 4, 1],
      styleWeight: 0.2,
      contentLayers: ['relu4_2'],
      contentWeight: 0.015,
      tvStencil: 'crowsonkb',
      tvWeight: 2,
      optimizer: 'adam',
      optimizeSpace: 'rgb',
      learningRate: 0.02,
      adamBeta2: 0.99,
      clampImage: true,
      averageIterates: 0.99,
      init: 'image',
      numIterations: 500,
      multiresFrom: 128,
      multiresFirstIterations: 1000,
      multiresWarmStart: true,
    },
  },
};

/**
 * Apply the method's defaults and then a preset to a front end's values, which hold every
 * option's table default: the method's model and options replace the table's, the
 * preset's replace both, and a value that was given (`given`: the keys the user set) is
 * never replaced — given > preset > method > table. The one place this happens: the
 * command, the video command, the job service and the web form call it.
 */
export function applyPreset(values: Record<string, unknown>, given: ReadonlySet<string>, name = values.preset as string | undefined): void {
  const method = methodOf(values);
  if (!given.has('model') && method.defaults.model !== undefined) values.model = method.defaults.model;
  for (const [key, value] of Object.entries(method.defaults.options)) if (!given.has(key)) values[key] = value;
  if (!name) return;
  const preset = PRESETS[name];
  if (!preset) throw new Error(`no preset named '${name}'`);
  if (!given.has('model')) values.model = preset.model;
  for (const [key, value] of Object.entries(preset.options)) if (!given.has(key)) values[key] = value;
}
