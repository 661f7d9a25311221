/**
 * One stage of a run: one image size, one optimiser, from a start to a result.
 *
 *   1. sizes      the content image at the stage's size
 *   2. targets    the content's now; the styles' from the Stylizer's cache (in tiles when the stage is tiled)
 *   3. start      the parameters: a checkpoint's, seeded noise, or an image's (the content, an init image, the last stage's result)
 *   4. the loop   evaluate → report → step (loop.ts), with the observers the options ask for
 *   5. result     the image: the last iterate, the best, or the average
 *
 * A numerical breakdown is reported in the caller's terms, with the last finite image.
 */
import { msg, NumericalError, opt, UsageError } from '../errors.js';
import { fitMaxSide, resize } from '../image/resize.js';
import type { RgbImage } from '../image/types.js';
import { originalColors } from '../image/original-colors.js';
import type { Mask } from '../masks/index.js';
import { resizeMask } from '../masks/index.js';
import type { FeedValue } from '../losses/index.js';
import type { Preprocessing, Tensor } from '../models/types.js';
import { fromNetworkInput, toNetworkInput } from '../models/preprocessing.js';
import { pixelBounds, PLANAR_RGB } from '../network/pixels.js';
import { optimizerRecord, type Optimizer, type OptimizerState } from '../optim/index.js';
import type { StylizeOptions } from '../options/stylize-options.js';
import { parameterCount, type Parameterisation } from '../parameterisations/index.js';
import type { Targets } from '../runtime/features.js';
import type { Evaluation, Evaluator } from '../runtime/objective.js';
import { Rng } from '../util/random.js';
import { breakdownAdvice } from './advice.js';
import { optimise, type LoopObserver } from './loop.js';
import { Checkpoints } from './observers/checkpoints.js';
import { FiniteGuard } from './observers/finite-guard.js';
import { IterateAverage } from './observers/iterate-average.js';
import { KeepBest } from './observers/keep-best.js';
import { Tolerance } from './observers/tolerance.js';
import type { Checkpoint, Progress, RunInput, StylizeResult } from './types.js';
import { StopRequested } from '../util/abort.js';
import { timePhase } from '../util/phases.js';

/** A stage's options: the run's, with its size and count, and a tolerance when a video frame asks. */
export type StageOptions = StylizeOptions & { tolerance?: number };

/** What a stage needs from its Stylizer. */
export interface StageContext {
  preprocessing: Preprocessing;
  /** What the optimiser moves at this size (a pyramid keeps the levels the size allows). */
  parameterisation(width: number, height: number): Parameterisation;
  partNames: string[];
  /** The tile size for this content at these options; 0 for the whole image at once. */
  tileFor(content: RgbImage, o: StylizeOptions, checkpoint: boolean): number;
  /** Rejects with StopRequested (src/util/abort.ts) once `signal` aborts. */
  styleTargets(side: number, tile: number, signal?: AbortSignal): Promise<Targets>;
  contentTargets(image: Float32Array, width: number, height: number, tile: number): Promise<Targets>;
  /** The evaluator for these targets at this size, whole or in tiles. */
  evaluator(
    targets: Targets,
    size: { width: number; height: number },
    param: Parameterisation,
    tile: number,
    input: RunInput,
    iteration: () => number,
    masks?: Mask[],
  ): Promise<Evaluator & { tiles?: number }>;
  /** Values a term draws anew each iteration (sample positions), from the run's seeded randomness. */
  iterationFeeds?(iteration: number, width: number, height: number): Record<string, FeedValue> | undefined;
}

/** A stage's result, with the optimiser's state for the next stage's warm start and the parameters it ended at. */
export type StageResult = StylizeResult & { optimizerState?: OptimizerState; params?: Float32Array };

/** What a method may set for a stage beyond its options (NNST's: its own size, start, targets). */
export interface StageOverrides {
  /** The optimiser's state to start from (a warm start between sizes). */
  warm?: OptimizerState;
  /** The image size, where the method fixes it (a pyramid's level sizes); default the options' imageSize. */
  size?: { width: number; height: number };
  /** The parameters to start from (a pyramid assembled by the method); default from the options' init. */
  start?: Float32Array;
  /** The targets, where the method makes them (nearest neighbours); default the content's and the styles'. */
  targets?: Targets;
  /** Values of the terms' `run` inputs for this stage (its targets' own, a weight per scale), over the run's. */
  feeds?: Record<string, Tensor>;
  /** What the method needs to continue this stage from a checkpoint (kept in each one). */
  checkpointState?: Checkpoint['method'];
}

