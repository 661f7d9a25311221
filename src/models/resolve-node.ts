/**
 * `--model NAME [--model-file PATH]` → a LoadedModel, on Node.
 *
 *   --model-file PATH   the user's file, read with NAME's layer table and preprocessing;
 *                       nothing is written to the cache.
 *   vgg19-random        seeded random weights; needs no file and no network.
 *   any other NAME      the cache: compact copy if it is there and readable, else the
 *                       downloaded .pth (downloaded now if missing), from which the compact
 *                       copy is then written so the next run reads ~80 MB instead of ~550.
 *
 * Also `listModels` and `fetchModel` for the CLI's `models` and `fetch` subcommands.
 */
import { rm } from 'node:fs/promises';
import { msg, opt, UsageError, WeightsError } from '../errors.js';
import { cachePaths, checkCacheDir, fileSize, resolveCacheDir, writeFileAtomic } from './cache-node.js';
import { type DownloadOptions, downloadFile, hashFile, type ProgressCallback, type Timeouts } from './download-node.js';
import { fileSource } from './formats/byte-source-node.js';
import { lazyConvWeights, readWithRecipes } from './lazy-weights-node.js';
import { firstLine } from '../util/first-line.js';
import { detectFormat, readConvWeights } from './formats/detect.js';
import { encodeSafetensors } from './formats/safetensors.js';
import { convLayers, layerTableFor } from './layers.js';
import { preprocessingFor } from './preprocessing.js';
import { randomVggWeights } from './random-model.js';
import {
  DEFAULT_MODEL,
  getModelEntry,
  type Integrity,
  MODELS,
  type ModelEntry,
  type PreprocessingFamily,
  rebaseUrl,
  weightFileName,
} from './registry.js';
import type { Architecture, ConvWeights, LayerTable, LoadedModel, Tensor } from './types.js';

/** Environment variable: a mirror that replaces everything before the file name of every URL. */
export const BASE_URL_ENV = 'NEURAL_STYLE_MODEL_BASE_URL';

/** Environment variable: seconds without a byte after which a download counts as stalled. */
export const IDLE_TIMEOUT_ENV = 'NEURAL_STYLE_DOWNLOAD_IDLE_TIMEOUT';

/** Download knobs passed through to downloadFile (tests shorten timeouts and delays). */
export type DownloadTuning = Pick<
  DownloadOptions,
  'timeouts' | 'retries' | 'retryDelayMs' | 'signal' | 'progressIntervalMs'
>;

export interface CacheOptions {
  /** `--cache-dir`; default $NEURAL_STYLE_CACHE, $XDG_CACHE_HOME/neural-style, ~/.cache/neural-style. */
  cacheDir?: string;
  /** Mirror for downloads; default $NEURAL_STYLE_MODEL_BASE_URL. */
  baseUrl?: string;
  /** The registry to look names up in (tests pass entries for their fixtures). Default MODELS. */
  registry?: readonly ModelEntry[];
  /** Environment for the cache dir, base URL and proxy variables. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Download progress: bytes done, total, rate, ETA. */
  onProgress?: ProgressCallback;
  /** One-line notes worth showing a user: "downloading …", "compact copy unreadable, rebuilding". */
  onNotice?: (message: string) => void;
  download?: DownloadTuning;
}

export interface ResolveOptions extends CacheOptions {
  /** Registry name (`--model`); default 'vgg19'. */
  model?: string;
  /** `--model-file PATH`: the user's weights, read with the model's layout and preprocessing. */
  modelFile?: string;
  /** Seed for `vgg19-random`. Default 0. */
  seed?: number;
  /**
   * Read a file's weights lazily (src/models/lazy-weights-node.ts): the shapes now, the
   * values when a graph's bytes are first made (ConvWeights.load), which a run whose
   * models onnxruntime kept optimised never does. Each tensor gets a recipe naming the file.
   * For callers that go through the optimised-model cache (the CLI); default false: the
   * values are read now and have no recipe.
   */
  lazy?: boolean;
}

export async function resolveModel(options: ResolveOptions = {}): Promise<LoadedModel> {
  const entry = getModelEntry(options.model ?? DEFAULT_MODEL, options.registry ?? MODELS);
  const table = layerTableFor(entry.architecture);
  let preprocessing = preprocessingFor(entry.preprocessing);
  let weights: ConvWeights;
  if (options.modelFile !== undefined) {
    const path = options.modelFile;
    weights = options.lazy ? await readLazily(path, table, () => readWeightsFile(path, table)) : await readWeightsFile(path, table);
    // The only .npz VGG in circulation is Frossard's conversion (the seed project's
    // vgg16_weights.npz), trained on RGB 0–255 minus the mean: its preprocessing follows
    // the file, not the --model name.
    if ((await fileFormat(options.modelFile)) === 'npz' && entry.preprocessing !== 'frossard') {
      preprocessing = preprocessingFor('frossard');
      options.onNotice?.(`${options.modelFile} is a NumPy .npz (Frossard's VGG conversion): using its RGB 0-255 mean-subtracted preprocessing.`);
    }
  } else if (!entry.url) {
    weights = randomVggWeights(table, options.seed ?? 0);
  } else {
    weights = await loadFromCache(entry, table, options);
  }
  return { name: entry.name, table, weights, preprocessing };
}

