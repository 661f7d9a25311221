/**
 * The command's options: every library option (src/options, the loss terms' included)
 * plus the ones only the command has (paths, progress, checkpoints), as the same kind of
 * record. A flag is its option's key in kebab-case (`contentWeight` → `--content-weight`);
 * a few have jcjohnson's one-letter aliases. `--help`, the README table, parsing and
 * presets all read this one list, as jcjohnson keeps his `cmd:option` block at the top of
 * neural_style.lua.
 *
 * Commander only collects the raw strings; `parseOptions` below turns them into typed
 * values with the records' rules (src/options/kinds.ts), before any image is decoded or
 * any weight is loaded, and each failure is an OptionError the CLI renders with the flag.
 */
import { Option } from 'commander';
import { statSync } from 'node:fs';
import {
  allowedText,
  applyPreset as applyPresetValues,
  byGroup,
  optionText,
  parseOptionText,
  parseOptionValues,
  pickValues,
  runOptionSpecs,
  stylizeOptionSpecs,
  type BuiltinStylizeOptions,
  type OptionSpec,
  type StylizeOptions,
} from '../options/index.js';

/** The parsed command line of the stylize command. Undefined: not given and no default. */
export interface CliOptions extends BuiltinStylizeOptions {
  content: string | undefined;
  style: string[] | undefined;
  contentMasks: string[] | undefined;
  styleMasks: string[] | undefined;
  output: string;
  initImage: string | undefined;
  outputDepth: '8' | '16';
  printIter: number;
  saveIter: number;
  model: string;
  modelFile: string | undefined;
  cacheDir: string | undefined;
  preset: string | undefined;
  json: boolean;
  plot: string | undefined;
  checkpoint: string | undefined;
  checkpointEvery: number;
  resume: string | undefined;
  quiet: boolean;
}

const cli = { scope: 'cli' } as const;

/** jcjohnson's one-letter spellings. */
const SHORT: Record<string, string> = { content: '-c', style: '-s', output: '-o', quiet: '-q' };

const COMMAND_OPTIONS: OptionSpec[] = [
  {
    ...cli,
    key: 'content',
    kind: { type: 'text', what: 'an image path' },
    default: undefined,
    label: 'Content image',
    help: 'Content image (the photo): PNG, JPEG, WebP, GIF, TIFF, AVIF or HEIF.',
    group: 'Input and output',
    valueName: '<path>',
  },
  {
    ...cli,
    key: 'style',
    kind: { type: 'texts', what: 'image paths' },
    default: undefined,
    label: 'Style images',
    help: 'Style image(s) (the painting). Repeat the flag or separate paths with commas for several styles; a path that is an existing file is taken whole, commas and all.',
    group: 'Input and output',
    valueName: '<paths>',
    repeatable: true,
  },
  {
    ...cli,
    key: 'contentMasks',
    kind: { type: 'texts', what: 'image paths' },
    default: undefined,
    label: 'Content masks',
    help: 'Spatial control: one greyscale mask per style image, white where that style applies (resized to the content). With masks, several styles are regions, not a blend.',
    group: 'Input and output',
    valueName: '<paths>',
    repeatable: true,
  },
  {
    ...cli,
    key: 'styleMasks',
    kind: { type: 'texts', what: 'image paths' },
    default: undefined,
    label: 'Style masks',
    help: 'With --content-masks: one greyscale mask per style image, white where that style image provides its statistics.',
    group: 'Input and output',
    valueName: '<paths>',
    repeatable: true,
  },
  {
    ...cli,
    key: 'output',
    kind: { type: 'text', what: 'an image path' },
    default: 'out.png',
    label: 'Output image',
    help: 'Output image; the extension picks the format (.png, .jpg, .jpeg, .webp, .tif, .tiff).',
    group: 'Input and output',
    valueName: '<path>',
  },
  {
    ...cli,
    key: 'outputDepth',
    kind: { type: 'choice', choices: ['8', '16'] },
    default: '8',
    label: 'Output depth',
    help: 'Bits per channel of the output (and --save-iter) images: 8, or 16 for prints (.png or .tif only).',
    group: 'Input and output',
    valueName: '<bits>',
  },
  {
    ...cli,
    key: 'initImage',
    kind: { type: 'text', what: 'an image path' },
    default: undefined,
    label: 'Init image',
    help: 'Start from this image instead of the content image (implies --init image).',
    group: 'Optimisation',
    valueName: '<path>',
  },
  {
    ...cli,
    key: 'modelFile',
    kind: { type: 'text', what: 'a file path' },
    default: undefined,
    label: 'Model file',
    help: 'Your own weight file (.pth, .safetensors, .npz), read with the layout and preprocessing of --model.',
    group: 'Network',
    valueName: '<path>',
  },
  {
    ...cli,
    key: 'cacheDir',
    kind: { type: 'text', what: 'a directory' },
    default: undefined,
    label: 'Cache directory',
    help: 'Where downloaded weights are kept. Default $NEURAL_STYLE_CACHE, else $XDG_CACHE_HOME/neural-style, else ~/.cache/neural-style.',
    group: 'Network',
    valueName: '<dir>',
  },
  {
    ...cli,
    key: 'printIter',
    kind: { type: 'int', min: 0 },
    default: 50,
    label: 'Print every',
    help: 'When not on a terminal, print a progress line every n iterations; 0 prints none.',
    group: 'Progress',
    valueName: '<n>',
  },
  {
    ...cli,
    key: 'saveIter',
    kind: { type: 'int', min: 0 },
    default: 100,
    label: 'Save every',
    help: 'Save the image every n iterations as NAME_ITER.EXT beside the output; 0 saves none.',
    group: 'Progress',
    valueName: '<n>',
  },
  {
    ...cli,
    key: 'json',
    kind: { type: 'boolean' },
    default: false,
    label: 'JSON progress',
    help: 'Print one JSON object per iteration on stdout (iteration, loss, one field per loss part: content, style, tv; elapsedMs) and nothing else there.',
    group: 'Progress',
  },
  {
    ...cli,
    key: 'plot',
    kind: { type: 'text', what: 'a file path ending in .svg or .png' },
    default: undefined,
    label: 'Loss plot',
    help: 'Write a loss-curve plot (log scale) when the run ends: .svg or .png.',
    group: 'Progress',
    valueName: '<file>',
  },
  {
    ...cli,
    key: 'quiet',
    kind: { type: 'boolean' },
    default: false,
    label: 'Quiet',
    help: 'No progress and no notes; only errors (and --json lines, if asked).',
    group: 'Progress',
  },
  {
    ...cli,
    key: 'checkpoint',
    kind: { type: 'text', what: 'a file path' },
    default: undefined,
    label: 'Checkpoint file',
    help: 'Save the whole optimiser state here every --checkpoint-every iterations and on interruption.',
    group: 'Reliability',
    valueName: '<file>',
  },
  {
    ...cli,
    key: 'resume',
    kind: { type: 'text', what: 'a file path' },
    default: undefined,
    label: 'Resume from',
    help: 'Continue the run saved in this checkpoint (same inputs and settings; --num-iterations may grow). Checkpoints go on into this file unless --checkpoint names another.',
    group: 'Reliability',
    valueName: '<file>',
  },
];

