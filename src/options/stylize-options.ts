/**
 * The algorithm's options with jcjohnson/neural-style's meanings and defaults, as records
 * (types.ts). The loss terms bring their own (weights, layers: src/losses); table.ts puts
 * them all together. `StylizeOptions` is the typed view a library caller fills.
 */
import type { Pooling } from '../network/vgg.js';
import { COLOUR_CONTROLS } from '../image/colour/index.js';
import type { OptimizerKind } from '../optim/types.js';
import type { OptionSpec } from './types.js';

export type InitMode = 'random' | 'image';
/** A built-in optimiser or one added with registerOptimizer (src/optim/registry.ts). */
export type OptimizerName = OptimizerKind | (string & {});

/** The built-in options, typed. */
export interface BuiltinStylizeOptions {
  /** The algorithm (src/methods): gatys, nnst, strotss. */
  method: string;
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
  /** conv1_1's padding: zeros, or replicate (crowsonkb). */
  firstPadding: 'zeros' | 'replicate';
  /** What the optimiser moves: the pixels, or the levels of a Laplacian pyramid (src/parameterisations). */
  parameterization: 'pixels' | 'pyramid';
  /** A pyramid's detail levels. */
  pyramidLevels: number;
  /** Optimise the network input (jcjohnson) or the 0–1 RGB image (crowsonkb; steps and clamping in RGB units). */
  optimizeSpace: 'network' | 'rgb';
  /** Clamp the image to [0, 1] (in its space's units) after every step. */
  clampImage: boolean;
  /** Adam's second-moment decay (crowsonkb: 0.99). */
  adamBeta2: number;
  /** RMSprop's square-average decay; undefined: 0.99. */
  rmspropAlpha?: number;
  contentLayers: string[];
  styleLayers: string[];
  normalizeGradients: boolean;
  originalColors: boolean;
  /** Gatys 2017 colour control: none, luminance (transfer on luminance only) or histogram (style colours matched to the content's). */
  colorControl: string;
  /** Exponential moving average of the iterates (crowsonkb: 0.99); undefined: the last iterate. */
  averageIterates?: number;
  seed: number;
  /** Return the iterate with the lowest loss rather than the last (the seed project did). */
  keepBest: boolean;
  /** A registered backend's name (src/backends), or auto: the best one that works here. */
  backend: string;
  /**
   * Coarse-to-fine: smaller sizes (increasing, each below imageSize) to optimise at first,
   * each stage starting from the previous result upsampled. Empty/undefined: one size.
   */
  multires?: number[];
  /** Iterations at each multires size; default numIterations for each. */
  multiresIterations?: number[];
  /**
   * Evaluate the objective tile by tile (src/tiles): 'auto' only when the whole image
   * would not fit in the memory the caller says there is, 'off' never, or a tile size in px.
   */
  tile: 'auto' | 'off' | number;
  /** crowsonkb's schedule: coarse-to-fine from this size to imageSize in steps of √2. */
  multiresFrom?: number;
  /** Iterations at the first (coarsest) size; default numIterations. */
  multiresFirstIterations?: number;
  /** Carry the optimiser's state (Adam's moments, RMSprop's square average), resized, from each size to the next. */
  multiresWarmStart?: boolean;
}

/** The built-in options plus whatever registered loss terms bring (see src/losses/index.ts). */
export type StylizeOptions = BuiltinStylizeOptions & { [option: string]: unknown };

const stylize = { scope: 'stylize' } as const;

