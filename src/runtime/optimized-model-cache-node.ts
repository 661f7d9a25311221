/**
 * onnxruntime's optimised models, kept on disk between runs: an OrtModule whose sessions
 * for a ModelSource (src/runtime/model-source.ts) load the model onnxruntime optimised for
 * the same graph and options last time, instead of optimising it again — and, since the
 * key is made without the weights' values, without reading the weights either.
 *
 * Why: creating the features and objective sessions of VGG-19 took 1.1–1.8 s of a 3.2 s
 * start-up at 64 px on this machine (NEURAL_STYLE_TIMING; bench/RESULTS.md), nearly all of it
 * onnxruntime's graph optimisation (constant folding the flipped and Winograd-transformed
 * weights, the NCHWc layout rewrite), and reading the weights, making their derived copies
 * and encoding 140 MB of protobuf cost another 0.6 s. onnxruntime writes the optimised graph
 * itself (`optimizedModelFilePath`); loaded again with optimisation 'disabled', it runs the
 * same kernels on the same weights, so the results do not change
 * (test/runtime/optimized-model-cache.test.ts). Evaluations in a fresh process that loaded a
 * kept model measured a median 7% slower at 512 px, though not when both sessions alternate
 * in one process (bench/RESULTS.md, "kept-default"); so the CLI keeps models for short runs
 * only (src/cli/keep-optimized.ts).
 *
 * The weights go to a data file beside the graph (onnxruntime's external initializers):
 * loaded from a path, onnxruntime maps that file instead of parsing 100 MB of protobuf,
 * which measured 0.1–0.15 s against 0.5–0.8 s for the same model in one buffer.
 *
 *   <cache>/optimized/<key>/model.onnx      the optimised graph (tens of KB)
 *                          /model.data      its initializers (about the size of the weights)
 *                          /manifest.json   the key, both files' sizes, the graph's SHA-256
 *
 * The key is a SHA-256 of the model's identity (the graph's structure: nodes, attributes,
 * inputs, outputs, initializer names, dims and types, small constants by value, and weights
 * by recipe — which file, by its real path, size, inode and modification and change times,
 * which tensor, and which transform by its code; src/graph/encode.ts), the session options,
 * the onnxruntime version and the CPU model: the layout rewrite is specific to the CPU's
 * vector width, so a cache folder shared between machines must not mix them. A changed
 * setting that changes the graph, an edited weight file (its change time moves, and no user
 * can set that back) or an edited transform is a new key, never a stale hit. Weights without
 * a recipe (generated ones, the browser's) are keyed by their bytes. An entry is trusted only
 * when its manifest matches the key, the graph file its SHA-256 and the data file its size;
 * otherwise, or when onnxruntime cannot load it, it is removed and rebuilt. An entry appears
 * by one rename of a finished folder, so a run killed while writing leaves no half entry
 * under the key. Only the most recently used entries are kept (each costs about the weights' size).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-common';
import { joinParts } from '../graph/encode.js';
import { bytesModel, type ModelSource } from './model-source.js';
import type { OrtModule } from './ort.js';
import { firstLine } from '../util/first-line.js';

/** Entries kept: enough for a few settings of a few models; each is about the weights' size. */
export const KEPT_ENTRIES = 6;

const MODEL = 'model.onnx';
const DATA = 'model.data';
const MANIFEST = 'manifest.json';

export interface OptimizedModelCacheOptions {
  /** The cache folder (the weights' folder, src/models/cache-node.ts); entries go in `optimized/` inside it. */
  dir: string;
  /** onnxruntime's version (`ort.env.versions.node`): a new one may optimise differently. */
  runtimeVersion: string;
  /** One-line notes for people: an entry that was unusable and is rebuilt, a cache that cannot be written. */
  onNotice?: (message: string) => void;
}

interface Manifest {
  key: string;
  /** Each file's size; the graph's SHA-256 too (the weights' would cost 0.1–0.3 s a run to check). */
  files: Record<string, { size: number; sha256?: string }>;
}

type SessionOptions = InferenceSession.SessionOptions;

