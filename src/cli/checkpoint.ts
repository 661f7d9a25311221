/**
 * `--checkpoint FILE` / `--resume FILE`: one binary file holding everything a run needs to
 * continue exactly where it stopped, plus a fingerprint of what it was a run *of*.
 *
 * The file is `packState` bytes (a JSON header and raw float32 data; see
 * src/optim/state-io.ts), so a 512 px L-BFGS state of ~630 MB of floats costs no base64
 * and no giant string, and is written atomically (temp file, fsync, rename).
 *
 * The fingerprint holds every setting that shapes the trajectory from the checkpoint on
 * (objective, optimiser, sizes, weights, the decoded input pixels). Settings that only
 * matter at the start (seed, init) or outside the maths (output paths, progress,
 * --num-iterations, backend) are left out, so a run can be resumed with more iterations
 * or on another backend. A mismatch is a UsageError naming the first differing setting.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import type { Mask } from '../masks/index.js';
import { writeFileAtomic } from '../models/cache-node.js';
import { packState, unpackState } from '../optim/state-io.js';
import type { OptimizerState, StateValue } from '../optim/types.js';
import { objectiveSettings, type StylizeOptions } from '../options/index.js';
import type { Checkpoint } from '../stylize/types.js';
import { flagOf } from './options.js';

const KIND = 'neural-style-checkpoint';
const VERSION = 1;

export type Fingerprint = Record<string, unknown>;

/** Short content hash of decoded pixels (so a re-saved but identical image still matches). */
export function imageHash(img: RgbImage): string {
  const h = createHash('sha256');
  h.update(`${img.width}x${img.height}:`);
  h.update(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength));
  return h.digest('hex').slice(0, 16);
}

export interface FingerprintInput {
  options: StylizeOptions;
  content: RgbImage;
  styles: RgbImage[];
  model: string;
  /** What identifies a --model-file's contents (see modelFileIdentity in plan/inputs.ts). */
  modelFile?: string;
  /** Content and style masks, when the run has them. */
  masks?: Mask[];
}

/**
 * The inputs' hashes, the model, and every option marked `objective` in the options table
 * (objectiveSettings): an option added to the table with that mark is checked on resume
 * without being listed here.
 */
export function fingerprint({ options, content, styles, model, modelFile, masks }: FingerprintInput): Fingerprint {
  return {
    content: imageHash(content),
    styles: styles.map(imageHash),
    ...(objectiveSettings(options, styles.length) as Fingerprint),
    model,
    modelFile: modelFile ?? null,
    // Only when there are masks, so checkpoints of unmasked runs keep their fingerprint.
    ...(masks && masks.length > 0 ? { masks: masks.map((m) => imageHash({ width: m.width, height: m.height, data: m.data })) } : {}),
  };
}

/** How the entries that are not options are named to a user. */
const LABELS: Record<string, string> = {
  content: 'content image',
  styles: 'style image(s)',
  masks: 'masks',
  model: '--model',
  modelFile: '--model-file',
};

/** The first difference between two fingerprints, as a sentence; undefined when equal. */
export function fingerprintDifference(saved: Fingerprint, current: Fingerprint): string | undefined {
  for (const key of new Set([...Object.keys(current), ...Object.keys(saved)])) {
    const a = JSON.stringify(saved[key] ?? null);
    const b = JSON.stringify(current[key] ?? null);
    if (a === b) continue;
    const label = LABELS[key] ?? flagOf(key);
    if (key === 'masks') return 'the masks differ from the checkpoint\'s';
    if (key === 'content' || key === 'styles') return `the ${label} differ${key === 'content' ? 's' : ''} from the checkpoint's`;
    return `it was made with ${label} ${show(saved[key])}, this run has ${show(current[key])}`;
  }
  return undefined;
}

function show(v: Fingerprint[string] | undefined): string {
  if (v === undefined || v === null) return '(none)';
  return Array.isArray(v) ? v.join(',') : String(v);
}

export interface SavedRun {
  fingerprint: Fingerprint;
  checkpoint: Checkpoint;
}

export async function saveCheckpoint(path: string, run: SavedRun): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(run));
}

