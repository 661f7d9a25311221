/**
 * The job store: where a job's input images, checkpoints and result live between the
 * submitter and the workers, none of them sharing a disk. One small interface so that
 * Redis (redis-store.ts, the default: nothing else to run) can be joined by an
 * S3-compatible store: every operation is a whole-object PUT/GET/DELETE by key,
 * `onlyIfAbsent` is S3's conditional write (`If-None-Match: *`), and the TTL is a
 * lifecycle rule on the kind's prefix.
 */
import { NeuralStyleError } from '../errors.js';

/** What a blob is: each kind has its own size cap. */
export type BlobKind = 'input' | 'checkpoint' | 'result' | 'summary';

export interface StoreLimits {
  /** Largest blob of each kind, bytes. */
  maxBytes: Record<BlobKind, number>;
  /** Every blob expires this long after it was last written: abandoned jobs clean up after themselves. */
  ttlSeconds: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  // Inputs are encoded files (a 100-megapixel JPEG is ~30 MB); results likewise.
  // A 512×384 Adam checkpoint is ~9 MB; an L-BFGS one with 100 corrections ~470 MB, which
  // is over the cap: it is saved without its history (see worker.ts) and the job says so.
  maxBytes: { input: 32 * MiB, checkpoint: 64 * MiB, result: 64 * MiB, summary: 1 * MiB },
  ttlSeconds: 7 * 24 * 3600,
};

/** A blob over its kind's cap. */
export class StoreLimitError extends NeuralStyleError {
  constructor(
    readonly kind: BlobKind,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the ${kind} is ${bytes} bytes, over the store's limit of ${limit} bytes`);
  }
}

export interface JobStore {
  readonly limits: StoreLimits;
  /**
   * Store `bytes` under (kind, key), replacing what was there; with `onlyIfAbsent`, only if
   * nothing is there (resolves false then, and nothing is written). StoreLimitError over the cap.
   */
  put(kind: BlobKind, key: string, bytes: Uint8Array, options?: { onlyIfAbsent?: boolean }): Promise<boolean>;
  get(kind: BlobKind, key: string): Promise<Uint8Array | undefined>;
  has(kind: BlobKind, key: string): Promise<boolean>;
  delete(kind: BlobKind, key: string): Promise<void>;
  close(): Promise<void>;
}

export function checkSize(limits: StoreLimits, kind: BlobKind, bytes: Uint8Array): void {
  const limit = limits.maxBytes[kind];
  if (bytes.length > limit) throw new StoreLimitError(kind, bytes.length, limit);
}
