/**
 * Every flag of `neural-style`, its default and its help text, in one table (as
 * jcjohnson/neural-style keeps its `cmd:option` block at the top of neural_style.lua).
 *
 * Commander only collects the raw strings; `parseOptions` below turns them into typed
 * values with this table's parsers, so every type and range check happens here, before
 * any image is decoded or any weight is loaded, and each failure is a UsageError naming
 * the flag and the value. Defaults for the algorithm come from DEFAULT_STYLIZE_OPTIONS so
 * the library, the browser app and the CLI cannot drift apart.
 */
import { UsageError } from '../errors.js';
import { DEFAULT_MODEL } from '../models/registry.js';
import { DEFAULT_STYLIZE_OPTIONS as D, PRESETS, type StylizeOptions } from '../stylize/options.js';

export type CliBackend = 'auto' | 'cpu' | 'webgpu';

/** The parsed command line of the stylize command. Undefined: not given and no default. */
export interface CliOptions {
  content: string | undefined;
  style: string[] | undefined;
  styleBlendWeights: number[] | undefined;
  output: string;
  imageSize: number;
  styleScale: number;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  numIterations: number;
  multires: number[] | undefined;
  multiresIterations: number[] | undefined;
  optimizer: StylizeOptions['optimizer'];
  learningRate: number;
  lbfgsNumCorrection: number;
  init: StylizeOptions['init'];
  initImage: string | undefined;
  pooling: StylizeOptions['pooling'];
  contentLayers: string[];
  styleLayers: string[];
  normalizeGradients: boolean;
  originalColors: boolean;
  seed: number;
  printIter: number;
  saveIter: number;
  model: string;
  modelFile: string | undefined;
  cacheDir: string | undefined;
  backend: CliBackend;
  preset: string | undefined;
  json: boolean;
  plot: string | undefined;
  checkpoint: string | undefined;
  checkpointEvery: number;
  resume: string | undefined;
  quiet: boolean;
}

export type OptionGroup = 'Input and output' | 'Optimisation' | 'Network' | 'Progress' | 'Reliability';

export interface OptionSpec<T> {
  /** Commander flags: `-c, --content <path>`; booleans have no `<value>`. */
  flags: string;
  help: string;
  group: OptionGroup;
  default: T;
  /** Raw string → value; throws UsageError naming `flag`. Absent for boolean switches. */
  parse?: (raw: string, flag: string) => T;
  /** The flag may be given more than once; the parsed lists are concatenated. */
  repeatable?: boolean;
}

// ---------------------------------------------------------------------------------------
// Parsers. Each names the flag and the offending value, and says what is allowed.

function bad(flag: string, raw: string, want: string): UsageError {
  return new UsageError(`${flag} must be ${want}, got '${raw}'`);
}

function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  const want = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  return (raw: string, flag: string): number => {
    const v = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(v) || v < min || v > max) throw bad(flag, raw, want);
    return v;
  };
}

function num(min: number, { exclusive = false, max = Infinity } = {}) {
  const want = `a number ${exclusive ? '>' : '≥'} ${min}${max < Infinity ? ` and ≤ ${max}` : ''}`;
  return (raw: string, flag: string): number => {
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(v) || (exclusive ? v <= min : v < min) || v > max) throw bad(flag, raw, want);
    return v;
  };
}

function choice<T extends string>(values: readonly T[]) {
  return (raw: string, flag: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw bad(flag, raw, `one of ${values.join(', ')}`);
    return raw as T;
  };
}

function text(what: string) {
  return (raw: string, flag: string): string => {
    if (raw.trim() === '') throw bad(flag, raw, what);
    return raw;
  };
}

/** Comma-separated items; empty items and duplicates refused. */
function list(what: string) {
  return (raw: string, flag: string): string[] => {
    const items = raw.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) throw bad(flag, raw, `a comma-separated list of ${what} with no empty items`);
    return items;
  };
}

function layerList(raw: string, flag: string): string[] {
  const items = list('layer names, e.g. relu4_2')(raw, flag);
  const dup = items.find((l, i) => items.indexOf(l) !== i);
  if (dup) throw new UsageError(`${flag} lists ${dup} twice`);
  return items;
}

