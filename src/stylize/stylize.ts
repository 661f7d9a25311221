/**
 * Neural style transfer, top to bottom (Gatys, Ecker & Bethge; jcjohnson/neural-style):
 *
 *   1. resize the content image to imageSize, each style image to imageSize·styleScale
 *   2. content targets P_l and blended style Grams A_l from one forward pass each
 *   3. x ← noise, the content image, or a given init image
 *   4. repeat: (L, ∂L/∂x) ← objective(x); x ← optimiser step
 *   5. result image ← x, with the content's colours if asked
 *
 * Platform-neutral: the caller hands in onnxruntime (node or web), decoded images and a
 * loaded model, and gets progress through a callback. Node and the browser worker both
 * run exactly this function.
 */
import { NumericalError, UsageError } from '../errors.js';
import { fromNetworkInput, toNetworkInput } from '../models/preprocessing.js';
import type { LoadedModel } from '../models/types.js';
import type { ObjectiveSpec } from '../objective/spec.js';
import { createOptimizer, type Optimizer, type OptimizerState } from '../optim/index.js';
import { blendStyleTargets, FeatureExtractor } from '../runtime/features.js';
import { CompiledObjective, type Evaluation, type LossParts } from '../runtime/objective.js';
import { sessionOptionsFor, type OrtModule } from '../runtime/ort.js';
import type { RgbImage } from '../image/types.js';
import { originalColors } from '../image/original-colors.js';
import { fitMaxSide, resize } from '../image/resize.js';
import { DEFAULT_STYLIZE_OPTIONS, type StylizeOptions } from './options.js';
import { Rng } from '../util/random.js';

export interface Progress {
  /** 0 is the objective at the initial image; numIterations is the final image. */
  iteration: number;
  numIterations: number;
  loss: number;
  /** Weighted parts, as the objective reports them. */
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
}