export async function runStage(ctx: StageContext, input: RunInput, o: StageOptions, overrides: StageOverrides = {}): Promise<StageResult> {
  const { warm } = overrides;
  // The space x lives in: network input, or 0–1 planar RGB (the graph preprocesses it).
  const space = o.optimizeSpace === 'rgb' ? PLANAR_RGB : ctx.preprocessing;

  // 1. sizes
  const size = overrides.size ?? fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const content = resize(input.content, size.width, size.height);
  const { width, height } = content;
  const param = ctx.parameterisation(width, height);

  // 2. targets; a stop asked for while they are made (seconds for large styles) ends the
  // stage before its first evaluation, as one asked for at the loop's start would.
  const tile = ctx.tileFor(input.content, o, input.onCheckpoint !== undefined);
  let targets: Targets | undefined;
  try {
    targets = overrides.targets ?? {
      ...(await timePhase('style targets', () => ctx.styleTargets(Math.max(1, Math.round(o.imageSize * o.styleScale)), tile, input.signal))),
      ...(await timePhase('content targets', () => ctx.contentTargets(toNetworkInput(content, ctx.preprocessing), width, height, tile))),
    };
  } catch (err) {
    if (!(err instanceof StopRequested)) throw err;
  }

  // 3. start
  const x = input.resume || !overrides.start ? startingPoint(input, o, param, space, content) : Float32Array.from(overrides.start);
  const toImage = (params: Float32Array): RgbImage => {
    const img = fromNetworkInput(param.toImage(params, width, height), width, height, space);
    return o.originalColors ? originalColors(img, content) : img;
  };
  let iteration = input.resume?.iteration ?? 0;
  if (!targets) {
    const parts = Object.fromEntries(ctx.partNames.map((p) => [p, NaN]));
    return { image: toImage(x), iterations: iteration, loss: NaN, parts, interrupted: true, elapsedMs: input.resume?.elapsedMs ?? 0, params: x };
  }

  // 4. the loop
  // Per-run inputs (a video's warped frame) are whole-image tensors the tiles do not cut.
  if (tile > 0 && input.feeds && Object.keys(input.feeds).length > 0) {
    throw new UsageError(msg`per-run inputs (video frames) cannot be combined with tiles: use ${opt('tile')} off`);
  }
  const masks = input.contentMasks?.map((m) => resizeMask(m, width, height));
  const stageInput = overrides.feeds ? { ...input, feeds: { ...input.feeds, ...overrides.feeds } } : input;
  const evaluator = await ctx.evaluator(targets, size, param, tile, stageInput, () => iteration, masks);
  const optimizer: Optimizer = optimizerRecord(o.optimizer).create(o, input.resume?.optimizer ?? warm);

  const guard = new FiniteGuard(x);
  const best = o.keepBest ? new KeepBest(input.resume?.best) : undefined;
  const average = o.averageIterates === undefined ? undefined : new IterateAverage(x, o.averageIterates, input.resume?.average);
  const firstIteration = iteration;
  const start = Date.now() - (input.resume?.elapsedMs ?? 0);
  const observers: LoopObserver[] = [guard, ...(best ? [best] : []), ...(average ? [average] : []), ...(o.tolerance ? [new Tolerance(o.tolerance)] : [])];
  if (input.onCheckpoint) {
    // The state between a step and the next evaluation: all a later run needs to continue.
    const snapshot = (at: number, now: Float32Array): Checkpoint => ({
      iteration: at,
      width,
      height,
      x: Float32Array.from(now),
      optimizer: optimizer.getState(),
      best: best?.state() ?? null,
      elapsedMs: Date.now() - start,
      average: average?.state() ?? null,
      ...(overrides.checkpointState ? { method: overrides.checkpointState } : {}),
    });
    observers.push(new Checkpoints(firstIteration, input.checkpointEvery, snapshot, input.onCheckpoint));
  }
  const bounds = pixelBounds(space);
  const shown = (now: Float32Array) => (average ? average.get() : now);
  const report = async (at: number, e: Evaluation) => {
    const elapsedMs = Date.now() - start;
    const done = at - firstIteration;
    const perIteration = done > 0 ? (Date.now() - start - (input.resume?.elapsedMs ?? 0)) / done : 0;
    const current = shown(x);
    const p: Progress = {
      iteration: at,
      numIterations: o.numIterations,
      loss: e.loss,
      parts: e.parts,
      elapsedMs,
      etaMs: perIteration * (o.numIterations - at),
      size: Math.max(width, height),
      image: () => toImage(current),
      ...(evaluator.tiles !== undefined ? { tiles: evaluator.tiles } : {}),
    };
    await input.onProgress?.(p);
  };

  let ended;
  try {
    ended = await optimise({
      x,
      first: firstIteration,
      last: o.numIterations,
      evaluate: (now, at) => {
        iteration = at;
        const e = () => evaluator.evaluate(now, ctx.iterationFeeds?.(at, width, height));
        // The first evaluation of a stage is where a session's arena grows: timed apart.
        return at === firstIteration ? timePhase('first evaluation', e) : e();
      },
      report,
      step: (now, e) => {
        if (!optimizer.step(now, e.loss, e.grad)) return false;
        if (o.clampImage) clampPlanes(now, bounds);
        return true;
      },
      observers,
      signal: input.signal,
    });
  } catch (err) {
    if (!(err instanceof NumericalError)) throw err;
    // Say where and why in the caller's terms, and hand back the last finite image.
    const advice = breakdownAdvice(o, pixelSpan(space));
    const fault = new NumericalError(
      [
        `numerical breakdown at iteration ${iteration}: ${err.message}; `,
        ...advice.parts,
        guard.lastGoodIteration >= 0 ? '' : ' (the initial image already fails: check the weights and the loss weights)',
      ],
      { cause: err, suggestion: advice.suggestion },
    );
    fault.partial = toImage(guard.lastGood);
    throw fault;
  }

  // 5. result
  const final = average ? average.get() : best?.best ? best.best.x : guard.lastGood;
  return {
    image: toImage(final),
    iterations: ended.iteration,
    loss: best?.best ? best.best.loss : (ended.last?.loss ?? NaN),
    parts: ended.last?.parts ?? Object.fromEntries(ctx.partNames.map((p) => [p, NaN])),
    interrupted: ended.interrupted,
    elapsedMs: Date.now() - start,
    optimizerState: o.multiresWarmStart ? optimizer.getState() : undefined,
    params: Float32Array.from(final),
  };
}