/** The options that belong to no one loss term, in `--help` order within their groups. */
export const STYLIZE_OPTIONS: OptionSpec[] = [
  {
    ...stylize,
    key: 'method',
    // The registered methods: table.ts fills the choices and the help.
    kind: { type: 'choice', choices: [] },
    default: 'gatys',
    label: 'Method',
    help: '',
    group: 'Optimisation',
    objective: true,
    valueName: '<name>',
  },
  {
    ...stylize,
    key: 'imageSize',
    kind: { type: 'int', min: 1 },
    default: 512,
    label: 'Size',
    help: 'Maximum side of the result (the content image is resized to it).',
    group: 'Input and output',
    objective: true,
    valueName: '<pixels>',
  },
  {
    ...stylize,
    key: 'styleScale',
    kind: { type: 'number', min: 0, exclusiveMin: true, max: 16 },
    default: 1,
    label: 'Style scale',
    help: 'Style images are resized to image-size × this (max side). Smaller gives finer brush strokes.',
    group: 'Input and output',
    objective: true,
    valueName: '<factor>',
  },
  {
    ...stylize,
    key: 'styleBlendWeights',
    kind: { type: 'weights' },
    default: undefined,
    label: 'Style blend weights',
    help: 'Comma-separated weight per style image, normalised to sum 1. Default: equal weights.',
    group: 'Input and output',
    objective: true,
    valueName: '<weights>',
  },
  {
    ...stylize,
    key: 'originalColors',
    kind: { type: 'boolean' },
    default: false,
    label: 'Keep the photo’s colours',
    help: "Keep the content image's colours: luminance from the result, chrominance from the content (YUV).",
    group: 'Input and output',
  },
  {
    ...stylize,
    key: 'colorControl',
    kind: { type: 'choice', choices: COLOUR_CONTROLS.map((c) => c.name) },
    default: 'none',
    label: 'Colour control',
    help:
      'Gatys 2017 colour control: none; luminance (transfer on luminance only, the result keeps the content colours); ' +
      "histogram (each style's colours first matched to the content's mean and covariance).",
    group: 'Input and output',
    objective: true,
    valueName: '<mode>',
  },
  {
    ...stylize,
    key: 'numIterations',
    kind: { type: 'int', min: 0, max: 1_000_000 },
    default: 1000,
    label: 'Iterations',
    help: 'Number of optimiser iterations.',
    group: 'Optimisation',
    valueName: '<n>',
  },
  {
    ...stylize,
    key: 'multires',
    kind: { type: 'ints', min: 1 },
    default: undefined,
    label: 'Coarse-to-fine sizes',
    help:
      'Coarse-to-fine: first optimise at these smaller sizes (comma-separated, increasing, below the image size), ' +
      'each stage starting from the previous result upsampled; then at the image size.',
    group: 'Optimisation',
    objective: true,
    valueName: '<sizes>',
  },
  {
    ...stylize,
    key: 'multiresIterations',
    kind: { type: 'ints', min: 0 },
    default: undefined,
    label: 'Coarse-to-fine iterations',
    help: 'Iterations at each coarse-to-fine size (comma-separated). Default: the number of iterations for each.',
    group: 'Optimisation',
    objective: true,
    valueName: '<counts>',
  },
  {
    ...stylize,
    key: 'tile',
    kind: { type: 'intOr', min: 16, words: ['auto', 'off'] },
    default: 'auto',
    label: 'Tiles',
    help:
      'Evaluate the whole image tile by tile, with the exact gradient, in memory bounded by the tile: ' +
      'auto (only when the untiled run would not fit in free memory, with the largest tile that fits), off, or a tile size in px.',
    group: 'Optimisation',
    valueName: '<auto|off|px>',
  },
  {
    ...stylize,
    key: 'multiresFrom',
    kind: { type: 'int', min: 1 },
    default: undefined,
    label: 'Coarse-to-fine from',
    help: "crowsonkb's schedule: coarse-to-fine from this size up to the image size in steps of √2.",
    group: 'Optimisation',
    objective: true,
    valueName: '<pixels>',
  },
  {
    ...stylize,
    key: 'multiresFirstIterations',
    kind: { type: 'int', min: 0 },
    default: undefined,
    label: 'Iterations at the first size',
    help: 'Iterations at the first (coarsest) coarse-to-fine size. Default: the number of iterations.',
    group: 'Optimisation',
    objective: true,
    valueName: '<n>',
  },
  {
    ...stylize,
    key: 'multiresWarmStart',
    kind: { type: 'boolean' },
    default: false,
    label: 'Warm-start each size',
    help: "Carry the optimiser's state (Adam's moments, RMSprop's square average) from each coarse-to-fine size to the next, resized (crowsonkb).",
    group: 'Optimisation',
    objective: true,
  },
  {
    ...stylize,
    key: 'optimizer',
    // The choices and the help come from the registered optimisers (table.ts), and so do
    // their own options, which follow the learning rate (lbfgsNumCorrection, adamBeta2, …).
    kind: { type: 'choice', choices: [] },
    default: 'lbfgs',
    label: 'Optimiser',
    help: '',
    group: 'Optimisation',
    objective: true,
    valueName: '<name>',
  },
  {
    ...stylize,
    key: 'learningRate',
    kind: { type: 'number', min: 0, exclusiveMin: true },
    default: 10,
    label: 'Learning rate',
    help: 'Step size of adam and rmsprop, in network-input units (0-255 for the Caffe models).',
    group: 'Optimisation',
    objective: true,
    valueName: '<lr>',
  },
  {
    ...stylize,
    key: 'parameterization',
    untiled: true,
    kind: { type: 'choice', choices: ['pixels', 'pyramid'] },
    default: 'pixels',
    label: 'Optimise over',
    help: "pixels (Gatys: the optimiser moves the image itself) or pyramid (Kolkin et al.: the levels of the image's Laplacian pyramid, so one step moves whole regions).",
    group: 'Optimisation',
    objective: true,
    valueName: '<what>',
  },
  {
    ...stylize,
    key: 'pyramidLevels',
    kind: { type: 'int', min: 0, max: 16 },
    default: 8,
    label: 'Pyramid levels',
    help: 'With parameterization pyramid: how many detail levels (fewer where the image is too small for them: the coarsest keeps a pixel a side).',
    group: 'Optimisation',
    objective: true,
    valueName: '<n>',
  },
  {
    ...stylize,
    key: 'optimizeSpace',
    untiled: true,
    kind: { type: 'choice', choices: ['network', 'rgb'] },
    default: 'network',
    label: 'Optimise in',
    help: 'network (the network input, as jcjohnson: steps in its units) or rgb (the 0–1 RGB image, as crowsonkb).',
    group: 'Optimisation',
    objective: true,
    valueName: '<space>',
  },
  {
    ...stylize,
    key: 'clampImage',
    kind: { type: 'boolean' },
    default: false,
    label: 'Clamp the image',
    help: 'Clamp the image to valid pixels (0–1 RGB) after every step, as crowsonkb does.',
    group: 'Optimisation',
    objective: true,
  },
  {
    ...stylize,
    key: 'init',
    kind: { type: 'choice', choices: ['random', 'image'] },
    default: 'random',
    label: 'Start from',
    help: 'random (seeded noise) or image (start from the content image, or from the init image).',
    group: 'Optimisation',
    valueName: '<mode>',
  },
  {
    ...stylize,
    key: 'initNoiseStd',
    kind: { type: 'number', min: 0, exclusiveMin: true },
    default: 0.001,
    label: 'Noise std',
    help: 'Standard deviation of the starting noise for init random, in network-input units.',
    group: 'Optimisation',
    valueName: '<std>',
  },
  {
    ...stylize,
    key: 'seed',
    kind: { type: 'int', min: 0, max: 0xffffffff },
    default: 0,
    label: 'Seed',
    help: 'Random seed for the noise initialisation: the same seed gives the same output bytes.',
    group: 'Optimisation',
    valueName: '<n>',
  },
  {
    ...stylize,
    key: 'averageIterates',
    kind: { type: 'number', min: 0, exclusiveMin: true, max: 0.9999 },
    default: undefined,
    label: 'Iterate averaging',
    help: 'Output the bias-corrected exponential moving average of the iterates with this decay (crowsonkb: 0.99). Default: the last iterate.',
    group: 'Optimisation',
    objective: true,
    valueName: '<decay>',
  },
  {
    ...stylize,
    key: 'normalizeGradients',
    kind: { type: 'boolean' },
    default: false,
    label: 'Normalise gradients',
    help: "L1-normalise each loss term's gradient (jcjohnson's -normalize_gradients).",
    group: 'Optimisation',
    objective: true,
  },
  {
    ...stylize,
    key: 'keepBest',
    kind: { type: 'boolean' },
    default: false,
    label: 'Keep the best iterate',
    help: 'Return the iterate with the lowest loss rather than the last.',
    group: 'Optimisation',
    objective: true,
  },
  {
    ...stylize,
    key: 'pooling',
    kind: { type: 'choice', choices: ['max', 'avg'] },
    default: 'max',
    label: 'Pooling',
    help: 'max or avg pooling in the network.',
    group: 'Network',
    objective: true,
    valueName: '<kind>',
  },
  {
    ...stylize,
    key: 'firstPadding',
    untiled: true,
    kind: { type: 'choice', choices: ['zeros', 'replicate'] },
    default: 'zeros',
    label: 'conv1_1 padding',
    help: "How the first conv pads the image: zeros, or replicate (its edge pixels; crowsonkb: fewer edge artifacts).",
    group: 'Network',
    objective: true,
    valueName: '<mode>',
  },
  {
    ...stylize,
    key: 'backend',
    // The registered backends: table.ts fills the choices.
    kind: { type: 'choice', choices: [] },
    default: 'auto',
    label: 'Backend',
    help: 'Where onnxruntime runs: auto (WebGPU when a GPU adapter works, else the CPU; in browsers WASM), cpu (Node), wasm (browsers) or webgpu.',
    group: 'Network',
    valueName: '<name>',
  },
  {
    ...stylize,
    key: 'convAlgorithm',
    kind: { type: 'choice', choices: ['auto', 'direct', 'winograd'] },
    default: 'auto',
    label: 'Convolutions',
    help: "auto (per layer, the form measured fastest on the backend), direct (onnxruntime's Conv) or winograd (F(4×4,3×3) wherever a layer can take it). Same result to float rounding.",
    group: 'Network',
    valueName: '<form>',
  },
];