/** A checkpoint as bytes: the file's contents (the job service keeps them in its store). */
export function encodeCheckpoint(run: SavedRun): Uint8Array {
  const c = run.checkpoint;
  const state: OptimizerState = {
    kind: KIND,
    version: VERSION,
    fingerprint: run.fingerprint as unknown as StateValue,
    iteration: c.iteration,
    width: c.width,
    height: c.height,
    elapsedMs: c.elapsedMs,
    x: c.x,
    optimizer: c.optimizer,
    best: c.best ? { loss: c.best.loss, x: c.best.x } : null,
    stage: c.stage ?? null,
    average: c.average ? { value: c.average.value, accum: c.average.accum } : null,
  };
  return packState(state);
}

export async function loadCheckpoint(path: string): Promise<SavedRun> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`--resume ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`, { cause: e });
  }
  return decodeCheckpoint(bytes, `--resume ${path}`);
}

/** Bytes from `encodeCheckpoint` → the run; `where` names them in messages (`--resume FILE`). */
export function decodeCheckpoint(bytes: Uint8Array, where: string): SavedRun {
  let s: Record<string, unknown>;
  try {
    s = unpackState(bytes) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${where}: not a neural-style checkpoint, or damaged (${(e as Error).message})`, { cause: e });
  }
  const broken = (what: string) => new InputError(`${where}: damaged checkpoint (${what})`);
  if (s.kind !== KIND) throw new InputError(`${where}: not a neural-style checkpoint (kind ${JSON.stringify(s.kind)})`);
  if (s.version !== VERSION) {
    throw new InputError(`${where}: checkpoint format version ${String(s.version)}; this neural-style reads version ${VERSION}`);
  }
  const int = (k: string) => {
    const v = s[k];
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw broken(`${k} is not a whole number`);
    return v as number;
  };
  const iteration = int('iteration');
  const width = int('width');
  const height = int('height');
  const elapsedMs = typeof s.elapsedMs === 'number' ? s.elapsedMs : 0;
  const n = 3 * width * height;
  const vec = (v: unknown, what: string) => {
    if (!(v instanceof Float32Array) || v.length !== n) throw broken(`${what} is not ${n} floats`);
    return v;
  };
  const x = vec(s.x, 'x');
  const opt = s.optimizer as OptimizerState | null;
  if (!opt || typeof opt !== 'object' || typeof opt.kind !== 'string') throw broken('no optimizer state');
  let best: Checkpoint['best'] = null;
  if (s.best !== null) {
    const b = s.best as { loss?: unknown; x?: unknown };
    if (typeof b !== 'object' || typeof b.loss !== 'number') throw broken('best has no loss');
    best = { loss: b.loss, x: vec(b.x, 'best.x') };
  }
  let average: Checkpoint['average'] = null;
  if (s.average !== undefined && s.average !== null) {
    const a = s.average as { value?: unknown; accum?: unknown };
    if (typeof a !== 'object' || typeof a.accum !== 'number') throw broken('average has no accumulator');
    average = { value: vec(a.value, 'average.value'), accum: a.accum };
  }
  const fp = s.fingerprint;
  if (!fp || typeof fp !== 'object' || Array.isArray(fp)) throw broken('no fingerprint');
  // Coarse-to-fine checkpoints name their stage; files from before stages have none.
  const stage = s.stage === undefined || s.stage === null ? undefined : int('stage');
  return {
    fingerprint: fp as Fingerprint,
    checkpoint: { iteration, width, height, x, optimizer: opt, best, elapsedMs, average, ...(stage !== undefined ? { stage } : {}) },
  };
}

/** UsageError unless the checkpoint belongs to this run. */
export function checkResumable(path: string, saved: SavedRun, current: Fingerprint, numIterations: number): void {
  const diff = fingerprintDifference(saved.fingerprint, current);
  if (diff) throw new UsageError(`--resume ${path}: the checkpoint is from another run: ${diff}; resume with the same inputs and settings`);
  if (saved.checkpoint.iteration > numIterations) {
    throw new UsageError(
      `--resume ${path}: the checkpoint is at iteration ${saved.checkpoint.iteration}, past --num-iterations ${numIterations}`,
    );
  }
}
