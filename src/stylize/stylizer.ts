/**
 * A Stylizer compiles once and runs many times. `createStylizer` builds the two
 * onnxruntime sessions (features and objective; spatial sizes are symbolic, so one pair
 * serves every size) and computes the style images' targets lazily, once per style size;
 * `run()` then stylises one content image — a photo, a video frame, a tile, a queued job —
 * paying only for what depends on that content.
 *
 * One run, top to bottom (Gatys, Ecker & Bethge; jcjohnson/neural-style):
 *   1. colour control prepares the images (src/image/colour)
 *   2. the stages: one size, or coarse-to-fine sizes (coarse-to-fine.ts), each a stage
 *      (stage.ts: targets, start, the optimisation loop, result) that starts from the last
 *      stage's result
 *   3. colour control finishes the result
 * At sizes whose whole-image evaluation would not fit (the `tile` option, chosen per stage
 * by the memory estimate), targets and evaluations run tile by tile with the same results
 * (src/tiles).
 */
import { chooseBackend, type BackendChoice } from '../backends/index.js';
import { msg, opt, UsageError } from '../errors.js';
import { colourControl } from '../image/colour/index.js';
import { fitMaxSide, resize } from '../image/resize.js';
import type { RgbImage } from '../image/types.js';
import type { LossTerm, RunShape } from '../losses/index.js';
import { checkMasks, type Mask } from '../masks/index.js';
import { toNetworkInput } from '../models/preprocessing.js';
import type { LoadedModel } from '../models/types.js';
import { termsOf, termWeight } from '../objective/terms.js';
import { optimizerRecord, type Optimizer, type OptimizerState } from '../optim/index.js';
import { resolveOptions, type StylizeOptions } from '../options/index.js';
import { parameterisationFor, type Parameterisation } from '../parameterisations/index.js';
import { FeatureExtractor, type Targets } from '../runtime/features.js';
import { CompiledObjective, type GraphSetup } from '../runtime/objective.js';
import type { OrtModule } from '../runtime/ort.js';
import { TiledObjective } from '../tiles/tiled-objective.js';
import { stagesOf, warmStart } from './coarse-to-fine.js';
import { chooseTile } from './preflight.js';
import { runStage, type StageContext, type StageOptions, type StageResult } from './stage.js';
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
  const terms = [...termsOf(input.terms)];
  const run: RunShape = { styles: input.styles.length, masked: input.contentMasks !== undefined };
  for (const t of terms) if (termWeight(t, resolved) !== 0) t.check?.(resolved, run);
  const parameterisation = parameterisationFor(resolved);
  if (resolved.clampImage && !parameterisation.clampable) {
    throw new UsageError(msg`${opt('clampImage')} works on pixels only, not with ${opt('parameterization')} ${parameterisation.name}`);
  }
  if (resolved.multiresWarmStart && parameterisation.name !== 'pixels') {
    throw new UsageError(msg`${opt('multiresWarmStart')} resizes the optimiser's state as an image: it works with ${opt('parameterization')} pixels only`);
  }
  // 'auto' is settled here, probing: the options then name the backend the run uses.
  const backend = await chooseBackend(input.ort, resolved.backend);
  const options = { ...resolved, backend: backend.profile.name };
  const net = { table: input.model.table, weights: input.model.weights, preprocessing: input.model.preprocessing };
  const setup: GraphSetup = { backend: backend.profile, terms, run, parameterisation };
  const extractor = await FeatureExtractor.create(input.ort, net, options, setup);
  let objective: CompiledObjective;
  try {
    objective = await CompiledObjective.create(input.ort, net, options, setup);
  } catch (err) {
    await extractor.release();
    throw err;
  }
  return new Stylizer({ ...input, options, terms, run, backend, extractor, objective });
}

/** An optimiser for a run's options (the record of `optimizer`), continuing from `state` when given. */
export function makeOptimizer(o: StylizeOptions, state?: OptimizerState): Optimizer {
  return optimizerRecord(o.optimizer).create(o, state);
}

interface StylizerParts extends Omit<StylizerInput, 'options'> {
  options: StylizeOptions;
  terms: LossTerm[];
  run: RunShape;
  backend: BackendChoice;
  extractor: FeatureExtractor;
  /** The objective compiled for the options' parameterisation (more are compiled as sizes need them). */
  objective: CompiledObjective;
}