function sizeList(raw: string, flag: string): number[] {
  const values = list('whole numbers ≥ 1')(raw, flag).map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  if (values.some((v) => !Number.isSafeInteger(v) || v < 1)) throw bad(flag, raw, 'a comma-separated list of whole numbers ≥ 1');
  return values;
}

function weightList(raw: string, flag: string): number[] {
  const items = list('numbers ≥ 0')(raw, flag);
  const values = items.map((s) => Number(s));
  if (values.some((v) => !Number.isFinite(v) || v < 0)) throw bad(flag, raw, 'a comma-separated list of numbers ≥ 0');
  if (!values.some((v) => v > 0)) throw bad(flag, raw, 'a list of weights with at least one above 0');
  return values;
}

// ---------------------------------------------------------------------------------------
// The table. Order here is the order of `--help` and of the README table.

export const OPTIONS: { readonly [K in keyof CliOptions]: OptionSpec<CliOptions[K]> } = {
  content: {
    flags: '-c, --content <path>',
    help: 'Content image (the photo): PNG, JPEG, WebP, GIF, TIFF, AVIF or HEIF.',
    group: 'Input and output',
    default: undefined,
    parse: text('an image path'),
  },
  style: {
    flags: '-s, --style <paths>',
    help: 'Style image(s) (the painting). Repeat the flag or separate paths with commas for several styles.',
    group: 'Input and output',
    default: undefined,
    parse: list('image paths'),
    repeatable: true,
  },
  styleBlendWeights: {
    flags: '--style-blend-weights <weights>',
    help: 'Comma-separated weight per style image, normalised to sum 1. Default: equal weights.',
    group: 'Input and output',
    default: undefined,
    parse: weightList,
  },
  output: {
    flags: '-o, --output <path>',
    help: 'Output image; the extension picks the format (.png, .jpg, .jpeg, .webp).',
    group: 'Input and output',
    default: 'out.png',
    parse: text('an image path'),
  },
  imageSize: {
    flags: '--image-size <pixels>',
    help: 'Maximum side of the result (the content image is resized to it).',
    group: 'Input and output',
    default: D.imageSize,
    parse: int(1),
  },
  styleScale: {
    flags: '--style-scale <factor>',
    help: 'Style images are resized to image-size × this (max side). Smaller gives finer brush strokes.',
    group: 'Input and output',
    default: D.styleScale,
    parse: num(0, { exclusive: true, max: 16 }),
  },
  originalColors: {
    flags: '--original-colors',
    help: "Keep the content image's colours: luminance from the result, chrominance from the content (YUV).",
    group: 'Input and output',
    default: D.originalColors,
  },
  contentWeight: {
    flags: '--content-weight <w>',
    help: 'Weight of the content loss.',
    group: 'Optimisation',
    default: D.contentWeight,
    parse: num(0),
  },
  styleWeight: {
    flags: '--style-weight <w>',
    help: 'Weight of the style loss.',
    group: 'Optimisation',
    default: D.styleWeight,
    parse: num(0),
  },
  tvWeight: {
    flags: '--tv-weight <w>',
    help: 'Weight of the total-variation (smoothness) loss; 0 switches it off.',
    group: 'Optimisation',
    default: D.tvWeight,
    parse: num(0),
  },
  numIterations: {
    flags: '--num-iterations <n>',
    help: 'Number of optimiser iterations.',
    group: 'Optimisation',
    default: D.numIterations,
    parse: int(0, 1_000_000),
  },
  multires: {
    flags: '--multires <sizes>',
    help:
      'Coarse-to-fine: first optimise at these smaller sizes (comma-separated, increasing, below --image-size), ' +
      'each stage starting from the previous result upsampled; then at --image-size.',
    group: 'Optimisation',
    default: undefined,
    parse: sizeList,
  },
  multiresIterations: {
    flags: '--multires-iterations <counts>',
    help: 'Iterations at each --multires size (comma-separated). Default: --num-iterations for each.',
    group: 'Optimisation',
    default: undefined,
    parse: sizeList,
  },
  optimizer: {
    flags: '--optimizer <name>',
    help: 'lbfgs (better results, more memory) or adam (less memory; tune --learning-rate).',
    group: 'Optimisation',
    default: D.optimizer,
    parse: choice(['lbfgs', 'adam'] as const),
  },
  learningRate: {
    flags: '--learning-rate <lr>',
    help: 'Adam step size, in network-input units (0-255 for the Caffe models).',
    group: 'Optimisation',
    default: D.learningRate,
    parse: num(0, { exclusive: true }),
  },
  lbfgsNumCorrection: {
    flags: '--lbfgs-num-correction <n>',
    help: 'L-BFGS history size (correction pairs kept); fewer uses less memory.',
    group: 'Optimisation',
    default: D.lbfgsNumCorrection,
    parse: int(1, 10_000),
  },
  init: {
    flags: '--init <mode>',
    help: 'random (seeded noise) or image (start from the content image, or from --init-image).',
    group: 'Optimisation',
    default: D.init,
    parse: choice(['random', 'image'] as const),
  },
  initImage: {
    flags: '--init-image <path>',
    help: 'Start from this image instead of the content image (implies --init image).',
    group: 'Optimisation',
    default: undefined,
    parse: text('an image path'),
  },
  seed: {
    flags: '--seed <n>',
    help: 'Random seed for the noise initialisation: the same seed gives the same output bytes.',
    group: 'Optimisation',
    default: D.seed,
    parse: int(0, 0xffffffff),
  },
  normalizeGradients: {
    flags: '--normalize-gradients',
    help: "L1-normalise each loss term's gradient (jcjohnson's -normalize_gradients).",
    group: 'Optimisation',
    default: D.normalizeGradients,
  },
  preset: {
    flags: '--preset <name>',
    help: `Named settings; flags given explicitly still win. ${Object.keys(PRESETS)
      .map((p) => `${p}: ${presetSummary(p)}`)
      .join('; ')}.`,
    group: 'Optimisation',
    default: undefined,
    parse: choice(Object.keys(PRESETS)),
  },
  model: {
    flags: '--model <name>',
    help: 'Network weights by name (see `neural-style models`); downloaded and cached on first use.',
    group: 'Network',
    default: DEFAULT_MODEL,
    parse: text('a model name'),
  },
  modelFile: {
    flags: '--model-file <path>',
    help: 'Your own weight file (.pth, .safetensors, .npz), read with the layout and preprocessing of --model.',
    group: 'Network',
    default: undefined,
    parse: text('a file path'),
  },
  cacheDir: {
    flags: '--cache-dir <dir>',
    help: 'Where downloaded weights are kept. Default $NEURAL_STYLE_CACHE, else $XDG_CACHE_HOME/neural-style, else ~/.cache/neural-style.',
    group: 'Network',
    default: undefined,
    parse: text('a directory'),
  },
  contentLayers: {
    flags: '--content-layers <layers>',
    help: 'Comma-separated layers for the content loss.',
    group: 'Network',
    default: D.contentLayers,
    parse: layerList,
  },
  styleLayers: {
    flags: '--style-layers <layers>',
    help: 'Comma-separated layers for the style loss.',
    group: 'Network',
    default: D.styleLayers,
    parse: layerList,
  },
  pooling: {
    flags: '--pooling <kind>',
    help: 'max or avg pooling in the network.',
    group: 'Network',
    default: D.pooling,
    parse: choice(['max', 'avg'] as const),
  },
  backend: {
    flags: '--backend <name>',
    help: 'auto (WebGPU when a GPU adapter works, else CPU), cpu or webgpu.',
    group: 'Network',
    default: 'auto',
    parse: choice(['auto', 'cpu', 'webgpu'] as const),
  },
  printIter: {
    flags: '--print-iter <n>',
    help: 'When not on a terminal, print a progress line every n iterations; 0 prints none.',
    group: 'Progress',
    default: 50,
    parse: int(0),
  },
  saveIter: {
    flags: '--save-iter <n>',
    help: 'Save the image every n iterations as NAME_ITER.EXT beside the output; 0 saves none.',
    group: 'Progress',
    default: 100,
    parse: int(0),
  },
  json: {
    flags: '--json',
    help: 'Print one JSON object per iteration on stdout (iteration, loss, content, style, tv, elapsedMs) and nothing else there.',
    group: 'Progress',
    default: false,
  },
  plot: {
    flags: '--plot <file>',
    help: 'Write a loss-curve plot (log scale) when the run ends: .svg or .png.',
    group: 'Progress',
    default: undefined,
    parse: text('a file path ending in .svg or .png'),
  },
  quiet: {
    flags: '-q, --quiet',
    help: 'No progress and no notes; only errors (and --json lines, if asked).',
    group: 'Progress',
    default: false,
  },
  checkpoint: {
    flags: '--checkpoint <file>',
    help: 'Save the whole optimiser state here every --checkpoint-every iterations and on interruption.',
    group: 'Reliability',
    default: undefined,
    parse: text('a file path'),
  },
  checkpointEvery: {
    flags: '--checkpoint-every <n>',
    help: 'Iterations between checkpoints.',
    group: 'Reliability',
    default: 100,
    parse: int(1),
  },
  resume: {
    flags: '--resume <file>',
    help: 'Continue the run saved in this checkpoint (same inputs and settings; --num-iterations may grow).',
    group: 'Reliability',
    default: undefined,
    parse: text('a file path'),
  },
};

