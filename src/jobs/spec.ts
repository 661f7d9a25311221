/**
 * A queued job's data: everything a worker on another machine needs, and nothing that
 * points into the submitter's disk. Images are store keys (content hashes); options are
 * the resolved, validated values.
 */
import type { Fingerprint } from '../checkpoint/index.js';
import type { ImageFormat } from '../image/encode-node.js';
import type { LossParts } from '../runtime/objective.js';
import type { StylizeOptions } from '../options/index.js';

export const JOB_SPEC_VERSION = 1;

export interface JobSpec {
  version: typeof JOB_SPEC_VERSION;
  /** A registry model name (`neural-style models`); the worker loads it from its own cache. */
  model: string;
  /** Resolved options; the worker sets `backend`. */
  options: StylizeOptions;
  checkpointEvery: number;
  previewEvery: number;
  format: ImageFormat;
  /** Store keys (`input` blobs) and the names the submitter gave the files, for messages. */
  inputs: {
    content: StoredImage;
    styles: StoredImage[];
    initImage?: StoredImage;
  };
  /** What the run is a run of (inputs' pixels, objective settings, model): checked before resuming. */
  fingerprint: Fingerprint;
  /** Who submitted it, for per-client queue limits (API: the caller's address). */
  client?: string;
}

export interface StoredImage {
  key: string;
  name: string;
}

/** What a worker reports through BullMQ's progress events. */
export interface JobProgress {
  iteration: number;
  numIterations: number;
  loss: number;
  parts: LossParts;
  elapsedMs: number;
  etaMs: number;
  /** The longer side of the image at this iteration (a coarse-to-fine stage's size). */
  size: number;
  worker: string;
  /** The iteration this delivery resumed from (a checkpoint), if it did. */
  resumedFrom?: number;
  /** A small PNG of the current image, as a data: URL, every previewEvery iterations. */
  preview?: string;
}

/** A finished job's summary: BullMQ's return value, and a `summary` blob in the store. */
export interface JobSummary {
  width: number;
  height: number;
  iterations: number;
  loss: number;
  parts: LossParts;
  format: ImageFormat;
  bytes: number;
  worker: string;
  elapsedMs: number;
  resumedFrom?: number;
  /** Things the submitter should know (an optimiser state that did not fit the store, …). */
  notes: string[];
  /** True when this delivery found the result already written by an earlier one. */
  duplicate?: boolean;
}

export const MIME_OF: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', tiff: 'image/tiff' };
