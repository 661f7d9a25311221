/**
 * A Stylizer compiles once and runs many times. `createStylizer` builds the two
 * onnxruntime sessions (features and objective; spatial sizes are symbolic, so one pair
 * serves every size) and computes the style images' targets lazily, once per style size;
 * `run()` then stylises one content image — a photo, a video frame, a tile, a queued job —
 * paying only for what depends on that content.
 *
 * One run, top to bottom (Gatys, Ecker & Bethge; jcjohnson/neural-style):
 *   1. resize the content image to imageSize (each style image to imageSize·styleScale)
 *   2. content targets from one forward pass; style targets from the cache
 *   3. x ← noise, the content image, an init image, or a checkpoint's x
 *   4. repeat: (L, ∂L/∂x) ← objective(x); x ← optimiser step
 *   5. result image ← x, with the content's colours if asked
 * With `multires`, steps 1–5 run once per size, each stage starting from the last result.
 * At sizes whose whole-image evaluation would not fit (the `tile` option, chosen per stage
 * by the memory estimate), steps 2 and 4 run tile by tile with the same results (src/tiles).
 */
import { msg, NumericalError, opt, UsageError } from '../errors.js';
import { colourControl } from '../image/colour/index.js';
import { originalColors } from '../image/original-colors.js';
import { fitMaxSide, resize } from '../image/resize.js';
import type { RgbImage } from '../image/types.js';
import type { LossTerm, RunShape } from '../losses/index.js';
import { checkMasks, resizeMask, type Mask } from '../masks/index.js';
import { fromNetworkInput, toNetworkInput } from '../models/preprocessing.js';
import { pixelBounds, PLANAR_RGB } from '../network/pixels.js';
import type { LoadedModel } from '../models/types.js';
import { termsOf } from '../objective/terms.js';
import { resolveOptions, type StylizeOptions } from '../options/index.js';
import { optimizerRecord, type Optimizer, type OptimizerState } from '../optim/index.js';
import { FeatureExtractor, type Targets } from '../runtime/features.js';
import { CompiledObjective, type Evaluation } from '../runtime/objective.js';
import type { OrtModule } from '../runtime/ort.js';
import { backendProfile, chooseBackend, type BackendChoice } from '../backends/index.js';
import { TiledObjective } from '../tiles/tiled-objective.js';
import { Rng } from '../util/random.js';
import { stagesOf, warmStart } from './coarse-to-fine.js';
import { breakdownAdvice } from './advice.js';
import { chooseTile } from './preflight.js';
import type { RunInput, StageInfo, StylizeResult } from './types.js';

export interface StylizerInput {
  ort: OrtModule;
  model: LoadedModel;
  styles: RgbImage[];
  options?: Partial<StylizeOptions>;
  /** The loss terms; default every registered one (src/losses/index.ts). */
  terms?: readonly LossTerm[];
  /** Bytes of memory the run may use: with `tile: 'auto'`, sizes that would not fit are tiled. */
  availableBytes?: number;
  /**
   * Spatial control (Gatys et al. 2017): one mask per style image, white where that style
   * applies (any size; resized to each content image). With them, styles are regions.
   */
  contentMasks?: Mask[];
  /** Which part of each style image provides its statistics; needs contentMasks. */
  styleMasks?: Mask[];
}

export async function createStylizer(input: StylizerInput): Promise<Stylizer> {
  const resolved = resolveOptions(input.options, input.styles.length);
  checkMasks(input.styles.length, input.contentMasks, input.styleMasks);
  // 'auto' is settled here, probing: the options then name the backend the run uses.
  const backend = await chooseBackend(input.ort, resolved.backend);
  const options = { ...resolved, backend: backend.profile.name };
  const terms = [...termsOf(input.terms)];
  const run: RunShape = { styles: input.styles.length, masked: input.contentMasks !== undefined };
  for (const t of terms) if (t.weight(options) !== 0) t.check?.(options, run);
  const net = { table: input.model.table, weights: input.model.weights, preprocessing: input.model.preprocessing };
  const setup = { backend: backend.profile, terms, run };
  const extractor = await FeatureExtractor.create(input.ort, net, options, setup);
  let objective: CompiledObjective;
  try {
    objective = await CompiledObjective.create(input.ort, net, options, setup);
  } catch (err) {
    await extractor.release();
    throw err;
  }
  return new Stylizer(input.model, input.styles, options, extractor, objective, terms, input.ort, input.availableBytes, input.contentMasks, input.styleMasks);
}

