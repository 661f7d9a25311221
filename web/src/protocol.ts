/**
 * Messages between the page (main.ts) and the compute worker (worker.ts). Types, and one
 * list of the worker's message types, so both sides share them without the page
 * importing any compute code.
 */
import type { Mask, Progress, RgbImage, StylizeOptions, Suggestion } from '../../src/index.js';

export type Architecture = 'vgg19' | 'vgg16';
export type PreprocessingFamily = 'caffe' | 'torchvision' | 'frossard';
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

export type WeightsSource =
  | { kind: 'random'; seed: number }
  | { kind: 'file'; file: File; architecture: Architecture | 'auto'; preprocessing: PreprocessingFamily | 'auto' }
  | { kind: 'url'; url: string; architecture: Architecture | 'auto'; preprocessing: PreprocessingFamily | 'auto' }
  | { kind: 'cached'; id: string };

export interface CachedWeights {
  id: string;
  name: string;
  architecture: Architecture;
  preprocessing: PreprocessingFamily;
  /** Bytes of the compact conv-only copy in the cache. */
  bytes: number;
  /** Where it came from: a file name or URL. */
  source: string;
  savedAt: number;
}

export interface WeightsInfo {
  name: string;
  architecture: Architecture;
  preprocessing: PreprocessingFamily;
  /** Size of the conv weights in memory (float32). */
  bytes: number;
  /** Generated weights: results are textures rather than real style. */
  lowQuality: boolean;
  fromCache: boolean;
  /** Set when the weights were just stored in the cache; absent when not cached. */
  cachedAs?: CachedWeights;
  /** Things to tell the user (guessed settings, cache failures). */
  notes: string[];
  loadMs: number;
}

export interface Frame {
  width: number;
  height: number;
  /** RGBA, opaque, as ImageData wants. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

export type ToWorker =
  | { type: 'init'; wasmPaths: string }
  | { type: 'list-cached' }
  | { type: 'delete-cached'; id: string }
  | { type: 'load-weights'; source: WeightsSource }
  | { type: 'cancel-weights' }
  | {
      type: 'run';
      content: RgbImage;
      styles: RgbImage[];
      /** One mask per style image (regions), any size; absent: the styles blend. */
      contentMasks?: Mask[];
      options: Partial<StylizeOptions>;
      backend: BackendChoice;
      /** Send a preview image at least every this many iterations. */
      previewEvery: number;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type ErrorKind = 'input' | 'weights' | 'download' | 'numerical' | 'memory' | 'usage' | 'cancelled' | 'internal';

export type FromWorker =
  | { type: 'ready'; webgpu: { available: boolean; reason: string }; isolated: boolean; threads: number }
  | { type: 'cached-list'; entries: CachedWeights[] }
  | { type: 'weights-progress'; phase: 'download' | 'read' | 'generate' | 'cache'; loaded: number; total?: number; text: string }
  | { type: 'weights-ready'; info: WeightsInfo }
  | { type: 'weights-error'; kind: ErrorKind; message: string }
  | { type: 'status'; text: string }
  | { type: 'backend'; backend: 'webgpu' | 'wasm'; label: string; notice?: string }
  // stylize()'s Progress without its image() function (not cloneable), plus a frame now and then.
  | ({ type: 'progress'; frame?: Frame } & Omit<Progress, 'image'>)
  | { type: 'paused' }
  | { type: 'resumed' }
  /** `phases`: where the run's start-up went (src/util/phases.ts), ms from the run message: for bench/web-revisit.ts. */
  | { type: 'done'; iterations: number; loss: number; interrupted: boolean; elapsedMs: number; frame: Frame; phases?: RunPhase[] }
  /** `message` names options by their form labels; `suggestion` is the core's advice as data (an image size that fits). */
  | { type: 'run-error'; kind: ErrorKind; message: string; suggestion?: Suggestion; frame?: Frame };

/**
 * Every FromWorker type, at run time (types are erased), for the test that the page
 * handles each. A Record, so the compiler fails here when a type is added or removed.
 */
const FROM_WORKER: Record<FromWorker['type'], true> = {
  ready: true,
  'cached-list': true,
  'weights-progress': true,
  'weights-ready': true,
  'weights-error': true,
  status: true,
  backend: true,
  progress: true,
  paused: true,
  resumed: true,
  done: true,
  'run-error': true,
};
export const FROM_WORKER_TYPES = Object.keys(FROM_WORKER) as FromWorker['type'][];

/** One start-up phase of a run in the worker: its name, and its start and length in ms, the start counted from the run message. */
export interface RunPhase {
  phase: string;
  start: number;
  duration: number;
}