/** The parameters a stage starts from: a checkpoint's, seeded noise, or an image's. */
function startingPoint(input: RunInput, o: StageOptions, param: Parameterisation, space: Preprocessing, content: RgbImage): Float32Array {
  const { width, height } = content;
  if (input.resume) {
    if (input.resume.width !== width || input.resume.height !== height) {
      throw new UsageError(msg`the checkpoint is for a ${input.resume.width}×${input.resume.height} image, this run makes ${width}×${height}; resume with the same inputs and ${opt('imageSize')}`);
    }
    const n = parameterCount(param, width, height);
    if (input.resume.x.length !== n) {
      throw new UsageError(msg`the checkpoint holds ${input.resume.x.length} parameters, this run's ${param.name} have ${n}; resume with the same ${opt('parameterization')}`);
    }
    return Float32Array.from(input.resume.x);
  }
  if (o.init === 'random') return param.fromImage(new Rng(o.seed).fillNormal(new Float32Array(3 * width * height), o.initNoiseStd), width, height);
  const init = input.initImage ? resize(input.initImage, width, height) : content;
  return param.fromImage(toNetworkInput(init, space), width, height);
}

/** Network-input distance between a white and a black pixel (the largest over channels). */
function pixelSpan(pre: Preprocessing): number {
  const one = (v: number) => toNetworkInput({ width: 1, height: 1, data: new Float32Array([v, v, v]) }, pre);
  const [white, black] = [one(1), one(0)];
  return Math.max(...[0, 1, 2].map((c) => Math.abs(white[c]! - black[c]!)));
}

/** Clamp each channel plane of x (NCHW, batch 1) to [lo_c, hi_c]. */
function clampPlanes(x: Float32Array, { lo, hi }: { lo: number[]; hi: number[] }): void {
  const plane = x.length / 3;
  for (let c = 0; c < 3; c++) {
    const [a, b] = [lo[c]!, hi[c]!];
    for (let i = c * plane; i < (c + 1) * plane; i++) x[i] = Math.min(b, Math.max(a, x[i]!));
  }
}

export type { StylizeOptions };