export class Stylizer {
  readonly options: StylizeOptions;
  /** The backend the sessions run on, and why it was chosen. */
  readonly backend: BackendChoice;
  /** Style targets by the style images' longest side: coarse-to-fine stages need one per size. */
  private readonly styleTargets = new Map<number, Promise<Targets>>();
  /** The tiled evaluator's sessions, compiled the first time a stage needs tiles. */
  private tiledObjective?: Promise<TiledObjective>;
  /**
   * Objectives by parameterisation key: one graph per pyramid depth (a small image keeps
   * fewer levels), compiled the first time a size needs it.
   */
  private readonly objectives = new Map<string, Promise<CompiledObjective>>();

  constructor(private readonly parts: StylizerParts) {
    this.options = parts.options;
    this.backend = parts.backend;
    this.objectives.set(parts.objective.parameterisation.key, Promise.resolve(parts.objective));
  }

  private objectiveFor(param: Parameterisation): Promise<CompiledObjective> {
    let hit = this.objectives.get(param.key);
    if (!hit) {
      const { ort, model, backend, terms, run } = this.parts;
      const net = { table: model.table, weights: model.weights, preprocessing: model.preprocessing };
      hit = CompiledObjective.create(ort, net, this.options, { backend: backend.profile, terms, run, parameterisation: param });
      hit.catch(() => this.objectives.delete(param.key));
      this.objectives.set(param.key, hit);
    }
    return hit;
  }

  /** How this model's network input is made from an RGB image (per-run inputs are in that space). */
  get preprocessing(): LoadedModel['preprocessing'] {
    return this.parts.model.preprocessing;
  }

  /** The loss parts every run reports, in order. */
  get partNames(): string[] {
    return this.parts.objective.partNames;
  }

  /** The tile size a stage runs with; 0 for the whole image at once. */
  tileFor(content: RgbImage, o: StylizeOptions, checkpoint = false): number {
    const { model, styles, terms, availableBytes, contentMasks } = this.parts;
    return chooseTile({ table: model.table, options: o, content, styles, terms, checkpoint, availableBytes, contentMasks });
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
    const prepared = colour.prepare(input.content, this.parts.styles);
    const finish = (img: RgbImage) => colour.finish(img, resize(input.content, img.width, img.height));
    const onProgress = input.onProgress;
    const run: RunInput = {
      ...input,
      content: prepared.content,
      contentMasks: input.contentMasks ?? this.parts.contentMasks,
      initImage: input.initImage && colour.prepareInit(input.initImage),
      onProgress: onProgress && ((p) => onProgress({ ...p, image: () => finish(p.image()) })),
    };
    const settings = { ...o, ...definedOnly(input.settings) };
    const result = await this.stages(run, settings, prepared.styles);
    const { optimizerState: _, ...done } = result;
    return { ...done, image: finish(result.image) };
  }

  async release(): Promise<void> {
    const tiled = this.tiledObjective?.then((t) => t.release(), () => undefined);
    const objectives = [...this.objectives.values()].map((p) => p.then((o) => o.release(), () => undefined));
    await Promise.all([this.parts.extractor.release(), ...objectives, tiled]);
  }

