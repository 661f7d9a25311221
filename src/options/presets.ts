import type { StylizeOptions } from './stylize-options.js';

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