export function makeOptimizer(o: StylizeOptions, state?: OptimizerState): Optimizer {
  return optimizerRecord(o.optimizer).create(o, state);
}

export class Stylizer {
  /** Style targets by the style images' longest side: multires stages need one per size. */
  private readonly styleTargets = new Map<number, Promise<Targets>>();

  constructor(
    private readonly model: LoadedModel,
    private readonly styles: RgbImage[],
    readonly options: StylizeOptions,
    private readonly extractor: FeatureExtractor,
    private readonly objective: CompiledObjective,
    private readonly terms: readonly LossTerm[] = termsOf(),
    private readonly ort?: OrtModule,
    private readonly availableBytes?: number,
    private readonly contentMasks?: Mask[],
    private readonly styleMasks?: Mask[],
  ) {}

  /** How this model's network input is made from an RGB image (per-run inputs are in that space). */
  get preprocessing(): LoadedModel['preprocessing'] {
    return this.model.preprocessing;
  }

  /** The tiled evaluator's sessions, compiled the first time a stage needs tiles. */
  private tiledObjective?: Promise<TiledObjective>;

  private tiled(): Promise<TiledObjective> {
    if (!this.ort) throw new Error('this Stylizer was made without onnxruntime; make it with createStylizer');
    const net = { table: this.model.table, weights: this.model.weights };
    this.tiledObjective ??= TiledObjective.create(this.ort, net, this.options, { backend: backendProfile(this.options.backend), terms: this.terms, run: this.runShape });
    this.tiledObjective.catch(() => (this.tiledObjective = undefined));
    return this.tiledObjective;
  }

  /** How many styles, and whether content masks make regions of them. */
  private get runShape(): RunShape {
    return { styles: this.styles.length, masked: this.contentMasks !== undefined };
  }

  /** The tile size a stage runs with; 0 for the whole image at once. */
  tileFor(content: RgbImage, o: StylizeOptions, checkpoint = false): number {
    return chooseTile({
      table: this.model.table,
      options: o,
      content,
      styles: this.styles,
      terms: this.terms,
      checkpoint,
      availableBytes: this.availableBytes,
      contentMasks: this.contentMasks,
    });
  }

  /** The loss parts every run reports, in order. */
  get partNames(): string[] {
    return this.objective.partNames;
  }

  /**
   * Stylise one content image (any size; the result's longer side is imageSize). Colour
   * control (src/image/colour) prepares the images before anything else and finishes the
   * result, its previews included.
   */
  async run(input: RunInput): Promise<StylizeResult> {
    const o = this.options;
    if (o.multires && o.multires.length > 0 && (input.feeds || input.settings)) {
      throw new UsageError(msg`per-run inputs and settings cannot be combined with ${opt('multires')} (coarse-to-fine) runs`);
    }
    const colour = colourControl(o.colorControl);
    const prepared = colour.prepare(input.content, this.styles);
    const finish = (img: RgbImage) => colour.finish(img, resize(input.content, img.width, img.height));
    const onProgress = input.onProgress;
    const run: RunInput = {
      ...input,
      content: prepared.content,
      initImage: input.initImage && colour.prepareInit(input.initImage),
      onProgress: onProgress && ((p) => onProgress({ ...p, image: () => finish(p.image()) })),
    };
    const result =
      stagesOf(o).sizes.length > 1
        ? await this.coarseToFine(run, prepared.styles)
        : await this.runAtSize(run, { ...o, ...definedOnly(input.settings) }, prepared.styles);
    const { optimizerState: _, ...done } = result as StageResult;
    return { ...done, image: finish(result.image) };
  }

  async release(): Promise<void> {
    const tiled = this.tiledObjective?.then((t) => t.release(), () => undefined);
    await Promise.all([this.extractor.release(), this.objective.release(), tiled]);
  }

