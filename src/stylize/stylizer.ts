/**
 * A Stylizer compiles once and runs many times. `createStylizer` builds the two
 * onnxruntime sessions (features and objective; spatial sizes are symbolic, so one pair
 * serves every size) and computes the style images' targets lazily, once per style size;
 * `run()` then stylises one content image — a photo, a video frame, a tile, a queued job —
 * paying only for what depends on that content.
 *
 * One run, top to bottom (Gatys, Ecker & Bethge; jcjohnson/neural-style):
 *   1. colour control prepares the images (src/image/colour)
 *   2. the method (src/methods): its stages — one size, or coarse-to-fine sizes, or a
 *      method's scales — each a stage (stage.ts: targets, start, the optimisation loop,
 *      result), and its post-process
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
import { lossTerms, type LossTerm, type RunShape } from '../losses/index.js';
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
import type { InferenceSession } from 'onnxruntime-common';
import { encodeModel } from '../graph/encode.js';
import { loadWeights } from '../models/types.js';
import { TiledObjective } from '../tiles/tiled-objective.js';
import { methodOf, type Method, type MethodContext, type MethodStageOverrides } from '../methods/index.js';
import { chooseTile } from './preflight.js';
import { runStage, type StageContext } from './stage.js';
import { throwIfStopped, untilStopped } from '../util/abort.js';
import type { RunInput, StylizeResult } from './types.js';

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
  /**
   * The content image's width and height (any scale: only its aspect counts), when known
   * before the first run: the graphs' conv forms are then chosen for the maps a run at
   * `imageSize` has (a landscape photo's are not squares). Other shapes still run, with the
   * same results to float rounding; without it the forms are a square's.
   */
  contentShape?: { width: number; height: number };
}

export async function createStylizer(input: StylizerInput): Promise<Stylizer> {
  const resolved = resolveOptions(input.options, input.styles.length);
  checkMasks(input.styles.length, input.contentMasks, input.styleMasks);
  const method = methodOf(resolved);
  const terms = [...termsOf(input.terms ?? method.terms(resolved))];
  const run: RunShape = { styles: input.styles.length, masked: input.contentMasks !== undefined };
  method.check?.(resolved, run);
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
  const stylizer = new Stylizer({ ...input, options, method, terms, run, backend });
  try {
    // The first graphs now, so a run starts at once (and a graph that cannot be built fails here).
    await stylizer.prepare();
  } catch (err) {
    await stylizer.release();
    throw err;
  }
  return stylizer;
}

/** An optimiser for a run's options (the record of `optimizer`), continuing from `state` when given. */
export function makeOptimizer(o: StylizeOptions, state?: OptimizerState): Optimizer {
  return optimizerRecord(o.optimizer).create(o, state);
}

interface StylizerParts extends Omit<StylizerInput, 'options'> {
  options: StylizeOptions;
  method: Method;
  /** The method's terms (or the caller's): the default objective's. */
  terms: LossTerm[];
  run: RunShape;
  backend: BackendChoice;
}

/** One compiled graph per set of terms (and parameterisation): a method's stages may need several. */
const termsKey = (terms: readonly LossTerm[]) => terms.map((t) => t.name).join('+');

export class Stylizer {
  readonly options: StylizeOptions;
  /** The backend the sessions run on, and why it was chosen. */
  readonly backend: BackendChoice;
  /** The method the runs follow (src/methods). */
  readonly method: Method;
  /** Style targets by the style images' longest side: coarse-to-fine stages need one per size. */
  private readonly styleTargets = new Map<number, Promise<Targets>>();
  /** The tiled evaluator's sessions, compiled the first time a stage needs tiles. */
  private tiledObjective?: Promise<TiledObjective>;
  /**
   * Objectives by terms and parameterisation: one graph per pyramid depth (a small image
   * keeps fewer levels) and per set of terms a method's stage uses, compiled when first needed.
   */
  private readonly objectives = new Map<string, Promise<CompiledObjective>>();
  /** Forward-only features sessions, by set of terms. */
  private readonly extractors = new Map<string, Promise<FeatureExtractor>>();
  /** Sessions a method builds for itself (src/methods), by its key. */
  private readonly methodSessions = new Map<string, Promise<InferenceSession>>();

  constructor(private readonly parts: StylizerParts) {
    this.options = parts.options;
    this.backend = parts.backend;
    this.method = parts.method;
  }

