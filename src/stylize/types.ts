import type { RgbImage } from '../image/types.js';
import type { Mask } from '../masks/index.js';
import type { OptimizerState } from '../optim/index.js';
import type { LossParts } from '../runtime/objective.js';

export interface Progress {
  /** 0 is the objective at the initial image; numIterations is the final image. */
  iteration: number;
  numIterations: number;
  loss: number;
  /** Each term's weighted part, as the objective reports them (`content`, `style`, `tv`, …). */
  parts: LossParts;
  elapsedMs: number;
  /** Estimated time to finish, from the mean time per iteration so far. */
  etaMs: number;
  /** The current image, post-processed (and with original colours if asked); computed on demand. */
  image(): RgbImage;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface Checkpoint {
  iteration: number;
  width: number;
  height: number;
  x: Float32Array;
  optimizer: OptimizerState;
  best: { loss: number; x: Float32Array } | null;
  elapsedMs: number;
  /** The iterate average's state, when averageIterates is on. */
  average?: { value: Float32Array; accum: number } | null;
}

/** One image through a Stylizer: the content and how to follow and steer the run. */
export interface RunInput {
  content: RgbImage;
  /** This image's content masks, when they differ from the Stylizer's (same count). */
  contentMasks?: Mask[];
  /** For `init: 'image'` with an image other than the content (jcjohnson's -init_image). */
  initImage?: RgbImage;
  onProgress?: (p: Progress) => void | Promise<void>;
  /**
   * Called every `checkpointEvery` iterations with a snapshot to save, and once more at
   * the end (finished or interrupted) if the run moved since the last snapshot.
   */
  onCheckpoint?: (c: Checkpoint) => void | Promise<void>;
  checkpointEvery?: number;
  /** Continue from a snapshot made by onCheckpoint for the same inputs and options. */
  resume?: Checkpoint;
  /** Stop early: the result so far is returned with `interrupted: true`. */
  signal?: AbortSignal;
}

export interface StylizeResult {
  image: RgbImage;
  iterations: number;
  loss: number;
  parts: LossParts;
  interrupted: boolean;
  elapsedMs: number;
}