  /** Style targets at `side`, the same values whole or in tiles (so one cache serves both). */
  private styleTargetsAt(side: number, styles: RgbImage[], tile = 0): Promise<Targets> {
    // Styles prepared for one content image (colour control) are that run's own.
    if (styles.some((s, i) => s !== this.styles[i])) return this.computeStyleTargets(side, styles, tile);
    let hit = this.styleTargets.get(side);
    if (!hit) {
      hit = this.computeStyleTargets(side, styles, tile);
      // A failed extraction is not cached: the next run tries again.
      hit.catch(() => this.styleTargets.delete(side));
      this.styleTargets.set(side, hit);
    }
    return hit;
  }

  private async computeStyleTargets(side: number, styles: RgbImage[], tile = 0): Promise<Targets> {
    const perStyle: Targets[] = [];
    // Targets a term cannot make in tiles are made whole (the memory estimate assumes none).
    if (tile > 0 && !(await this.tiled()).canExtract('style')) tile = 0;
    for (const [i, style] of styles.entries()) {
      const s = fitMaxSide(style.width, style.height, side);
      const input = toNetworkInput(resize(style, s.width, s.height), this.model.preprocessing);
      perStyle.push(
        tile > 0
          ? await (await this.tiled()).extract(input, s.width, s.height, 'style', tile, undefined, this.styleMasks?.[i])
          : await this.extractor.extract(input, s.width, s.height, 'style', this.styleMasks?.[i]),
      );
    }
    return this.extractor.styleTargets(perStyle, this.options.styleBlendWeights ?? this.styles.map(() => 1));
  }

  /**
   * Coarse-to-fine (jcjohnson's multires recipe as one call): optimise at each of the
   * smaller sizes in turn, each stage starting from the previous result upsampled, then at
   * imageSize. Progress counts iterations across stages; each later stage's iteration 0
   * (the upsampled image, at a new size) is not reported, so the numbers run on.
   */
  private async coarseToFine(input: RunInput, styles: RgbImage[]): Promise<StylizeResult> {
    const o = this.options;
    // crowsonkb's schedule carries Adam's moments between sizes, which a checkpoint does not hold.
    if ((input.resume || input.onCheckpoint) && (o.multiresFrom !== undefined || o.multiresWarmStart)) {
      throw new UsageError(msg`checkpoints cannot be combined with ${opt('multiresFrom')} or ${opt('multiresWarmStart')} (coarse-to-fine with warm starts)`);
    }
    const { sizes, counts } = stagesOf(o);
    const total = counts.reduce((a, b) => a + b, 0);
    // A checkpoint names its stage: a resumed run skips the stages before it.
    const first = input.resume?.stage ?? 0;
    if (input.resume && (input.resume.stage === undefined || first >= sizes.length)) {
      throw new UsageError(msg`the checkpoint is not from a ${opt('multires')} run with these sizes; resume with the same ${opt('multires')}`);
    }
    const start = Date.now() - (input.resume?.elapsedMs ?? 0);
    let offset = counts.slice(0, first).reduce((a, b) => a + b, 0);
    let result: StageResult | undefined;
    for (let i = first; i < sizes.length; i++) {
      const last = i === sizes.length - 1;
      const stageInfo: StageInfo = { index: i + 1, count: sizes.length, size: sizes[i]! };
      const stage: StylizeOptions = {
        ...o,
        multires: undefined,
        multiresFrom: undefined,
        imageSize: sizes[i]!,
        numIterations: counts[i]!,
        init: i === 0 ? o.init : 'image',
        // Colours are put back once, at the end: a stage's output is the next one's start.
        originalColors: last && o.originalColors,
      };
      const base = offset;
      result = await this.runAtSize(
        {
          ...input,
          initImage: i === 0 ? input.initImage : result?.image ?? input.initImage,
          resume: i === first ? input.resume : undefined,
          onCheckpoint: input.onCheckpoint ? (c) => input.onCheckpoint!({ ...c, stage: i }) : undefined,
          onTile: input.onTile ? (t) => input.onTile!({ ...t, iteration: base + t.iteration, stage: stageInfo }) : undefined,
          onProgress: async (p) => {
            if (i > first && p.iteration === 0) return;
            const elapsedMs = Date.now() - start;
            const doneSoFar = base + p.iteration;
            await input.onProgress?.({
              ...p,
              iteration: doneSoFar,
              numIterations: total,
              elapsedMs,
              etaMs: doneSoFar > 0 ? (elapsedMs / doneSoFar) * (total - doneSoFar) : 0,
              stage: stageInfo,
            });
          },
        },
        stage,
        styles,
        // crowsonkb's warm start: the last stage's Adam moments, resized to this stage's size.
        i > 0 && o.multiresWarmStart && result!.optimizerState
          ? warmStart(result!.optimizerState, result!.image, fitMaxSide(input.content.width, input.content.height, sizes[i]!))
          : undefined,
      );
      offset = base + result.iterations;
      if (result.interrupted) break;
    }
    const { optimizerState: _, ...last } = result!;
    return { ...last, iterations: offset, elapsedMs: Date.now() - start };
  }