export function withOptimizedModelCache(ort: OrtModule, options: OptimizedModelCacheOptions): OrtModule {
  const root = join(options.dir, 'optimized');
  const notice = options.onNotice ?? (() => {});
  const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (model: Uint8Array | string, options?: SessionOptions) => Promise<InferenceSession>;

  /** A session for `model`, loaded from the cache when it holds it: then the model's bytes are never made. */
  async function createFromModel(model: ModelSource, sessionOptions: SessionOptions = {}): Promise<InferenceSession> {
    // Nothing asked of the optimised model already: the caller's business.
    if (sessionOptions.optimizedModelFilePath) return create(joinParts(await model.bytes()), sessionOptions);
    const key = cacheKey(model.identity(), sessionOptions, options.runtimeVersion);
    const entry = join(root, key);
    const problem = await checkEntry(entry, key);
    if (problem === undefined) {
      try {
        const session = await create(join(entry, MODEL), { ...sessionOptions, graphOptimizationLevel: 'disabled' });
        // The folder's time is its last use: eviction keeps the recent ones.
        const now = new Date();
        await utimes(entry, now, now).catch(() => {});
        return session;
      } catch (err) {
        notice(`the cached optimised model ${entry} did not load (${firstLine(err)}); rebuilding it`);
      }
    } else if (problem !== 'absent') {
      notice(`the cached optimised model ${entry} is unusable (${problem}); rebuilding it`);
    }
    // Best effort: a folder that cannot be cleared is reported when the new entry cannot take its place.
    if (problem !== 'absent') await rm(entry, { recursive: true, force: true }).catch(() => {});
    return createAndKeep(joinParts(await model.bytes()), sessionOptions, key, entry);
  }

  /** onnxruntime's own signature: graphs as bytes go through the cache, paths straight on. */
  function cachedCreate(model: unknown, sessionOptions?: SessionOptions): Promise<InferenceSession> {
    return model instanceof Uint8Array ? createFromModel(bytesModel([model]), sessionOptions) : create(model as string, sessionOptions);
  }

  /** A fresh session, whose optimised model onnxruntime writes to a private folder that is then renamed to the entry. */
  async function createAndKeep(model: Uint8Array, sessionOptions: SessionOptions, key: string, entry: string): Promise<InferenceSession> {
    const tmp = `${entry}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(tmp, { recursive: true });
    } catch (err) {
      notice(`cannot keep optimised models in ${root} (${firstLine(err)}); sessions are optimised afresh each run`);
      return create(model, sessionOptions);
    }
    const writing: SessionOptions = {
      ...sessionOptions,
      optimizedModelFilePath: join(tmp, MODEL),
      // onnxruntime warns that an NCHWc-optimised model is specific to this CPU: the key says so already.
      logSeverityLevel: 3,
      extra: withSessionEntries(sessionOptions.extra, {
        optimized_model_external_initializers_file_name: DATA,
        optimized_model_external_initializers_min_size_in_bytes: '1024',
      }),
    };
    let session: InferenceSession;
    try {
      session = await create(model, writing);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    try {
      const files: Manifest['files'] = {};
      files[MODEL] = await describe(join(tmp, MODEL));
      files[DATA] = { size: (await stat(join(tmp, DATA))).size };
      await writeFile(join(tmp, MANIFEST), JSON.stringify({ key, files } satisfies Manifest));
      await rename(tmp, entry);
      await evictOldEntries(root, KEPT_ENTRIES);
    } catch (err) {
      // Another run may have renamed the same entry into place first: theirs serves as well.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') notice(`could not keep the optimised model in ${root} (${firstLine(err)}); the next run optimises again`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return session;
  }

  return {
    ...ort,
    InferenceSession: { ...ort.InferenceSession, create: cachedCreate } as unknown as OrtModule['InferenceSession'],
    createSessionFromModel: createFromModel,
  };
}

/** What the session is made from: the model's identity (ModelSource: in parts, one after another), the options, onnxruntime's version and the CPU. */
export function cacheKey(model: readonly Uint8Array[], sessionOptions: SessionOptions, runtimeVersion: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ runtimeVersion, cpu: cpus()[0]?.model ?? 'unknown', arch: process.arch, options: canonical(sessionOptions) }));
  for (const part of model) h.update(part);
  return h.digest('hex').slice(0, 32);
}

/** Undefined when the entry can be trusted; 'absent' when there is none; else what is wrong with it. */
async function checkEntry(entry: string, key: string): Promise<string | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(entry, MANIFEST), 'utf8')) as Manifest;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return (await exists(entry)) ? 'no manifest' : 'absent';
    return `manifest unreadable: ${firstLine(err)}`;
  }
  if (manifest.key !== key) return 'made for another graph';
  for (const name of [MODEL, DATA]) {
    const want = manifest.files?.[name];
    if (!want) return `manifest lists no ${name}`;
    const size = await stat(join(entry, name)).then((s) => s.size, () => undefined);
    if (size !== want.size) return `${name} has ${size ?? 'no'} bytes, not ${want.size}`;
    // The graph is checked byte for byte; the weights' file (100 MB, 0.1–0.3 s to hash) by
    // its size, as the weights' own compact copy is (src/models/resolve-node.ts).
    if (name === MODEL && (await describe(join(entry, name))).sha256 !== want.sha256) return `${name} does not match its checksum`;
  }
  return undefined;
}

async function describe(path: string): Promise<{ size: number; sha256: string }> {
  const bytes = await readFile(path);
  return { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Keeps the `keep` entries used last; temp folders of killed runs go after a day. */
async function evictOldEntries(root: string, keep: number): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  const infos = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(root, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
  const entries = infos.filter((e) => !e.name.endsWith('.tmp')).sort((a, b) => b.mtime - a.mtime);
  const staleTemps = infos.filter((e) => e.name.endsWith('.tmp') && Date.now() - e.mtime > 24 * 3600_000);
  for (const e of [...entries.slice(keep), ...staleTemps]) await rm(join(root, e.name), { recursive: true, force: true });
}

/** Session options with `session.*` config entries added (onnxruntime-node takes them nested). */
function withSessionEntries(extra: SessionOptions['extra'], entries: Record<string, string>): Record<string, unknown> {
  const base = (extra ?? {}) as Record<string, unknown>;
  const session = (base.session ?? {}) as Record<string, unknown>;
  return { ...base, session: { ...session, ...entries } };
}

/** JSON with object keys sorted, so the same options give the same key whatever their order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

const exists = (path: string) => stat(path).then(() => true, () => false);