function presetSummary(name: string): string {
  const p = PRESETS[name]!;
  const o = p.options;
  return (
    `--model ${p.model}` +
    (o.contentLayers ? ` --content-layers ${o.contentLayers.join(',')}` : '') +
    (o.styleLayers ? ` --style-layers ${o.styleLayers.join(',')}` : '') +
    (o.optimizer ? ` --optimizer ${o.optimizer}` : '') +
    (o.learningRate !== undefined ? ` --learning-rate ${o.learningRate}` : '') +
    (o.pooling ? ` --pooling ${o.pooling}` : '') +
    (o.init ? ` --init ${o.init}` : '') +
    (o.tvWeight !== undefined ? ` --tv-weight ${o.tvWeight}` : '') +
    (o.initNoiseStd !== undefined ? `, noise std ${o.initNoiseStd}` : '') +
    (o.keepBest ? ', keeps the best iterate' : '')
  );
}

/** `--image-size <pixels>` → `--image-size`. */
export function longFlag(key: keyof CliOptions): string {
  return /--[a-z-]+/.exec(OPTIONS[key].flags)![0];
}

/** A default as `--help` and the README show it. */
export function defaultText(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/**
 * Raw values as commander collected them (string, string[] for repeatable flags, true
 * for switches, undefined when absent) → typed options. `given` is the set of keys that
 * came from the command line (the rest take a preset's value, or the default).
 */
export function parseOptions(raw: Record<string, unknown>): { options: CliOptions; given: Set<keyof CliOptions> } {
  const out: Record<string, unknown> = {};
  const given = new Set<keyof CliOptions>();
  for (const key of Object.keys(OPTIONS) as Array<keyof CliOptions>) {
    const spec = OPTIONS[key] as OptionSpec<unknown>;
    const value = raw[key];
    if (value === undefined) {
      out[key] = spec.default;
      continue;
    }
    given.add(key);
    if (!spec.parse) {
      out[key] = value === true;
    } else if (spec.repeatable) {
      out[key] = (value as string[]).flatMap((v) => spec.parse!(v, longFlag(key)) as unknown[]);
    } else {
      out[key] = spec.parse(value as string, longFlag(key));
    }
  }
  return { options: out as unknown as CliOptions, given };
}

/**
 * Apply `--preset`: its values replace the defaults, but never a flag the user gave.
 * Returns the preset's extra algorithm options that have no flag (noise std, keep best).
 */
export function applyPreset(options: CliOptions, given: Set<keyof CliOptions>): Partial<StylizeOptions> {
  if (!options.preset) return {};
  const preset = PRESETS[options.preset]!;
  const target = options as unknown as Record<string, unknown>;
  const extra: Record<string, unknown> = {};
  if (!given.has('model')) options.model = preset.model;
  for (const [key, value] of Object.entries(preset.options)) {
    if (key in OPTIONS) {
      if (!given.has(key as keyof CliOptions)) target[key] = value;
    } else {
      extra[key] = value;
    }
  }
  return extra as Partial<StylizeOptions>;
}

/** The options table as Markdown rows (docs/cli.md embeds it; a test keeps them equal). */
export function optionsMarkdown(): string {
  const rows = ['| Option | Default | Meaning |', '|---|---|---|'];
  for (const spec of Object.values(OPTIONS) as OptionSpec<unknown>[]) {
    const d = defaultText(spec.default);
    rows.push(`| \`${spec.flags}\` | ${d === '' ? '' : `\`${d}\``} | ${spec.help.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}