  /** The image shape the graphs are tuned for (GraphSetup.shape): the content's at imageSize, if known. */
  private get shape() {
    const c = this.parts.contentShape;
    return c ? fitMaxSide(c.width, c.height, this.options.imageSize) : undefined;
  }

  private get net() {
    const { model } = this.parts;
    return { table: model.table, weights: model.weights, preprocessing: model.preprocessing };
  }

  /** The default objective and features sessions, built now (a method whose stages each build their own builds none). */
  async prepare(): Promise<void> {
    if (this.method.stageObjectives) return;
    await this.extractorFor(this.parts.terms);
    this.defaultObjective = await this.objectiveFor(parameterisationFor(this.options), this.parts.terms);
  }

  private defaultObjective?: CompiledObjective;

  private async objectiveFor(param: Parameterisation, terms: readonly LossTerm[]): Promise<CompiledObjective> {
    const key = `${param.key}|${termsKey(terms)}`;
    let hit = this.objectives.get(key);
    // A method whose stages each build their own objective keeps only the current one:
    // onnxruntime's CPU arena keeps each session's peak for good, and NNST's stages at
    // 512 px held 4.9 GiB, mostly arenas of stages already done.
    if (!hit && this.method.stageObjectives) await this.releaseObjectives();
    if (!hit) {
      const { ort, backend, run } = this.parts;
      hit = CompiledObjective.create(ort, this.net, this.options, { backend: backend.profile, terms, run, parameterisation: param, shape: this.shape });
      hit.catch(() => this.objectives.delete(key));
      this.objectives.set(key, hit);
    }
    return hit;
  }

  private async releaseObjectives(): Promise<void> {
    const done = [...this.objectives.values()];
    this.objectives.clear();
    await Promise.all(done.map((p) => p.then((o) => o.release(), () => undefined)));
  }

  private extractorFor(terms: readonly LossTerm[]): Promise<FeatureExtractor> {
    const key = termsKey(terms);
    let hit = this.extractors.get(key);
    if (!hit) {
      const { ort, backend, run } = this.parts;
      hit = FeatureExtractor.create(ort, this.net, this.options, { backend: backend.profile, terms, run, shape: this.shape });
      hit.catch(() => this.extractors.delete(key));
      this.extractors.set(key, hit);
    }
    return hit;
  }

  /** How this model's network input is made from an RGB image (per-run inputs are in that space). */
  get preprocessing(): LoadedModel['preprocessing'] {
    return this.parts.model.preprocessing;
  }

  /** The loss parts every run reports, in order (the default objective's). */
  get partNames(): string[] {
    return this.defaultObjective?.partNames ?? this.parts.terms.map((t) => t.name);
  }

  /** The tile size a stage runs with; 0 for the whole image at once. */
  tileFor(content: RgbImage, o: StylizeOptions, checkpoint = false): number {
    const { model, styles, terms, availableBytes, contentMasks } = this.parts;
    return chooseTile({ table: model.table, options: o, content, styles, terms, checkpoint, availableBytes, contentMasks });
  }

  /**
   * Stylise one content image (any size; the result's longer side is imageSize). Colour
   * control (src/image/colour) prepares the images before anything else and finishes the
   * result, its previews included; the method (src/methods) does the rest.
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
    const result = await this.method.run(this.methodContext(prepared.styles), run, settings);
    const { optimizerState: _, params: __, ...done } = result;
    return { ...done, image: finish(result.image) };
  }

  async release(): Promise<void> {
    const release = (p: Promise<{ release(): Promise<void> }> | undefined) => p?.then((t) => t.release(), () => undefined);
    await Promise.all([...this.objectives.values(), ...this.extractors.values(), ...this.methodSessions.values(), this.tiledObjective].map(release));
  }

  /** What the method works with: this Stylizer's sessions and stages, for one run's styles. */
  private methodContext(styles: RgbImage[]): MethodContext {
    const { ort, backend, model, contentMasks, styleMasks, run } = this.parts;
    return {
      ort,
      backend: backend.profile,
      table: model.table,
      weights: model.weights,
      preprocessing: model.preprocessing,
      styles,
      contentMasks,
      styleMasks,
      run,
      frameTerms: lossTerms().filter((t) => t.omitWhenOff && termWeight(t, this.options) !== 0 && !this.parts.terms.includes(t)),
      availableBytes: this.parts.availableBytes,
      stage: (input, o, overrides = {}) => runStage(this.stageContext(styles, overrides), input, o, overrides),
      extractor: (terms) => this.extractorFor(terms),
      releaseObjectives: () => this.releaseObjectives(),
      releaseSession: async (key) => {
        const hit = this.methodSessions.get(key);
        this.methodSessions.delete(key);
        await hit?.then((s) => s.release(), () => undefined);
      },
      session: (key, build) => {
        let hit = this.methodSessions.get(key);
        if (!hit) {
          // Weights read lazily (src/models/lazy-weights-node.ts) are read before their bytes are encoded.
          hit = loadWeights(model.weights).then(() => ort.InferenceSession.create(encodeModel(build(), key), backend.profile.sessionOptions()));
          hit.catch(() => this.methodSessions.delete(key));
          this.methodSessions.set(key, hit);
        }
        return hit;
      },
    };
  }

