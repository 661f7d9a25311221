import type { RgbImage } from '../image/types.js';
import type { Tensor } from '../models/types.js';
import type { InitMode } from '../options/stylize-options.js';
import type { Mask } from '../masks/index.js';
import type { OptimizerState, StateValue } from '../optim/index.js';
import type { LossParts } from '../runtime/objective.js';
import type { TileProgress } from '../tiles/progress.js';

/** Where a coarse-to-fine run is: stage `index` (1-based) of `count`, at `size` px. */
export interface StageInfo {
  index: number;
  count: number;
  size: number;
}

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
  /** The longer side of the image this iteration works on (a coarse-to-fine stage's size). */
  size: number;
  /** Coarse-to-fine runs: the stage this iteration belongs to. */
  stage?: StageInfo;
  /** Tiled runs (src/tiles): how many tiles each evaluation cuts the image into. */
  tiles?: number;
}

/** A progress report's numbers without its image (what a message or a queue can carry). */
export type ProgressData = Pick<Progress, 'iteration' | 'numIterations' | 'loss' | 'parts' | 'elapsedMs' | 'etaMs' | 'size' | 'stage'>;

export function progressData(p: ProgressData): ProgressData {
  return { iteration: p.iteration, numIterations: p.numIterations, loss: p.loss, parts: p.parts, elapsedMs: p.elapsedMs, etaMs: p.etaMs, size: p.size, ...(p.stage ? { stage: p.stage } : {}) };
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
  /** Coarse-to-fine runs: the stage (0-based) this state belongs to; `iteration` counts within it. */
  stage?: number;
  /** The iterate average's state, when averageIterates is on. */
  average?: { value: Float32Array; accum: number } | null;
  /** What a method keeps to continue a stage (NNST: the parameters the stage started from). */
  method?: { readonly [key: string]: StateValue } | null;
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
  /** Tiled runs: called as each tile of each pass starts (an evaluation at print size takes minutes). */
  onTile?: (t: TileProgress & { iteration: number; stage?: StageInfo }) => void | Promise<void>;
  /** Stop early: the result so far is returned with `interrupted: true`. */
  signal?: AbortSignal;
  /**
   * Values for the inputs a loss term leaves to each run (the temporal term's warped
   * previous frames and their reliabilities), by graph input name, at the run's size.
   */
  feeds?: Record<string, Tensor>;
  /** This run's own settings where they differ from the Stylizer's (a video's later frames). */
  settings?: RunSettings;
}

/** Settings that change a run but not the compiled objective, so one Stylizer serves both. */
export interface RunSettings {
  numIterations?: number;
  init?: InitMode;
  /**
   * Stop once an iteration lowers the loss by less than this fraction of it
   * (|L_{k−1} − L_k| < tolerance · |L_k|); 0 or absent never stops early.
   */
  tolerance?: number;
}

export interface StylizeResult {
  image: RgbImage;
  iterations: number;
  loss: number;
  parts: LossParts;
  interrupted: boolean;
  elapsedMs: number;
}
