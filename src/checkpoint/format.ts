/**
 * A checkpoint as bytes: everything a run needs to continue exactly where it stopped,
 * plus the fingerprint of what it was a run of. The bytes are `packState`'s (a JSON header
 * and raw float32 data, CRC-checked; src/optim/state-io.ts), so a 512 px L-BFGS state of
 * ~630 MB of floats costs no base64 and no giant string. The command line keeps them in a
 * file, the job service in its store.
 */
import { InputError } from '../errors.js';
import { packState, unpackState } from '../optim/state-io.js';
import type { OptimizerState, StateValue } from '../optim/types.js';
import type { Checkpoint } from '../stylize/types.js';
import type { Fingerprint } from './fingerprint.js';

const KIND = 'neural-style-checkpoint';
const VERSION = 1;

export interface SavedRun {
  fingerprint: Fingerprint;
  checkpoint: Checkpoint;
}

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
    method: c.method ?? null,
  };
  return packState(state);
}

/** Bytes from `encodeCheckpoint` → the run; `where` names them in messages (a file, a job). */
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
  const x = s.x;
  if (!(x instanceof Float32Array) || x.length === 0) throw broken('x is not a float vector');
  // Every image-sized vector has x's length (pixels, or a pyramid's levels: the parameters).
  const vec = (v: unknown, what: string) => {
    if (!(v instanceof Float32Array) || v.length !== x.length) throw broken(`${what} is not ${x.length} floats`);
    return v;
  };
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
  const method = s.method === undefined || s.method === null ? null : s.method;
  if (method !== null && (typeof method !== 'object' || Array.isArray(method))) throw broken('the method state is not a record');
  // Coarse-to-fine checkpoints name their stage; files from before stages have none.
  const stage = s.stage === undefined || s.stage === null ? undefined : int('stage');
  return {
    fingerprint: fp as Fingerprint,
    checkpoint: {
      iteration,
      width,
      height,
      x,
      optimizer: opt,
      best,
      elapsedMs,
      average,
      ...(stage !== undefined ? { stage } : {}),
      ...(method ? { method: method as Checkpoint['method'] } : {}),
    },
  };
}