  private async runAtSize(input: RunInput, o: StylizeOptions & { tolerance?: number }, styles: RgbImage[], warm?: OptimizerState): Promise<StageResult> {
    const net = this.model.preprocessing;
    // The space x lives in: network input, or 0–1 planar RGB (the graph preprocesses it).
    const pre = o.optimizeSpace === 'rgb' ? PLANAR_RGB : net;
    const bounds = pixelBounds(pre);

    // 1. sizes
    const size = fitMaxSide(input.content.width, input.content.height, o.imageSize);
    const content = resize(input.content, size.width, size.height);
    const { width, height } = content;

    // 2. targets: the content's now, the styles' from the cache (in tiles when the stage is)
    const tile = this.tileFor(input.content, o, input.onCheckpoint !== undefined);
    const styleTargets = await this.styleTargetsAt(Math.max(1, Math.round(o.imageSize * o.styleScale)), styles, tile);
    const contentInput = toNetworkInput(content, net);
    const contentTargets =
      tile > 0
        ? await (await this.tiled()).extract(contentInput, width, height, 'content', tile)
        : await this.extractor.extract(contentInput, width, height, 'content');
    const targets: Targets = { ...styleTargets, ...contentTargets };

    // 3. initial image (or the checkpoint's)
    let x: Float32Array;
    if (input.resume) {
      if (input.resume.width !== width || input.resume.height !== height) {
        throw new UsageError(
          msg`the checkpoint is for a ${input.resume.width}×${input.resume.height} image, this run makes ${width}×${height}; resume with the same inputs and ${opt('imageSize')}`,
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
    let iteration = input.resume?.iteration ?? 0;
    // Per-run inputs (a video's warped frame) are whole-image tensors the tiles do not cut.
    if (tile > 0 && input.feeds && Object.keys(input.feeds).length > 0) {
      throw new UsageError(msg`per-run inputs (video frames) cannot be combined with tiles: use ${opt('tile')} off`);
    }
    const masks = (input.contentMasks ?? this.contentMasks)?.map((m) => resizeMask(m, width, height));
    const tiled = tile > 0 ? await this.tiled() : undefined;
    const onTile = input.onTile;
    const evaluator = tiled
      ? tiled.bind(targets, width, height, tile, onTile ? (t) => onTile({ ...t, iteration }) : undefined, masks)
      : this.objective.bind(targets, width, height, input.feeds, masks);
    const tiles = tiled ? tiled.tilesFor(width, height, tile).length : undefined;
    const optimizer = makeOptimizer(o, input.resume?.optimizer ?? warm);
    const toImage = (v: Float32Array) => {
      const img = fromNetworkInput(v, width, height, pre);
      return o.originalColors ? originalColors(img, content) : img;
    };

    // Iterate averaging (crowsonkb's EMA): what the run shows and returns is the average.
    const average = o.averageIterates === undefined ? null : new IterateAverage(x, o.averageIterates, input.resume?.average);
    const shown = (v: Float32Array) => (average ? average.get() : v);

    const start = Date.now() - (input.resume?.elapsedMs ?? 0);
    let best = input.resume?.best ? { loss: input.resume.best.loss, x: Float32Array.from(input.resume.best.x) } : null;
    const firstIteration = input.resume?.iteration ?? 0;
    let last: Evaluation | null = null;
    let lastGood = Float32Array.from(x);
    let lastGoodIteration = -1;
    let interrupted = false;
    let previousLoss: number | undefined;
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
        average: average?.state() ?? null,
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
        const current = shown(x);
        await input.onProgress?.({
          iteration,
          numIterations: o.numIterations,
          loss: evaluation.loss,
          parts: evaluation.parts,
          elapsedMs,
          etaMs: perIteration * (o.numIterations - iteration),
          image: () => toImage(current),
          ...(tiles !== undefined ? { tiles } : {}),
        });
        if (iteration >= o.numIterations) break;
        if (o.tolerance && previousLoss !== undefined && Math.abs(previousLoss - evaluation.loss) < o.tolerance * Math.abs(evaluation.loss)) break;
        previousLoss = evaluation.loss;
        if (!optimizer.step(x, evaluation.loss, evaluation.grad)) break;
        if (o.clampImage) clampPlanes(x, bounds);
        average?.update(x);
        iteration++;
        if (input.onCheckpoint && input.checkpointEvery && iteration % input.checkpointEvery === 0) await checkpoint();
      }
      // Finished or interrupted, the last state is saved too: the run can go on from it
      // (after an interruption, or with more iterations).
      if (input.onCheckpoint && iteration > checkpointed) await checkpoint();
    } catch (err) {
      if (err instanceof NumericalError) {
        // Say where and why in the caller's terms, and hand back the last finite image.
        const advice = breakdownAdvice(o, pixelSpan(pre));
        const fault = new NumericalError(
          [
            `numerical breakdown at iteration ${iteration}: ${err.message}; `,
            ...advice.parts,
            lastGoodIteration >= 0 ? '' : ' (the initial image already fails: check the weights and the loss weights)',
          ],
          { cause: err, suggestion: advice.suggestion },
        );
        fault.partial = toImage(lastGood);
        throw fault;
      }
      throw err;
    }

    const final = average ? average.get() : o.keepBest && best ? best.x : lastGood;
    return {
      image: toImage(final),
      iterations: iteration,
      loss: o.keepBest && best ? best.loss : (last?.loss ?? NaN),
      parts: last?.parts ?? Object.fromEntries(this.partNames.map((p) => [p, NaN])),
      interrupted,
      elapsedMs: Date.now() - start,
      optimizerState: o.multiresWarmStart ? optimizer.getState() : undefined,
    };
  }
}

/** A stage's result, with the optimiser's state for the next stage's warm start. */
type StageResult = StylizeResult & { optimizerState?: OptimizerState };

/** Network-input distance between a white and a black pixel (the largest over channels). */
function pixelSpan(pre: LoadedModel['preprocessing']): number {
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

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Bias-corrected exponential moving average of the iterates (crowsonkb's EMA): started
 * with x₀, v ← d·v + (1 − d)·x after each step, shown as v / (1 − d^(t+1)).
 */
export class IterateAverage {
  private readonly value: Float32Array;
  private accum: number;

  constructor(x: Float32Array, private readonly decay: number, resume?: { value: Float32Array; accum: number } | null) {
    if (resume) {
      this.value = Float32Array.from(resume.value);
      this.accum = resume.accum;
    } else {
      this.value = new Float32Array(x.length);
      this.accum = 1;
      this.update(x);
    }
  }

  update(x: Float32Array): void {
    const d = this.decay;
    this.accum *= d;
    for (let i = 0; i < x.length; i++) this.value[i] = d * this.value[i]! + (1 - d) * x[i]!;
  }

  get(): Float32Array {
    const out = new Float32Array(this.value.length);
    const scale = 1 / (1 - this.accum);
    for (let i = 0; i < out.length; i++) out[i] = this.value[i]! * scale;
    return out;
  }

  state(): { value: Float32Array; accum: number } {
    return { value: Float32Array.from(this.value), accum: this.accum };
  }
}
