/**
 * Everything the stylize command checks before the long work starts: every option, every
 * path, every input image (decoded: cheap next to one iteration), the checkpoint to resume.
 * A problem found here costs the user seconds, not the hour a run can take.
 *
 * Order: flags and combinations → model name and layer names → output paths → input
 * files → decoding → sizes → checkpoint. Usage mistakes exit 2; unreadable or damaged
 * inputs are InputErrors (exit 1), as the library reports them.
 */
import { randomBytes } from 'node:crypto';
import { freemem } from 'node:os';
import { stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InputError, OutOfMemoryError, UsageError } from '../errors.js';
import { readImage } from '../image/decode-node.js';
import { formatForPath } from '../image/encode-node.js';
import { fitMaxSide } from '../image/resize.js';
import type { RgbImage } from '../image/types.js';
import { convLayers, layerIndex, layerTableFor } from '../models/layers.js';
import { VGG_WIDTHS } from '../models/random-model.js';
import { getModelEntry, type ModelEntry } from '../models/registry.js';
import type { LayerTable } from '../models/types.js';
import { estimateMemory, type MemoryQuery } from '../runtime/memory.js';
import { DEFAULT_STYLIZE_OPTIONS, type StylizeOptions } from '../stylize/options.js';
import { checkResumable, fingerprint, type Fingerprint, loadCheckpoint, type SavedRun } from './checkpoint.js';
import { applyPreset, type CliOptions, longFlag, parseOptions } from './options.js';
import { plotFormat } from './plot.js';

export interface RunPlan {
  cli: CliOptions;
  /** The algorithm's options (backend still to be chosen). */
  options: StylizeOptions;
  entry: ModelEntry;
  /** Absolute paths. */
  paths: {
    content: string;
    styles: string[];
    initImage?: string;
    output: string;
    modelFile?: string;
    checkpoint?: string;
    resume?: string;
    plot?: string;
  };
  content: RgbImage;
  styles: RgbImage[];
  initImage?: RgbImage;
  modelFileSize?: number;
  fingerprint: Fingerprint;
  resume?: SavedRun;
}