  /**
   * The run's stages in turn (jcjohnson's multires, crowsonkb's √2 schedule: coarse-to-fine
   * as one call): each later stage starts from the previous result upsampled. Progress
   * counts iterations across stages; each later stage's iteration 0 (the upsampled image,
   * at a new size) is not reported, so the numbers run on. One stage is a plain run.
   */
  private async stages(input: RunInput, o: StageOptions, styles: RgbImage[]): Promise<StageResult> {
    const { sizes, counts } = stagesOf(o);
    if (sizes.length === 1) return runStage(this.stageContext(styles), input, o);
    // crowsonkb's schedule carries Adam's moments between sizes, which a checkpoint does not hold.
    if ((input.resume || input.onCheckpoint) && (o.multiresFrom !== undefined || o.multiresWarmStart)) {
      throw new UsageError(msg`checkpoints cannot be combined with ${opt('multiresFrom')} or ${opt('multiresWarmStart')} (coarse-to-fine with warm starts)`);
    }
    const total = counts.reduce((a, b) => a + b, 0);
    // A checkpoint names its stage: a resumed run skips the stages before it.
    const first = input.resume?.stage ?? 0;
    if (input.resume && (input.resume.stage === undefined || first >= sizes.length)) {
      throw new UsageError(msg`the checkpoint is not from a ${opt('multires')} run with these sizes; resume with the same ${opt('multires')}`);
    }
    const start = Date.now() - (input.resume?.elapsedMs ?? 0);
    let offset = counts.slice(0, first).reduce((a, b) => a + b, 0);
    let result: StageResult | undefined;
    const ctx = this.stageContext(styles);
    for (let i = first; i < sizes.length; i++) {
      const last = i === sizes.length - 1;
      const stageInfo: StageInfo = { index: i + 1, count: sizes.length, size: sizes[i]! };
      const stage: StageOptions = {
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
      const warm =
        // crowsonkb's warm start: the last stage's optimiser state, resized to this stage's size.
        i > 0 && o.multiresWarmStart && result!.optimizerState
          ? warmStart(result!.optimizerState, result!.image, fitMaxSide(input.content.width, input.content.height, sizes[i]!))
          : undefined;
      result = await runStage(
        ctx,
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
        warm,
      );
      offset = base + result.iterations;
      if (result.interrupted) break;
    }
    return { ...result!, iterations: offset, elapsedMs: Date.now() - start, optimizerState: undefined };
  }

  /** What a stage reads from this Stylizer: its targets, its evaluators, its tiles. */
  private stageContext(styles: RgbImage[]): StageContext {
    const { extractor } = this.parts;
    let iterationFeeds: StageContext['iterationFeeds'];
    return {
      preprocessing: this.preprocessing,
      parameterisation: (width, height) => parameterisationFor(this.options, { width, height }),
      partNames: this.partNames,
      tileFor: (content, o, checkpoint) => this.tileFor(content, o, checkpoint),
      styleTargets: (side, tile) => this.styleTargetsAt(side, styles, tile),
      contentTargets: async (image, width, height, tile) =>
        tile > 0 ? (await this.tiled()).extract(image, width, height, 'content', tile) : extractor.extract(image, width, height, 'content'),
      evaluator: async (targets, { width, height }, param, tile, input, iteration, masks) => {
        if (tile === 0) {
          const objective = await this.objectiveFor(param);
          iterationFeeds = (at, w, h) => objective.iterationFeeds(at, w, h, this.options.seed);
          return objective.bind(targets, width, height, input.feeds, masks);
        }
        if (!param.tileable) throw new UsageError(msg`${opt('parameterization')} ${param.name} cannot be combined with tiles; run with ${opt('tile')} off`);
        const tiled = await this.tiled();
        const onTile = input.onTile;
        const evaluator = tiled.bind(targets, width, height, tile, onTile ? (t) => onTile({ ...t, iteration: iteration() }) : undefined, masks);
        return Object.assign(evaluator, { tiles: tiled.tilesFor(width, height, tile).length });
      },
      iterationFeeds: (at, width, height) => iterationFeeds?.(at, width, height),
    };
  }

  private tiled(): Promise<TiledObjective> {
    const { ort, model, backend, terms, run } = this.parts;
    const net = { table: model.table, weights: model.weights };
    this.tiledObjective ??= TiledObjective.create(ort, net, this.options, { backend: backend.profile, terms, run });
    this.tiledObjective.catch(() => (this.tiledObjective = undefined));
    return this.tiledObjective;
  }

  /** Style targets at `side`, the same values whole or in tiles (so one cache serves both). */
  private styleTargetsAt(side: number, styles: RgbImage[], tile = 0): Promise<Targets> {
    // Styles prepared for one content image (colour control) are that run's own.
    if (styles.some((s, i) => s !== this.parts.styles[i])) return this.computeStyleTargets(side, styles, tile);
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
    const { extractor, styleMasks } = this.parts;
    const perStyle: Targets[] = [];
    // Targets a term cannot make in tiles are made whole (the memory estimate assumes none).
    if (tile > 0 && !(await this.tiled()).canExtract('style')) tile = 0;
    for (const [i, style] of styles.entries()) {
      const s = fitMaxSide(style.width, style.height, side);
      const input = toNetworkInput(resize(style, s.width, s.height), this.preprocessing);
      perStyle.push(
        tile > 0
          ? await (await this.tiled()).extract(input, s.width, s.height, 'style', tile, undefined, styleMasks?.[i])
          : await extractor.extract(input, s.width, s.height, 'style', styleMasks?.[i]),
      );
    }
    return extractor.styleTargets(perStyle, this.options.styleBlendWeights ?? this.parts.styles.map(() => 1));
  }
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export { IterateAverage } from './observers/iterate-average.js';
