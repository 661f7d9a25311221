/**
 * What a method's `run` works with: the Stylizer's compiled pieces, handed over as a
 * context so a method is a record of decisions, not of plumbing.
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { BackendProfile } from '../backends/types.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { RgbImage } from '../image/types.js';
import type { LossTerm, RunShape } from '../losses/index.js';
import type { Mask } from '../masks/index.js';
import type { ConvWeights, LayerTable, Preprocessing } from '../models/types.js';
import type { Parameterisation } from '../parameterisations/index.js';
import type { FeatureExtractor } from '../runtime/features.js';
import type { OrtModule } from '../runtime/ort.js';
import type { StageOptions, StageOverrides, StageResult } from '../stylize/stage.js';
import type { RunInput } from '../stylize/types.js';

export interface MethodStageOverrides extends StageOverrides {
  /** The objective's terms for this stage (default the method's): one compiled objective per set. */
  terms?: readonly LossTerm[];
  /** What the optimiser moves here (default the options' parameterisation at the stage's size). */
  parameterisation?: Parameterisation;
}

export interface MethodContext {
  ort: OrtModule;
  backend: BackendProfile;
  table: LayerTable;
  weights: ConvWeights;
  preprocessing: Preprocessing;
  /** The style images, as colour control prepared them for this run. */
  styles: RgbImage[];
  contentMasks?: readonly Mask[];
  styleMasks?: readonly Mask[];
  run: RunShape;
  /**
   * Terms the run adds at the image's full size, beyond the method's: a video's temporal
   * loss when its weight is above 0 (its inputs are the full-size frame's). A method puts
   * them in its stages at the image size.
   */
  frameTerms: readonly LossTerm[];
  /** Bytes the run may use, when the caller said (a search picks its chunk from it). */
  availableBytes?: number;
  /** One stage: targets, start, the optimisation loop, result (src/stylize/stage.ts). */
  stage(input: RunInput, o: StageOptions, overrides?: MethodStageOverrides): Promise<StageResult>;
  /** A forward-only features session for these terms' targets (compiled once per set and options). */
  extractor(terms: readonly LossTerm[], o: StageOptions): Promise<FeatureExtractor>;
  /**
   * A session of the method's own (a nearest-neighbour search, a hypercolumn extractor),
   * built on this run's backend the first time `key` is asked for and kept with the
   * Stylizer's other sessions.
   */
  session(key: string, build: () => GraphBuilder): Promise<InferenceSession>;
  /**
   * Let the compiled objectives go before a stage makes large inputs of its own (their
   * arenas hold the last stage's peak); the next stage compiles its own.
   */
  releaseObjectives(): Promise<void>;
  /** Let a session of the method's go (its memory with it) when no later stage needs it; asked for again, it is built again. */
  releaseSession(key: string): Promise<void>;
}