export async function planRun(raw: Record<string, unknown>): Promise<RunPlan> {
  const { options: cli, given } = parseOptions(raw);
  const presetExtra = applyPreset(cli, given);

  // --- flags and their combinations
  if (cli.content === undefined) throw new UsageError('no content image: give one with -c/--content PATH');
  if (!cli.style || cli.style.length === 0) throw new UsageError('no style image: give one or more with -s/--style PATH[,PATH…]');
  const styleCount = cli.style.length;
  if (cli.styleBlendWeights && cli.styleBlendWeights.length !== styleCount) {
    throw new UsageError(
      `--style-blend-weights has ${cli.styleBlendWeights.length} weight(s) but there ${styleCount === 1 ? 'is 1 style image' : `are ${styleCount} style images`}`,
    );
  }
  if (cli.multires !== undefined) {
    if (cli.checkpoint !== undefined || cli.resume !== undefined) {
      throw new UsageError('--multires cannot be combined with --checkpoint or --resume');
    }
    if (cli.multires.some((s, i) => s >= (cli.multires![i + 1] ?? cli.imageSize))) {
      throw new UsageError(`--multires sizes must increase and stay below --image-size ${cli.imageSize}, got '${cli.multires.join(',')}'`);
    }
  }
  if (cli.multiresIterations !== undefined && cli.multiresIterations.length !== (cli.multires?.length ?? 0)) {
    throw new UsageError(
      `--multires-iterations has ${cli.multiresIterations.length} count(s) for ${cli.multires?.length ?? 0} --multires size(s)`,
    );
  }
  if (given.has('checkpointEvery') && cli.checkpoint === undefined) {
    throw new UsageError('--checkpoint-every needs --checkpoint FILE (where to save the checkpoints)');
  }
  if (cli.initImage !== undefined) {
    if (given.has('init') && cli.init !== 'image') throw new UsageError('--init-image needs --init image (or leave --init out)');
    cli.init = 'image';
  }

  // --- model and layers
  const entry = getModelEntry(cli.model);
  const table = layerTableFor(entry.architecture);
  checkLayers(table, cli.contentLayers, 'contentLayers');
  checkLayers(table, cli.styleLayers, 'styleLayers');

  // --- output paths: format, directory, not clobbering an input
  const abs = (p: string) => resolve(p);
  const paths: RunPlan['paths'] = {
    content: abs(cli.content),
    styles: cli.style.map(abs),
    initImage: cli.initImage !== undefined ? abs(cli.initImage) : undefined,
    output: abs(cli.output),
    modelFile: cli.modelFile !== undefined ? abs(cli.modelFile) : undefined,
    checkpoint: cli.checkpoint !== undefined ? abs(cli.checkpoint) : undefined,
    resume: cli.resume !== undefined ? abs(cli.resume) : undefined,
    plot: cli.plot !== undefined ? abs(cli.plot) : undefined,
  };
  formatForPath(paths.output);
  if (paths.plot) plotFormat(paths.plot);
  const inputs: Array<[string, string]> = [
    ['--content', paths.content],
    ...paths.styles.map((p): [string, string] => ['--style', p]),
    ...(paths.initImage ? [['--init-image', paths.initImage] as [string, string]] : []),
    ...(paths.modelFile ? [['--model-file', paths.modelFile] as [string, string]] : []),
    ...(paths.resume ? [['--resume', paths.resume] as [string, string]] : []),
  ];
  const outputs: Array<[string, string]> = [
    ['--output', paths.output],
    ...(paths.checkpoint ? [['--checkpoint', paths.checkpoint] as [string, string]] : []),
    ...(paths.plot ? [['--plot', paths.plot] as [string, string]] : []),
  ];
  for (const [flag, out] of outputs) {
    for (const [inFlag, input] of inputs) {
      // A checkpoint may be resumed from and written to the same file: that is how a run continues.
      if (flag === '--checkpoint' && inFlag === '--resume') continue;
      if (await sameFile(out, input)) {
        throw new UsageError(`${flag} ${out} is also the ${inFlag} file; it would be overwritten: choose another ${flag} path`);
      }
    }
  }
  for (let i = 0; i < outputs.length; i++) {
    for (let j = i + 1; j < outputs.length; j++) {
      if (await sameFile(outputs[i]![1], outputs[j]![1])) {
        throw new UsageError(`${outputs[i]![0]} and ${outputs[j]![0]} name the same file ${outputs[i]![1]}`);
      }
    }
  }
  for (const [flag, out] of outputs) await checkWritable(out, flag);

  // --- input files: exist and are readable (images are decoded below)
  const modelFileSize = paths.modelFile ? await checkFile(paths.modelFile, '--model-file') : undefined;
  if (paths.resume) await checkFile(paths.resume, '--resume');

  // --- decode every image now: a bad one fails in milliseconds, not after weights load
  const content = await readImage(paths.content);
  const styles: RgbImage[] = [];
  for (const p of paths.styles) styles.push(await readImage(p));
  const initImage = paths.initImage ? await readImage(paths.initImage) : undefined;

  const options: StylizeOptions = {
    ...DEFAULT_STYLIZE_OPTIONS,
    ...presetExtra,
    imageSize: cli.imageSize,
    styleScale: cli.styleScale,
    styleBlendWeights: cli.styleBlendWeights,
    contentWeight: cli.contentWeight,
    styleWeight: cli.styleWeight,
    tvWeight: cli.tvWeight,
    numIterations: cli.numIterations,
    multires: cli.multires,
    multiresIterations: cli.multiresIterations,
    optimizer: cli.optimizer,
    learningRate: cli.learningRate,
    lbfgsNumCorrection: cli.lbfgsNumCorrection,
    init: cli.init,
    pooling: cli.pooling,
    contentLayers: cli.contentLayers,
    styleLayers: cli.styleLayers,
    normalizeGradients: cli.normalizeGradients,
    originalColors: cli.originalColors,
    seed: cli.seed,
    backend: 'cpu',
  };

  // --- sizes: every pooling halves the image; the deepest layer must still see ≥ 1 pixel
  const pools = poolsBefore(table, [...cli.contentLayers, ...cli.styleLayers]);
  const need = 2 ** pools;
  const deepest = deepestName(table, [...cli.contentLayers, ...cli.styleLayers]);
  const c = fitMaxSide(content.width, content.height, cli.imageSize);
  const smallest = cli.multires?.[0];
  const cs = smallest ? fitMaxSide(content.width, content.height, smallest) : undefined;
  if (cs && Math.min(cs.width, cs.height) < need) {
    throw new UsageError(
      `--multires ${smallest} makes the content image ${cs.width}×${cs.height}, too small for ${deepest} ` +
        `(at least ${need} px on each side); start the multires sizes higher`,
    );
  }
  if (Math.min(c.width, c.height) < need) {
    throw new UsageError(
      `--image-size ${cli.imageSize} makes the content image ${c.width}×${c.height}, too small for ${deepest} ` +
        `(${pools} poolings need at least ${need} px on each side); raise --image-size`,
    );
  }
  // The smallest size any stage uses (multires stages resize the styles too).
  const styleSide = Math.max(1, Math.round((smallest ?? cli.imageSize) * cli.styleScale));
  styles.forEach((s, i) => {
    const z = fitMaxSide(s.width, s.height, styleSide);
    if (Math.min(z.width, z.height) < need) {
      throw new UsageError(
        `${smallest ? `--multires ${smallest}` : `--image-size ${cli.imageSize}`} × --style-scale ${cli.styleScale} makes style image ${i + 1} (${basename(paths.styles[i]!)}) ` +
          `${z.width}×${z.height}, too small for ${deepest} (at least ${need} px on each side); raise --style-scale`,
      );
    }
  });

  checkMemory(table, options, c.width, c.height, paths.checkpoint !== undefined);

  const fp = fingerprint({
    options,
    content,
    styles,
    model: entry.name,
    modelFile: paths.modelFile ? { path: paths.modelFile, size: modelFileSize! } : undefined,
  });

  // --- the checkpoint to continue from must belong to this run
  let resume: SavedRun | undefined;
  if (paths.resume) {
    resume = await loadCheckpoint(paths.resume);
    checkResumable(paths.resume, resume, fp, cli.numIterations);
    if (resume.checkpoint.width !== c.width || resume.checkpoint.height !== c.height) {
      throw new UsageError(
        `--resume ${paths.resume}: the checkpoint is for a ${resume.checkpoint.width}×${resume.checkpoint.height} image, ` +
          `this run makes ${c.width}×${c.height}`,
      );
    }
  }

  return { cli, options, entry, paths, content, styles, initImage, modelFileSize, fingerprint: fp, resume };
}