  /** What a stage reads from this Stylizer: its targets, its evaluators, its tiles. */
  private stageContext(styles: RgbImage[], overrides: MethodStageOverrides): StageContext {
    const terms = overrides.terms ?? this.parts.terms;
    let iterationFeeds: StageContext['iterationFeeds'];
    return {
      preprocessing: this.preprocessing,
      parameterisation: (width, height) => overrides.parameterisation ?? parameterisationFor(this.options, { width, height }),
      partNames: terms.map((t) => t.name),
      tileFor: (content, o, checkpoint) => (this.method.tileable && !overrides.terms ? this.tileFor(content, o, checkpoint) : 0),
      styleTargets: (side, tile, signal) => this.styleTargetsAt(side, styles, tile, signal),
      contentTargets: async (image, width, height, tile) =>
        tile > 0 ? (await this.tiled()).extract(image, width, height, 'content', tile) : (await this.extractorFor(terms)).extract(image, width, height, 'content'),
      evaluator: async (targets, { width, height }, param, tile, input, iteration, masks) => {
        if (tile === 0) {
          const objective = await this.objectiveFor(param, terms);
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

  /**
   * Style targets at `side`, the same values whole or in tiles (so one cache serves both).
   * A stop (`signal`) ends the wait at once: large styles at a large styleScale take longer
   * than the whole loop of a small image.
   */
  private styleTargetsAt(side: number, styles: RgbImage[], tile = 0, signal?: AbortSignal): Promise<Targets> {
    // Styles prepared for one content image (colour control) are that run's own.
    if (styles.some((s, i) => s !== this.parts.styles[i])) return this.computeStyleTargets(side, styles, tile, signal);
    let hit = this.styleTargets.get(side);
    if (!hit) {
      hit = this.computeStyleTargets(side, styles, tile, signal);
      // A failed extraction is not cached: the next run tries again.
      hit.catch(() => this.styleTargets.delete(side));
      this.styleTargets.set(side, hit);
    }
    return untilStopped(hit, signal);
  }

  /** Stopped (`signal`) between styles and between each style's steps; a session run already started finishes on its thread unwaited. */
  private async computeStyleTargets(side: number, styles: RgbImage[], tile = 0, signal?: AbortSignal): Promise<Targets> {
    const { styleMasks } = this.parts;
    const extractor = await this.extractorFor(this.parts.terms);
    const perStyle: Targets[] = [];
    // Targets a term cannot make in tiles are made whole (the memory estimate assumes none).
    if (tile > 0 && !(await this.tiled()).canExtract('style')) tile = 0;
    for (const [i, style] of styles.entries()) {
      throwIfStopped(signal);
      const s = fitMaxSide(style.width, style.height, side);
      const input = toNetworkInput(resize(style, s.width, s.height), this.preprocessing);
      throwIfStopped(signal);
      perStyle.push(
        await untilStopped(
          tile > 0
            ? (await this.tiled()).extract(input, s.width, s.height, 'style', tile, undefined, styleMasks?.[i])
            : extractor.extract(input, s.width, s.height, 'style', styleMasks?.[i]),
          signal,
        ),
      );
    }
    return extractor.styleTargets(perStyle, this.options.styleBlendWeights ?? this.parts.styles.map(() => 1));
  }
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export { IterateAverage } from './observers/iterate-average.js';