export interface StylizeInput {
  ort: OrtModule;
  model: LoadedModel;
  content: RgbImage;
  styles: RgbImage[];
  options?: Partial<StylizeOptions>;
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

/** Options after defaults, with the checks that need no files. */
export function resolveOptions(partial: Partial<StylizeOptions> = {}, styleCount = 1): StylizeOptions {
  const o = { ...DEFAULT_STYLIZE_OPTIONS, ...partial };
  const sizes = o.multires ?? [];
  if (sizes.some((s, i) => !Number.isInteger(s) || s < 1 || s >= (sizes[i + 1] ?? o.imageSize))) {
    throw new UsageError(
      `multires sizes must be whole numbers in increasing order, each below the image size ${o.imageSize}; got ${sizes.join(',')}`,
    );
  }
  if (o.multiresIterations && o.multiresIterations.length !== sizes.length) {
    throw new UsageError(`${o.multiresIterations.length} multires iteration count(s) for ${sizes.length} multires size(s)`);
  }
  if (o.styleBlendWeights && o.styleBlendWeights.length !== styleCount) {
    throw new UsageError(
      `--style-blend-weights has ${o.styleBlendWeights.length} weight(s) but there are ${styleCount} style image(s)`,
    );
  }
  return o;
}

export function objectiveSpec(o: StylizeOptions): ObjectiveSpec {
  return {
    contentLayers: o.contentLayers,
    styleLayers: o.styleLayers,
    contentWeight: o.contentWeight,
    styleWeight: o.styleWeight,
    tvWeight: o.tvWeight,
    pooling: o.pooling,
    normalizeGradients: o.normalizeGradients,
  };
}

export function makeOptimizer(o: StylizeOptions, state?: OptimizerState): Optimizer {
  return o.optimizer === 'lbfgs'
    ? createOptimizer({ kind: 'lbfgs', lr: 1, historySize: o.lbfgsNumCorrection }, state)
    : createOptimizer({ kind: 'adam', lr: o.learningRate }, state);
}

export async function stylize(input: StylizeInput): Promise<StylizeResult> {
  const o = resolveOptions(input.options, input.styles.length);
  if (input.styles.length === 0) throw new UsageError('at least one style image is needed');
  return o.multires && o.multires.length > 0 ? coarseToFine(input, o) : stylizeAtSize(input, o);
}

/**
 * Coarse-to-fine (jcjohnson's multires recipe as one call): optimise at each of the
 * smaller sizes in turn, each stage starting from the previous result upsampled, then at
 * imageSize. Coarse iterations are cheap and settle the large structures, so the final,
 * expensive size needs fewer. Progress counts iterations across stages; each later
 * stage's iteration 0 (the upsampled image, at a new size) is not reported, so the
 * numbers run on without repeats.
 */
async function coarseToFine(input: StylizeInput, o: StylizeOptions): Promise<StylizeResult> {
  if (input.resume || input.onCheckpoint) throw new UsageError('checkpoints are not supported with multires runs');
  const sizes = [...o.multires!, o.imageSize];
  const counts = sizes.map((_, i) => (i < sizes.length - 1 ? (o.multiresIterations?.[i] ?? o.numIterations) : o.numIterations));
  const total = counts.reduce((a, b) => a + b, 0);
  const start = Date.now();
  let offset = 0;
  let result: StylizeResult | undefined;
  for (let i = 0; i < sizes.length; i++) {
    const last = i === sizes.length - 1;
    const stage: StylizeOptions = {
      ...o,
      multires: undefined,
      imageSize: sizes[i]!,
      numIterations: counts[i]!,
      init: i === 0 ? o.init : 'image',
      // Colours are put back once, at the end: a stage's output is the next one's start.
      originalColors: last && o.originalColors,
    };
    const base = offset;
    result = await stylizeAtSize(
      {
        ...input,
        initImage: i === 0 ? input.initImage : result!.image,
        onProgress: async (p) => {
          if (i > 0 && p.iteration === 0) return;
          const elapsedMs = Date.now() - start;
          const doneSoFar = base + p.iteration;
          await input.onProgress?.({
            ...p,
            iteration: doneSoFar,
            numIterations: total,
            elapsedMs,
            etaMs: doneSoFar > 0 ? (elapsedMs / doneSoFar) * (total - doneSoFar) : 0,
          });
        },
      },
      stage,
    );
    offset = base + result.iterations;
    if (result.interrupted) break;
  }
  return { ...result!, iterations: offset, elapsedMs: Date.now() - start };
}

async function stylizeAtSize(input: StylizeInput, o: StylizeOptions): Promise<StylizeResult> {
  const { ort, model } = input;
  const pre = model.preprocessing;
  const spec = objectiveSpec(o);
  const net = { table: model.table, weights: model.weights };
  const session = sessionOptionsFor(o.backend);

  // 1. sizes
  const size = fitMaxSide(input.content.width, input.content.height, o.imageSize);
  const content = resize(input.content, size.width, size.height);
  const { width, height } = content;

  // 2. targets
  const extractor = await FeatureExtractor.create(ort, net, spec, session);
  let targets;
  try {
    const contentFeatures = await extractor.extract(toNetworkInput(content, pre), width, height, 'content');
    const grams = [];
    for (const style of input.styles) {
      const s = fitMaxSide(style.width, style.height, Math.max(1, Math.round(o.imageSize * o.styleScale)));
      const resized = resize(style, s.width, s.height);
      grams.push((await extractor.extract(toNetworkInput(resized, pre), s.width, s.height, 'style')).style);
    }
    const weights = o.styleBlendWeights ?? input.styles.map(() => 1);
    targets = { content: contentFeatures.content, style: blendStyleTargets(grams, weights) };
  } finally {
    await extractor.release();
  }

  // 3. initial image (or the checkpoint's)
  let x: Float32Array;
  if (input.resume) {
    if (input.resume.width !== width || input.resume.height !== height) {
      throw new UsageError(
        `the checkpoint is for a ${input.resume.width}×${input.resume.height} image, this run makes ${width}×${height}; ` +
          'resume with the same inputs and --image-size',
      );
    }
    x = Float32Array.from(input.resume.x);
  } else if (o.init === 'random') {
    x = new Rng(o.seed).fillNormal(new Float32Array(3 * width * height), o.initNoiseStd);
  } else {
    const init = input.initImage ? resize(input.initImage, width, height) : content;
    x = toNetworkInput(init, pre);
  }

  // 4. optimise
  const objective = await CompiledObjective.create(ort, net, spec, session);
  const evaluator = objective.bind(targets, width, height);
  const optimizer = makeOptimizer(o, input.resume?.optimizer);
  const toImage = (v: Float32Array) => {
    const img = fromNetworkInput(v, width, height, pre);
    return o.originalColors ? originalColors(img, content) : img;
  };

  const start = Date.now() - (input.resume?.elapsedMs ?? 0);
  let best = input.resume?.best ? { loss: input.resume.best.loss, x: Float32Array.from(input.resume.best.x) } : null;
  const firstIteration = input.resume?.iteration ?? 0;
  let iteration = firstIteration;
  let last: Evaluation | null = null;
  let lastGood = Float32Array.from(x);
  let lastGoodIteration = -1;
  let interrupted = false;
  let checkpointed = firstIteration;
  // The state between a step and the next evaluation: all a later run needs to continue.
  const checkpoint = async () => {
    checkpointed = iteration;
    await input.onCheckpoint!({
      iteration,
      width,
      height,
      x: Float32Array.from(x),
      optimizer: optimizer.getState(),
      best: best ? { loss: best.loss, x: Float32Array.from(best.x) } : null,
      elapsedMs: Date.now() - start,
    });
  };
  try {
    for (;;) {
      if (input.signal?.aborted) {
        interrupted = true;
        break;
      }
      const evaluation = await evaluator.evaluate(x);
      if (!allFinite(evaluation.grad)) throw new NumericalError('the gradient has NaN or Inf values');
      last = evaluation;
      lastGood = Float32Array.from(x);
      lastGoodIteration = iteration;
      if (o.keepBest && (!best || evaluation.loss < best.loss)) best = { loss: evaluation.loss, x: Float32Array.from(x) };

      const elapsedMs = Date.now() - start;
      const done = iteration - firstIteration;
      const perIteration = done > 0 ? (Date.now() - start - (input.resume?.elapsedMs ?? 0)) / done : 0;
      const current = x;
      await input.onProgress?.({
        iteration,
        numIterations: o.numIterations,
        loss: evaluation.loss,
        parts: evaluation.parts,
        elapsedMs,
        etaMs: perIteration * (o.numIterations - iteration),
        image: () => toImage(current),
      });
      if (iteration >= o.numIterations) break;
      if (!optimizer.step(x, evaluation.loss, evaluation.grad)) break;
      iteration++;
      if (input.onCheckpoint && input.checkpointEvery && iteration % input.checkpointEvery === 0) await checkpoint();
    }
    // Finished or interrupted, the last state is saved too: the run can go on from it
    // (after an interruption, or with more iterations).
    if (input.onCheckpoint && iteration > checkpointed) await checkpoint();
  } catch (err) {
    if (err instanceof NumericalError) {
      // Say where and why in the caller's terms, and hand back the last finite image.
      const what = err.message.split(';')[0];
      const fault = new NumericalError(
        `numerical breakdown at iteration ${iteration}: ${what}; ${likelyCause(o)}` +
          (lastGoodIteration >= 0 ? '' : ' (the initial image already fails: check the weights and the loss weights)'),
        { cause: err },
      );
      fault.partial = toImage(lastGood);
      throw fault;
    }
    throw err;
  } finally {
    await objective.release();
  }

  const final = o.keepBest && best ? best.x : lastGood;
  return {
    image: toImage(final),
    iterations: iteration,
    loss: o.keepBest && best ? best.loss : (last?.loss ?? NaN),
    parts: last?.parts ?? { content: NaN, style: NaN, tv: NaN },
    interrupted,
    elapsedMs: Date.now() - start,
  };
}

/** The likeliest reason an optimiser ran into NaN/Inf, as advice. */
function likelyCause(o: StylizeOptions): string {
  return o.optimizer === 'adam'
    ? `the Adam step size (--learning-rate ${o.learningRate}) is likely too large: try ${Number((o.learningRate / 10).toPrecision(3))}`
    : 'L-BFGS took too large a step; the loss weights are likely too large for this model: ' +
        'lower --style-weight and --content-weight, or use --optimizer adam';
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