function checkLayers(table: LayerTable, layers: string[], key: 'contentLayers' | 'styleLayers'): void {
  for (const name of layers) {
    try {
      layerIndex(table, name);
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${longFlag(key)}: ${e.message}`);
      throw e;
    }
  }
}

function poolsBefore(table: LayerTable, layers: string[]): number {
  const last = Math.max(...layers.map((l) => layerIndex(table, l)));
  return table.layers.slice(0, last + 1).filter((l) => l.kind === 'pool').length;
}

function deepestName(table: LayerTable, layers: string[]): string {
  return table.layers[Math.max(...layers.map((l) => layerIndex(table, l)))]!.name;
}

/** Same path, or (both existing) the same inode: a hard link or a symlink to an input. */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** An existing, non-empty regular file; InputError otherwise. Returns its size. */
async function checkFile(path: string, flag: string): Promise<number> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`, { cause: e });
  }
  if (!s.isFile()) throw new InputError(`${flag} ${path}: not a regular file`);
  if (s.size === 0) throw new InputError(`${flag} ${path}: the file is empty (0 bytes)`);
  return s.size;
}

/**
 * The directory exists and takes a new file (tried for real with a probe file, which also
 * catches read-only mounts and root-owned directories that access() can misreport), and
 * the path itself is not a directory.
 */