async function fileFormat(path: string): Promise<string> {
  const source = await fileSource(path);
  try {
    return await detectFormat(source);
  } finally {
    await source.close();
  }
}

/** `path`'s weights with recipes: lazily where its header allows, else read now. */
async function readLazily(path: string, table: LayerTable, read: () => Promise<ConvWeights>): Promise<ConvWeights> {
  return (await lazyConvWeights(path, table, read)) ?? (await readWithRecipes(path, read));
}

async function readWeightsFile(path: string, table: LayerTable): Promise<ConvWeights> {
  const source = await fileSource(path);
  try {
    return await readConvWeights(source, table);
  } finally {
    await source.close();
  }
}

async function loadFromCache(entry: ModelEntry, table: LayerTable, options: ResolveOptions): Promise<ConvWeights> {
  const env = options.env ?? process.env;
  const cacheDir = await checkCacheDir(resolveCacheDir(options.cacheDir, env));
  const paths = cachePaths(cacheDir, entry);
  const notice = options.onNotice ?? (() => {});
  const unreadable = async (err: unknown) => {
    notice(`The compact copy ${paths.compact} is unreadable (${firstLine(err)}); rebuilding it from the original.`);
    await rm(paths.compact, { force: true });
  };

  if ((await fileSize(paths.compact)) !== undefined) {
    try {
      if (!options.lazy) return await readWeightsFile(paths.compact, table);
      // Lazily: a compact copy found unreadable only when its values are needed is rebuilt
      // then; its identity changes with it, so no kept model is keyed by the broken one.
      return await readLazily(paths.compact, table, () =>
        readWeightsFile(paths.compact, table).catch(async (err) => {
          await unreadable(err);
          return fromOriginal(entry, table, paths, options, notice);
        }),
      );
    } catch (err) {
      await unreadable(err);
    }
  }
  return fromOriginal(entry, table, paths, options, notice);
}

/** The downloaded file's weights (downloaded now if missing), and a compact copy written of them. */
async function fromOriginal(entry: ModelEntry, table: LayerTable, paths: ReturnType<typeof cachePaths>, options: CacheOptions, notice: (message: string) => void): Promise<ConvWeights> {
  if ((await fileSize(paths.file)) === undefined) {
    await download(entry, paths.file, options);
  } else {
    // Placed by hand, or left by an older version: check it is the file we mean before
    // building a compact copy from it (only once: later runs read the compact copy).
    await verifyCachedFile(entry, paths.file);
  }
  const weights = await readWeightsFile(paths.file, table);
  await writeCompactCopy(paths.compact, weights, table, entry, notice);
  return weights;
}

function downloadUrl(entry: ModelEntry, options: CacheOptions): string {
  const base = options.baseUrl ?? (options.env ?? process.env)[BASE_URL_ENV];
  if (!base) return entry.url!;
  // Checked here, where the setting has a name: a bad mirror is the user's to fix.
  const setting = options.baseUrl === undefined ? BASE_URL_ENV : 'baseUrl';
  let protocol: string | undefined;
  try {
    protocol = new URL(base).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(`${setting} must be an http:// or https:// URL such as https://mirror.example/models/, got '${base}'`);
  }
  return rebaseUrl(entry.url!, base);
}