/** Every option of the stylize command, group by group: the library's, the run's and the command's own. */
export function cliOptionSpecs(): OptionSpec[] {
  // Video-only options (the temporal loss's) belong to the video command.
  const library = stylizeOptionSpecs().filter((s) => s.scope !== 'video');
  return byGroup([...COMMAND_OPTIONS.slice(0, 5), ...library, ...runOptionSpecs(), ...COMMAND_OPTIONS.slice(5)]);
}

export function cliOptionSpec(key: string): OptionSpec | undefined {
  return cliOptionSpecs().find((s) => s.key === key);
}

/** `contentWeight` → `--content-weight`: how the command names an option. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Commander's flags text: `-c, --content <path>`; switches have no value. */
export function flagsText(spec: OptionSpec): string {
  const long = flagOf(spec.key);
  const value = spec.kind.type === 'boolean' ? '' : ` ${spec.valueName ?? '<value>'}`;
  return `${SHORT[spec.key] ? `${SHORT[spec.key]}, ` : ''}${long}${value}`;
}

/** A default as `--help` and the README show it. */
export const defaultText = optionText;

/**
 * An option's commander flags: the flag with its help (the default in the text, not in
 * commander, so an absent flag stays undefined for a preset or a method to fill), and for a
 * switch that is on by default its `--no-` form, which gives false.
 */
export function commanderOptions(spec: OptionSpec): Option[] {
  const d = spec.kind.type !== 'boolean' ? defaultText(spec.default) : '';
  const option = new Option(flagsText(spec), d ? `${spec.help} (default: ${d})` : spec.help).helpGroup(`${spec.group}:`);
  if (spec.repeatable) option.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
  if (spec.kind.type !== 'boolean' || spec.default !== true) return [option];
  return [option, new Option(`--no-${flagOf(spec.key).slice(2)}`, `Turn ${flagOf(spec.key)} off (it is on by default).`).helpGroup(`${spec.group}:`)];
}

/**
 * Raw values as commander collected them (string, string[] for repeatable flags, true
 * for switches, undefined when absent) → typed options, with the records' rules
 * (src/options/parse.ts). `given` is the set of keys that came from the command line.
 */
export function parseOptions(raw: Record<string, unknown>): { options: CliOptions; given: Set<string> } {
  const specs = cliOptionSpecs();
  const lists = specs.filter((s) => s.repeatable && s.kind.type === 'texts' && Array.isArray(raw[s.key]));
  const { values, given } = parseOptionValues(specs, { ...raw, ...Object.fromEntries(lists.map((s) => [s.key, undefined])) });
  for (const spec of lists) {
    values[spec.key] = pathList(spec, raw[spec.key] as string[]);
    given.add(spec.key);
  }
  return { options: values as unknown as CliOptions, given };
}

/**
 * The paths of `-s a.jpg,b.jpg -s c.jpg` (and of the mask lists): commas separate paths,
 * except in a value that is itself an existing file, taken whole — a painting saved as
 * "Monet, Water Lilies.jpg" could not be given otherwise.
 */
export function pathList(spec: OptionSpec, values: readonly string[]): string[] {
  const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() === true;
  return values.flatMap((v) => (v.includes(',') && isFile(v) ? [v] : (parseOptionText(spec, v) as string[])));
}

/** Apply `--preset` (src/options/presets.ts): its values replace the defaults, never a flag the user gave. */
export function applyPreset(options: CliOptions, given: Set<string>): void {
  applyPresetValues(options as unknown as Record<string, unknown>, given);
}

/** The library's options out of the command's. */
export function stylizeOptionsOf(cli: CliOptions): StylizeOptions {
  return pickValues(cli as unknown as Record<string, unknown>, stylizeOptionSpecs()) as StylizeOptions;
}

/** The options table as Markdown rows (README.md embeds it; a test keeps them equal). */
export function optionsMarkdown(): string {
  const rows = ['| Option | Default | Meaning |', '|---|---|---|'];
  for (const spec of cliOptionSpecs()) {
    const d = defaultText(spec.default);
    rows.push(`| \`${flagsText(spec)}\` | ${d === '' ? '' : `\`${d}\``} | ${spec.help.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

export { allowedText };