async function checkWritable(path: string, flag: string): Promise<void> {
  const dir = dirname(path);
  try {
    if ((await stat(path)).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory; give a file name`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${flag} ${path}: the directory ${dir} does not exist`
        : `${flag} ${path}: cannot use the directory ${dir} (${code})`,
    );
  }
  const probe = join(dir, `.${basename(path, extname(path))}.${randomBytes(4).toString('hex')}.probe`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `${flag} ${path}: no permission to write in ${dir}`
        : `${flag} ${path}: cannot write in ${dir} (${code})`,
    );
  }
  await unlink(probe).catch(() => {});
}

/** Environment variable that skips the memory check (for when the estimate is wrong). */
export const NO_MEMORY_CHECK_ENV = 'NEURAL_STYLE_NO_MEMORY_CHECK';

/**
 * Peak bytes of a run at width × height: the objective's evaluation (src/runtime/memory.ts,
 * with real VGG channel widths, so an upper bound for narrow weight files) plus the
 * optimiser's vectors (L-BFGS keeps 2 × history of them) and, with --checkpoint, one packed
 * copy of that state while it is written.
 */
export function runMemory(table: LayerTable, o: StylizeOptions, width: number, height: number, checkpoint: boolean): number {
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
  const used = [...(o.contentWeight !== 0 ? o.contentLayers : []), ...(o.styleWeight !== 0 ? o.styleLayers : [])];
  const query: MemoryQuery = { width, height, layers, deepest: used.length ? deepestName(table, used) : table.layers[0]!.name, weightBytes };
  const vector = 3 * width * height * 4;
  const optimizerVectors = o.optimizer === 'lbfgs' ? 2 * o.lbfgsNumCorrection + 4 : 4;
  const state = optimizerVectors * vector;
  return estimateMemory(query).total + state * (checkpoint ? 2 : 1) + 4 * vector; // x, best, last good, image copies
}

/** OutOfMemoryError, with an --image-size that fits, when the run would not fit in available RAM. */
function checkMemory(table: LayerTable, o: StylizeOptions, width: number, height: number, checkpoint: boolean): void {
  if (process.env[NO_MEMORY_CHECK_ENV]) return;
  const available = freemem();
  const need = runMemory(table, o, width, height, checkpoint);
  if (need <= available) return;
  const long = Math.max(width, height);
  const at = (side: number) =>
    runMemory(table, o, Math.max(1, Math.round((width * side) / long)), Math.max(1, Math.round((height * side) / long)), checkpoint);
  let fit = 0;
  for (let lo = 0, hi = Math.ceil(long / 16); hi - lo > 0; ) {
    const mid = Math.ceil((lo + hi) / 2);
    if (at(mid * 16) <= available) lo = fit = mid;
    else hi = mid - 1;
  }
  const gb = (n: number) => `${(n / 2 ** 30).toFixed(1)} GB`;
  const lbfgs = o.optimizer === 'lbfgs' ? ', or --optimizer adam, or a smaller --lbfgs-num-correction' : '';
  throw new OutOfMemoryError(
    `a ${width}×${height} run needs about ${gb(need)} of memory but ${gb(available)} is available; ` +
      (fit > 0 ? `try --image-size ${fit * 16}${lbfgs}` : `free some memory${lbfgs}`) +
      ` (set ${NO_MEMORY_CHECK_ENV}=1 to try anyway)`,
  );
}
