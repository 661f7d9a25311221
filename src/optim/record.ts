/**
 * An optimiser as a record: everything the rest of the project needs to know about one,
 * so nothing outside src/optim switches on its name. The options table lists the
 * registered kinds as the `optimizer` option's choices and adds each record's own options;
 * the stylizer creates through it; the pre-flight counts its vectors; a numerical
 * breakdown asks it for advice; coarse-to-fine asks it to resize its state; the job worker
 * asks it for a fresh state when the real one is too large to store.
 *
 * src/optim stays free of import cycles: it reads the options table's record type only.
 */
import type { MessagePart, Suggestion } from '../errors.js';
import type { OptionSpec } from '../options/types.js';
import type { Optimizer, OptimizerState } from './types.js';

/**
 * The run's options as an optimiser reads them: the shared learning rate, and any option
 * a record brings (by its key). A library StylizeOptions is one.
 */
export interface OptimizerSettings {
  readonly learningRate: number;
  readonly [option: string]: unknown;
}

/** What to tell the user when a run's numbers blow up: a sentence, and an option value that would help. */
export interface OptimizerAdvice {
  parts: MessagePart[];
  suggestion?: Suggestion;
}

/** What the pre-flight adds to "the run needs N GB, M are available" for this optimiser. */
export interface MemoryHints {
  /** Ways to lower this optimiser's memory, each a phrase ("a smaller --lbfgs-num-correction"). */
  ways: MessagePart[][];
  /** The bulk of what it holds, named, when that alone may be the problem ("the L-BFGS history of 100 steps"). */
  bulk?: { vectors: number; what: string };
}

/**
 * A planar image-sized vector ([3, h, w], Float32) at one size → the same at the next
 * size. The caller (coarse-to-fine) knows both sizes and how to resample.
 */
export type ResizeVector = (v: Float32Array) => Float32Array;

export interface OptimizerRecord {
  /** The `optimizer` option's value, and the `kind` of its optimiser and of its states. */
  readonly kind: string;
  /** Its name in sentences: "L-BFGS". */
  readonly label: string;
  /** One line: what the `optimizer` option's help says of it ("better results, more memory"). */
  readonly help: string;
  /**
   * The options it reads besides the shared `learningRate`, as option records (group
   * 'Optimisation', scope 'stylize'; `objective` when they change the trajectory). Their
   * keys are global: the CLI flag is the kebab-case key.
   */
  readonly options: readonly OptionSpec[];
  /** Whether it reads the shared `learningRate` (a form shows that field only then). */
  readonly usesLearningRate: boolean;
  /** A new optimiser for these settings; with `state`, continuing from it (InputError for a state of another kind). */
  create(settings: OptimizerSettings, state?: OptimizerState): Optimizer;
  /** Image-sized Float32 vectors it holds at most, for the memory estimate. */
  vectors(settings: OptimizerSettings): number;
  /** Ways to lower its memory, for the pre-flight's refusal; none when it has no such option. */
  memoryHints?(settings: OptimizerSettings): MemoryHints;
  /**
   * Advice after NaN/Inf, fitted to the run. `pixelSpan`: how far apart black and white
   * are in the units it steps in (255 for the Caffe models, ~4.4 for torchvision's, 1 in RGB).
   */
  advice(settings: OptimizerSettings, pixelSpan: number): OptimizerAdvice;
  /**
   * Its state carried to the next coarse-to-fine size, its image-sized vectors resized by
   * `resize`; undefined (a fresh optimiser there) when nothing carries over. Absent: never.
   */
  warmStart?(state: OptimizerState, resize: ResizeVector): OptimizerState | undefined;
  /**
   * The state of an optimiser that has taken no step, for these settings: what a
   * checkpoint holds when the real state is too large to keep (the run resumes from the
   * image with the optimiser afresh). `create(settings, freshState(settings))` accepts it.
   */
  freshState(settings: OptimizerSettings): OptimizerState;
}

/** A number the record reads from the settings: its value there, or `fallback` when unset. */
export function numberSetting(settings: OptimizerSettings, key: string, fallback: number): number {
  const v = settings[key];
  return typeof v === 'number' ? v : fallback;
}