/** Timeouts for downloadFile: the caller's, else an idle limit from the environment. */
function downloadTimeouts(options: CacheOptions): Partial<Timeouts> | undefined {
  const raw = (options.env ?? process.env)[IDLE_TIMEOUT_ENV];
  if (!raw) return options.download?.timeouts;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${IDLE_TIMEOUT_ENV} must be a number of seconds above 0, got '${raw}'`);
  }
  return { idle: seconds * 1000, ...options.download?.timeouts };
}

async function download(entry: ModelEntry, dest: string, options: CacheOptions) {
  const url = downloadUrl(entry, options);
  const timeouts = downloadTimeouts(options);
  const size = entry.integrity?.size;
  options.onNotice?.(
    `Downloading weights for model '${entry.name}'${size ? ` (${formatBytes(size)})` : ''} from ${url} to ${dest}`,
  );
  return downloadFile({
    ...options.download,
    timeouts,
    url,
    dest,
    integrity: entry.integrity,
    modelName: entry.name,
    onProgress: options.onProgress,
    env: options.env,
  });
}

/** Why a cached file does not match its registry entry, or undefined when it does. */
async function integrityProblem(path: string, integrity: Integrity | undefined): Promise<string | undefined> {
  if (!integrity) return undefined;
  const size = await fileSize(path);
  if (integrity.size !== undefined && size !== integrity.size) {
    return `it has ${size} bytes, expected ${integrity.size}`;
  }
  const sha = await hashFile(path);
  const prefix = integrity.sha256Prefix.toLowerCase();
  return sha.startsWith(prefix) ? undefined : `its SHA-256 is ${sha}, expected one starting with ${prefix}`;
}

async function verifyCachedFile(entry: ModelEntry, path: string): Promise<void> {
  const problem = await integrityProblem(path, entry.integrity);
  if (problem) {
    throw new WeightsError(
      msg`The cached file ${path} is not the weight file of model '${entry.name}': ${problem}. Delete it to download it again (or fetch the model again with force), or give it as ${opt('modelFile')} to use it anyway.`,
    );
  }
}

/**
 * Conv tensors only, under Caffe names (`conv1_1.weight`), which readConvWeights maps back
 * through the layer table. Failure to write (read-only or full disk) costs speed, not
 * correctness, so it is a notice, not an error.
 */
async function writeCompactCopy(
  path: string,
  weights: ConvWeights,
  table: LayerTable,
  entry: ModelEntry,
  notice: (message: string) => void,
): Promise<void> {
  const tensors = new Map<string, Tensor>();
  for (const layer of convLayers(table)) {
    const params = weights.get(layer.name);
    if (!params) return; // cannot happen: readConvWeights returns every conv of the table
    tensors.set(`${layer.name}.weight`, params.weight);
    tensors.set(`${layer.name}.bias`, params.bias);
  }
  const metadata = {
    format: 'neural-style conv weights',
    model: entry.name,
    architecture: entry.architecture,
    source: entry.url ? weightFileName(entry.url) : '',
  };
  try {
    await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
  } catch (err) {
    notice(`Could not write the compact copy ${path} (${firstLine(err)}); the next run will read the original again.`);
  }
}

// ---------------------------------------------------------------------------------------
// `neural-style models` and `neural-style fetch`

export interface ModelListing {
  name: string;
  description: string;
  architecture: Architecture;
  preprocessing: PreprocessingFamily;
  /** Download URL (after any mirror); undefined for generated models. */
  url?: string;
  /** Usable without a download: in the cache (original or compact copy), or generated. */
  cached: boolean;
  /** Where the download lives (or would live) in the cache; undefined for generated models. */
  path?: string;
  /** Bytes on disk when cached, else the download size when the registry knows it. */
  size?: number;
}

/** Every registry entry with its cache status. */
export async function listModels(cacheDir?: string, options: CacheOptions = {}): Promise<ModelListing[]> {
  const dir = await checkCacheDir(resolveCacheDir(cacheDir ?? options.cacheDir, options.env ?? process.env));
  return Promise.all(
    (options.registry ?? MODELS).map(async (entry): Promise<ModelListing> => {
      const base = {
        name: entry.name,
        description: entry.description,
        architecture: entry.architecture,
        preprocessing: entry.preprocessing,
      };
      if (!entry.url) return { ...base, cached: true };
      const paths = cachePaths(dir, entry);
      const onDisk = await fileSize(paths.file);
      const compact = await fileSize(paths.compact);
      return {
        ...base,
        url: downloadUrl(entry, options),
        cached: onDisk !== undefined || compact !== undefined,
        path: paths.file,
        size: onDisk ?? entry.integrity?.size,
      };
    }),
  );
}

export interface FetchOptions extends CacheOptions {
  /** Download again even when a verified file is in the cache. */
  force?: boolean;
}

export interface FetchResult {
  name: string;
  /** The file in the cache; undefined for generated models (nothing to fetch). */
  path?: string;
  bytes?: number;
  /** False when the file was already there and verified, or nothing needed fetching. */
  downloaded: boolean;
}

/**
 * Makes sure a model's weights are in the cache and verified, downloading them if needed.
 * A cached file that fails verification is replaced. Generated models need nothing.
 */
export async function fetchModel(name: string, options: FetchOptions = {}): Promise<FetchResult> {
  const entry = getModelEntry(name, options.registry ?? MODELS);
  if (!entry.url) return { name: entry.name, downloaded: false };
  const paths = cachePaths(await checkCacheDir(resolveCacheDir(options.cacheDir, options.env ?? process.env)), entry);
  const notice = options.onNotice ?? (() => {});
  const existing = await fileSize(paths.file);
  if (existing !== undefined && !options.force) {
    const problem = await integrityProblem(paths.file, entry.integrity);
    if (!problem) return { name: entry.name, path: paths.file, bytes: existing, downloaded: false };
    notice(`The cached file ${paths.file} is damaged (${problem}); downloading it again.`);
  }
  if (existing !== undefined || options.force) {
    await rm(paths.file, { force: true });
    await rm(paths.compact, { force: true });
    if (options.force) await rm(paths.partial, { force: true });
  }
  const result = await download(entry, paths.file, options);
  return { name: entry.name, path: result.path, bytes: result.bytes, downloaded: true };
}

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(0)} MB` : `${(n / 1e3).toFixed(0)} kB`;
}
