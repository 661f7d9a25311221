/**
 * The whole image's objective and its exact gradient, one tile at a time, behind the same
 * `Evaluator` interface as the compiled objective (optimisers do not change):
 *
 *   pass 1  for each tile: forward over its crop; add its interior's pieces of each
 *           statistic (Gram products F Fᵀ; Σ F for W2; (F⊙m)(F⊙m)ᵀ per masked region, m
 *           cut from the whole image's mask at the layer) into the image's totals. Then,
 *           from the totals: each statistic term's part and ∂L/∂P (the reduce graph).
 *   pass 2  for each tile: forward + backward over its crop, from the positions terms'
 *           interior parts plus Σ ⟨∂L/∂P, the interior's pieces⟩; its whole gradient,
 *           margin included (a pixel near an edge feeds both tiles' features), is added
 *           into the image's gradient.
 *   rows    the image-space terms (TV) on bands of whole rows overlapping by a row.
 *
 * Each feature of the image belongs to exactly one interior and is computed there exactly
 * (layout.ts), so the sum over tiles is the whole image's loss and gradient up to float
 * rounding. Memory is that of one crop, plus the image-sized vectors. Targets are made the
 * same way, forward only: the content image's feature maps stitched from the interiors,
 * the style images' pieces summed over theirs (Grams, W2's moments), or, in a masked run,
 * the shares of their guided Grams under their style masks (additive statistics).
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { msg, NumericalError, opt, UsageError } from '../errors.js';
import type { GraphForms } from '../graph/passes/index.js';
import { encodeModel } from '../graph/encode.js';
import { loadWeights } from '../models/types.js';
import { inputsOf, targetOf, tilingOf, UNMASKED_RUN, type FeedContext, type LossTerm, type RunShape, type TermOptions } from '../losses/index.js';
import type { Mask } from '../masks/index.js';
import { optionText, stylizeOptionSpecs } from '../options/index.js';
import type { Tensor } from '../models/types.js';
import type { NetworkSource } from '../network/vgg.js';
import { names } from '../objective/names.js';
import { activeTerms, termsOf } from '../objective/terms.js';
import type { Targets } from '../runtime/features.js';
import { graphForms, type SessionOptions } from '../backends/index.js';
import { resolveSetup, type Evaluation, type Evaluator, type GraphSetup } from '../runtime/objective.js';
import type { OrtModule } from '../runtime/ort.js';
import { addIntoMap, cropMap, writeIntoMap } from './crop.js';
import {
  buildReduceGraph,
  buildRowsGraph,
  buildStatisticsGraph,
  buildTileGraph,
  networkTerms,
  rowTerms,
  type CropInput,
  type StatisticOutput,
  type TiledTerm,
  tileNames,
} from './graphs.js';
import { type Box, featureLength, layoutTiles, type Tile, tileGeometry, type TileGeometry } from './layout.js';

import type { TileListener } from './progress.js';

export type { TileListener, TileProgress } from './progress.js';

/** UsageError unless every active term says how it decomposes over tiles in this run. */
export function checkTileable(terms: readonly LossTerm[], o: TermOptions, run: RunShape = UNMASKED_RUN): void {
  for (const spec of stylizeOptionSpecs()) {
    if (spec.untiled && o[spec.key] !== undefined && JSON.stringify(o[spec.key]) !== JSON.stringify(spec.default)) {
      throw new UsageError(msg`${opt(spec.key)} ${optionText(o[spec.key])} cannot be combined with tiles yet; run with ${opt('tile')} off`);
    }
  }
  for (const term of activeTerms(terms, o)) {
    const tiling = tilingOf(term, o, run);
    if (!tiling) {
      const how = run.masked ? ' with content masks' : '';
      throw new UsageError(msg`the loss term '${term.name}' does not say how it decomposes over tiles${how}; run it with ${opt('tile')} off`);
    }
    // A rows tiling runs the term's own loss on bands: inputs of its own would need cutting
    // too; and inputs given per run or drawn per iteration are whole-image values tiles never cut.
    const inputs = inputsOf(term, o, run);
    if ((tiling.kind === 'rows' && inputs.length > 0) || inputs.some((i) => i.per !== 'size')) {
      throw new UsageError(msg`the loss term '${term.name}' has inputs of its own, which tiles cannot cut yet; run it with ${opt('tile')} off`);
    }
    if (tiling.kind !== 'rows' && !targetOf(term, o, run)) throw new UsageError(`the loss term '${term.name}' reads the network but has no target`);
    if (tiling.kind !== 'rows' && term.normalizable && o.normalizeGradients === true) {
      // Each layer's gradient would be divided by its L1 norm over the whole image, which
      // is only known once every tile's gradient is: a third pass. Not worth it yet.
      throw new UsageError(msg`${opt('normalizeGradients')} cannot be combined with tiling; use ${opt('tile')} off or leave it out`);
    }
  }
}

interface StatSession {
  session: InferenceSession;
  outputs: StatisticOutput[];
  crops: Map<string, CropInput>;
}

/** What a bound evaluator carries per image: the terms' whole-image feeds, cut per tile where the graphs ask. */
interface Bound {
  width: number;
  height: number;
  feeds: Record<string, Tensor>;
}

export class TiledObjective {
  private readonly statSessions = new Map<string, Promise<StatSession>>();
  private readonly netTerms: TiledTerm[];
  private readonly statTerms: TiledTerm[];
  private readonly rows: LossTerm[];
  readonly geometry: TileGeometry;
  /** Channels per layer read. */
  private channels = new Map<string, number>();

  private constructor(
    private readonly ort: OrtModule,
    private readonly net: NetworkSource,
    readonly options: TermOptions,
    private readonly session: SessionOptions,
    readonly terms: readonly LossTerm[],
    readonly run: RunShape,
    private readonly tileSession: { session: InferenceSession; crops: Map<string, CropInput> } | undefined,
    private readonly reduceSession: { session: InferenceSession; inputs: Set<string> } | undefined,
    private readonly rowsSession: InferenceSession | undefined,
    /** The conv forms the tile graphs take (the statistics graphs are built later, on demand). */
    private readonly forms: Partial<GraphForms>,
  ) {
    this.netTerms = networkTerms(terms, options, run);
    this.statTerms = this.netTerms.filter((t) => t.tiling.kind === 'statistic');
    this.rows = rowTerms(terms, options, run);
    this.geometry = geometryFor(net, options, terms, run);
    for (const t of this.netTerms) for (const l of t.term.layers(options)) this.channels.set(l, channelsOf(net, l));
  }

  get partNames(): string[] {
    return this.terms.map((t) => t.name);
  }

  /** `run`: how many styles and whether content masks make regions of them (masks then come to `bind`). */
  static async create(ort: OrtModule, net: NetworkSource, options: TermOptions, setup: GraphSetup = {}): Promise<TiledObjective> {
    const { backend, terms, run } = resolveSetup(options, setup);
    const session = backend.sessionOptions();
    // The same terms as the whole-image objective, so a tiled run reports the same parts.
    const all = [...termsOf(terms, options)];
    checkTileable(all, options, run);
    // Conv forms are picked for a tile's size when it is given, else for the whole image's.
    const gradOptions = { ...graphForms(backend, options, typeof options.tile === 'number' ? { width: options.tile, height: options.tile } : undefined), ...setup.forms };
    const netTerms = networkTerms(all, options, run);
    const statTerms = netTerms.filter((t) => t.tiling.kind === 'statistic');
    const rows = rowTerms(all, options, run);
    const { strides } = geometryFor(net, options, all, run);
    const made: InferenceSession[] = [];
    const make = async (graph: Parameters<typeof encodeModel>[0], name: string) => {
      // Weights read lazily (src/models/lazy-weights-node.ts) are read before their bytes are encoded.
      await loadWeights(net.weights);
      const s = await ort.InferenceSession.create(encodeModel(graph, name), session);
      made.push(s);
      return s;
    };
    try {
      let tile: { session: InferenceSession; crops: Map<string, CropInput> } | undefined;
      if (netTerms.length) {
        const built = buildTileGraph(net, options, netTerms, strides, gradOptions);
        tile = { session: await make(built.graph, 'tile'), crops: built.crops };
      }
      const channels = new Map<string, number>();
      for (const t of statTerms) for (const l of t.term.layers(options)) channels.set(l, channelsOf(net, l));
      let reduce: { session: InferenceSession; inputs: Set<string> } | undefined;
      if (statTerms.length) {
        const built = buildReduceGraph(options, statTerms, channels, run);
        reduce = { session: await make(built.graph, 'reduce'), inputs: built.inputs };
      }
      const rowsSession = rows.length ? await make(buildRowsGraph(options, rows, gradOptions), 'rows') : undefined;
      return new TiledObjective(ort, net, options, session, all, run, tile, reduce, rowsSession, gradOptions);
    } catch (err) {
      await Promise.all(made.map((s) => s.release()));
      throw err;
    }
  }

  /** The tiles of a width × height image at this tile size. */
  tilesFor(width: number, height: number, tile: number): Tile[] {
    return layoutTiles(width, height, tile, this.geometry);
  }

  /** Whether the targets from `from` images can be made in tiles in this run: from pieces, or as additive statistics. */
  canExtract(from: 'content' | 'style'): boolean {
    return this.wanted(from).every((t) => t.tiling.kind === 'positions' || t.tiling.targets !== undefined || t.target.statistic.additive !== undefined);
  }

  private wanted(from: 'content' | 'style'): TiledTerm[] {
    return this.netTerms.filter((t) => t.target.from.images === from);
  }

  /**
   * Targets from `from` images, tile by tile: the same values FeatureExtractor gives, up to
   * rounding; `mask` is a style image's style mask (a masked run's), as FeatureExtractor takes it.
   */
  async extract(
    image: Float32Array,
    width: number,
    height: number,
    from: 'content' | 'style',
    tile: number,
    onTile?: TileListener,
    mask?: Mask,
  ): Promise<Targets> {
    const wanted = this.wanted(from);
    const targets: Targets = {};
    if (wanted.length === 0) return targets;
    if (!this.canExtract(from)) throw new Error(`the ${from} targets of this run cannot be made in tiles: make them from the whole images`);
    const { session, outputs, crops } = await this.statSession(wanted, 'targets');
    const tiles = this.tilesFor(width, height, tile);
    const maps = new Map<string, Tensor>();
    const sums = new Map<string, Float64Array>();
    // An additive statistic's own values for the whole image (a style mask at the layer, its count).
    const bound: Bound = { width, height, feeds: {} };
    for (const o of outputs) {
      const { statistic } = this.netTerms.find((n) => n.term.name === o.term)!.target;
      if (o.inputs.size === 0 || !statistic.feeds) continue;
      const values = statistic.feeds({ layer: o.layer, width, height, table: this.net.table, channels: o.channels, options: this.options, mask });
      for (const [short, t] of Object.entries(values)) bound.feeds[o.inputs.get(short)!] = t;
    }
    for (const [k, t] of tiles.entries()) {
      await onTile?.({ pass: 'targets', tile: k + 1, tiles: tiles.length });
      const out = await session.run(this.cropFeeds(image, bound, t, session, crops), outputs.flatMap((o) => o.names));
      for (const o of outputs) {
        if (o.kind !== 'positions') {
          for (const name of o.names) add(sums, name, out[name]!.data as Float32Array);
          continue;
        }
        // A positions statistic is a map: its interior goes into the whole map.
        const r = out[o.names[0]!]!;
        const [, c, , ] = r.dims as number[];
        const s = this.stride(o.layer);
        let full = maps.get(o.names[0]!);
        if (!full) {
          const dims = [1, c!, featureLength(height, s), featureLength(width, s)];
          maps.set(o.names[0]!, (full = { dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }));
        }
        writeIntoMap(full.data, c!, full.dims[3]!, full.dims[2]!, featureBox(t.interior, width, height, s), r.data as Float32Array);
      }
    }
    for (const o of outputs) {
      const t = (targets[o.term] ??= new Map());
      const term = this.netTerms.find((n) => n.term.name === o.term)!;
      if (o.kind === 'statistic' && term.tiling.kind === 'statistic') {
        // The pieces stacked along their first axis (row-major: one after another), normalised.
        const inv = term.tiling.targets === 'positions' ? this.invPositions(o.layer, width, height) : this.invCount(o.layer, width, height);
        const parts = o.names.map((n) => sums.get(n)!);
        const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
        let at = 0;
        for (const p of parts) for (let i = 0; i < p.length; i++) data[at++] = p[i]! * inv;
        t.set(o.layer, { dims: term.target.statistic.dims(o.channels, o.layer) as number[], data });
      } else if (o.kind === 'additive') {
        // The tiles' shares add up to the statistic itself.
        t.set(o.layer, { dims: term.target.statistic.dims(o.channels, o.layer) as number[], data: Float32Array.from(sums.get(o.names[0]!)!) });
      } else t.set(o.layer, maps.get(o.names[0]!)!);
    }
    return targets;
  }

  /**
   * Fix the targets, the image size and the tile size; the evaluator is what optimisers
   * call. A masked run gives its content masks (one per style, at the image's size).
   */
  bind(targets: Targets, width: number, height: number, tile: number, onTile?: TileListener, contentMasks?: readonly Mask[]): Evaluator {
    const tiles = this.tilesFor(width, height, tile);
    const o = this.options;
    for (const { term } of this.netTerms) {
      for (const layer of term.layers(o)) if (!targets[term.name]?.get(layer)) throw new Error(`no ${term.name} target for ${layer}`);
    }
    const bound: Bound = { width, height, feeds: this.wholeFeeds(width, height, contentMasks) };
    const bands = rowBands(width, height, tiles, Math.max(0, ...this.rows.map((t) => (tilingOf(t, o, this.run) as { overlap: number }).overlap)));
    const self = this;
    const partNames = this.partNames;
    return {
      width,
      height,
      async evaluate(x: Float32Array): Promise<Evaluation> {
        const parts = new Map<string, number>(partNames.map((p) => [p, 0]));
        const statGrads = await self.passOne(x, bound, tiles, targets, parts, onTile);
        const grad = new Float32Array(x.length);
        await self.passTwo(x, bound, tiles, targets, statGrads, parts, grad, onTile);
        await self.rowsPass(x, width, height, bands, parts, grad, onTile);
        const values = partNames.map((p) => parts.get(p)!);
        const result: Evaluation = {
          loss: values.reduce((a, b) => a + b, 0),
          grad,
          parts: Object.fromEntries(partNames.map((p, i) => [p, values[i]!])),
        };
        if (!Number.isFinite(result.loss)) {
          throw new NumericalError(`the loss became ${result.loss} (${partNames.map((p) => `${p} ${result.parts[p]}`).join(', ')})`);
        }
        return result;
      },
    };
  }

  async release(): Promise<void> {
    const stats = await Promise.all([...this.statSessions.values()].map((p) => p.then((s) => s.session, () => undefined)));
    await Promise.all([...stats, this.tileSession?.session, this.reduceSession?.session, this.rowsSession].map((s) => s?.release()));
  }

  /** The network terms' own values for the whole image (masks at each layer, counts, region weights), as the untiled objective gets them. */
  private wholeFeeds(width: number, height: number, contentMasks?: readonly Mask[]): Record<string, Tensor> {
    if (this.run.masked && (!contentMasks || contentMasks.length !== this.run.styles)) {
      throw new Error(`a masked tiled objective needs ${this.run.styles} content masks, got ${contentMasks?.length ?? 0}`);
    }
    const ctx: FeedContext = { options: this.options, width, height, run: this.run, table: this.net.table, channels: (l) => this.channels.get(l)!, contentMasks };
    const feeds: Record<string, Tensor> = {};
    for (const { term } of this.netTerms) Object.assign(feeds, term.feeds?.(ctx) ?? {});
    return feeds;
  }

  /** Pass 1: the statistic terms' summed pieces over every tile, their parts, and ∂L/∂(each piece). */
  private async passOne(
    x: Float32Array,
    bound: Bound,
    tiles: Tile[],
    targets: Targets,
    parts: Map<string, number>,
    onTile?: TileListener,
  ): Promise<Map<string, OrtTensor>> {
    const grads = new Map<string, OrtTensor>();
    if (this.statTerms.length === 0) return grads;
    const { width, height } = bound;
    const { session, outputs, crops } = await this.statSession(this.statTerms);
    const sums = new Map<string, Float64Array>();
    for (const [k, t] of tiles.entries()) {
      await onTile?.({ pass: 'statistics', tile: k + 1, tiles: tiles.length });
      const out = await session.run(this.cropFeeds(x, bound, t, session, crops), outputs.flatMap((s) => s.names));
      for (const s of outputs) for (const name of s.names) add(sums, name, out[name]!.data as Float32Array);
    }
    const { Tensor } = this.ort;
    const { session: reduce, inputs } = this.reduceSession!;
    const feeds: Record<string, OrtTensor> = {};
    for (const s of outputs) {
      s.names.forEach((name, k) => {
        feeds[tileNames.sum(s.term, s.layer, k)] = new Tensor('float32', Float32Array.from(sums.get(name)!), s.pieces[k]!);
      });
      feeds[tileNames.invCount(s.layer)] = new Tensor('float32', Float32Array.of(this.invCount(s.layer, width, height)), []);
      feeds[tileNames.invPositions(s.layer)] = new Tensor('float32', Float32Array.of(this.invPositions(s.layer, width, height)), []);
      const target = targets[s.term]!.get(s.layer)!;
      feeds[names.target(s.term, s.layer)] = new Tensor('float32', target.data, target.dims);
    }
    for (const name of inputs) {
      const v = bound.feeds[name];
      if (!v) throw new Error(`the reduce graph reads ${name}, which no term feeds`);
      feeds[name] = new Tensor('float32', v.data, v.dims);
    }
    const out = await reduce.run(feeds);
    for (const { term } of this.statTerms) parts.set(term.name, (out[names.part(term.name)]!.data as Float32Array)[0]!);
    for (const s of outputs) {
      s.names.forEach((_, k) => grads.set(tileNames.pieceGrad(s.term, s.layer, k), out[tileNames.pieceGrad(s.term, s.layer, k)]!));
    }
    return grads;
  }

  /** Pass 2: every tile's forward and backward; its gradient added into the image's. */
  private async passTwo(
    x: Float32Array,
    bound: Bound,
    tiles: Tile[],
    targets: Targets,
    statGrads: Map<string, OrtTensor>,
    parts: Map<string, number>,
    grad: Float32Array,
    onTile?: TileListener,
  ): Promise<void> {
    if (!this.tileSession) return;
    const { session, crops } = this.tileSession;
    const { width, height } = bound;
    const { Tensor } = this.ort;
    const o = this.options;
    const positions = this.netTerms.filter((t) => t.tiling.kind === 'positions').map((t) => t.term);
    const sums = new Map<string, number>(positions.map((t) => [t.name, 0]));
    const fetches = [...positions.map((t) => names.part(t.name)), names.grad];
    for (const [k, t] of tiles.entries()) {
      await onTile?.({ pass: 'gradient', tile: k + 1, tiles: tiles.length });
      const feeds = this.cropFeeds(x, bound, t, session, crops);
      for (const [name, v] of statGrads) feeds[name] = v;
      for (const layer of this.channels.keys()) {
        const name = tileNames.invCount(layer);
        if (session.inputNames.includes(name)) feeds[name] = new Tensor('float32', Float32Array.of(this.invCount(layer, width, height)), []);
      }
      for (const term of positions) {
        for (const layer of term.layers(o)) {
          const full = targets[term.name]!.get(layer)!;
          const [, c, fh, fw] = full.dims as number[];
          const box = featureBox(t.interior, width, height, this.stride(layer));
          feeds[tileNames.tileTarget(term.name, layer)] = new Tensor('float32', cropMap(full.data, c!, fw!, fh!, box), [
            1,
            c!,
            box.y1 - box.y0,
            box.x1 - box.x0,
          ]);
        }
      }
      const out = await session.run(feeds, fetches);
      for (const term of positions) sums.set(term.name, sums.get(term.name)! + (out[names.part(term.name)]!.data as Float32Array)[0]!);
      addIntoMap(grad, 3, width, height, t.crop, out[names.grad]!.data as Float32Array);
    }
    for (const [name, v] of sums) parts.set(name, v);
  }

  /** The image-space terms on bands of whole rows. */
  private async rowsPass(
    x: Float32Array,
    width: number,
    height: number,
    bands: Box[],
    parts: Map<string, number>,
    grad: Float32Array,
    onTile?: TileListener,
  ): Promise<void> {
    const session = this.rowsSession;
    if (!session) return;
    const sums = new Map<string, number>(this.rows.map((t) => [t.name, 0]));
    for (const [k, band] of bands.entries()) {
      await onTile?.({ pass: 'rows', tile: k + 1, tiles: bands.length });
      const crop = cropMap(x, 3, width, height, band);
      const feeds = { [names.image]: new this.ort.Tensor('float32', crop, [1, 3, band.y1 - band.y0, width]) };
      const out = await session.run(feeds);
      for (const term of this.rows) sums.set(term.name, sums.get(term.name)! + (out[names.part(term.name)]!.data as Float32Array)[0]!);
      addIntoMap(grad, 3, width, height, band, out[names.grad]!.data as Float32Array);
    }
    for (const [name, v] of sums) parts.set(name, v);
  }

  private statSession(terms: TiledTerm[], purpose: 'pass' | 'targets' = 'pass'): Promise<StatSession> {
    const key = `${purpose}:${terms.map((t) => t.term.name).join(',')}`;
    let hit = this.statSessions.get(key);
    if (!hit) {
      hit = (async () => {
        const { graph, outputs, crops } = buildStatisticsGraph(this.net, this.options, terms, this.geometry.strides, purpose, this.forms);
        await loadWeights(this.net.weights);
        return { session: await this.ort.InferenceSession.create(encodeModel(graph, 'tile-statistics'), this.session), outputs, crops };
      })();
      hit.catch(() => this.statSessions.delete(key));
      this.statSessions.set(key, hit);
    }
    return hit;
  }

  /**
   * The crop's pixels; per stride the session reads, where its interior lies; and the
   * interior's cut of each whole-image feed the session takes as a crop (a mask at a layer).
   */
  private cropFeeds(x: Float32Array, bound: Bound, t: Tile, session: InferenceSession, crops: Map<string, CropInput>): Record<string, OrtTensor> {
    const { Tensor } = this.ort;
    const { width, height } = bound;
    const { crop } = t;
    const feeds: Record<string, OrtTensor> = {
      [names.image]: new Tensor('float32', cropMap(x, 3, width, height, crop), [1, 3, crop.y1 - crop.y0, crop.x1 - crop.x0]),
    };
    const inputs = new Set(session.inputNames);
    for (const s of new Set(this.geometry.strides.values())) {
      if (!inputs.has(tileNames.starts(s))) continue;
      const whole = featureBox(t.interior, width, height, s);
      const [cx, cy] = [crop.x0 / s, crop.y0 / s];
      const [fw, fh] = [featureLength(crop.x1 - crop.x0, s), featureLength(crop.y1 - crop.y0, s)];
      const box = { x0: whole.x0 - cx, y0: whole.y0 - cy, x1: whole.x1 - cx, y1: whole.y1 - cy };
      const i64 = (v: number[]) => new Tensor('int64', BigInt64Array.from(v.map(BigInt)), [v.length]);
      feeds[tileNames.starts(s)] = i64([box.y0, box.x0]);
      feeds[tileNames.ends(s)] = i64([box.y1, box.x1]);
      feeds[tileNames.pads(s)] = i64([0, 0, box.y0, box.x0, 0, 0, fh - box.y1, fw - box.x1]);
    }
    // The session's inputs fed whole (a statistic's count): as the whole image has them.
    for (const name of session.inputNames) {
      const v = bound.feeds[name];
      if (v && !crops.has(name)) feeds[name] = new Tensor('float32', v.data, v.dims);
    }
    for (const [name, { layer, rows }] of crops) {
      const full = bound.feeds[name];
      const s = this.stride(layer);
      const [fw, fh] = [featureLength(width, s), featureLength(height, s)];
      if (!full || full.data.length !== rows * fw * fh) {
        throw new Error(`the tiles cut ${name} as ${rows} × ${fw}×${fh} values at ${layer}, but it is ${full ? `[${full.dims.join(', ')}]` : 'not fed'}`);
      }
      // The whole image's value at this layer, cut to the interior: what the untiled graph sees there.
      const box = featureBox(t.interior, width, height, s);
      feeds[name] = new Tensor('float32', cropMap(full.data as Float32Array, rows, fw, fh, box), [rows, (box.x1 - box.x0) * (box.y1 - box.y0)]);
    }
    return feeds;
  }

  private stride(layer: string): number {
    return this.geometry.strides.get(layer)!;
  }

  /** 1 / (C·h·w) of the whole image's map at a layer: the normalisation every tile shares. */
  private invCount(layer: string, width: number, height: number): number {
    const s = this.stride(layer);
    return 1 / (this.channels.get(layer)! * featureLength(width, s) * featureLength(height, s));
  }

  /** 1 / (h·w) of the same map: its positions. */
  private invPositions(layer: string, width: number, height: number): number {
    const s = this.stride(layer);
    return 1 / (featureLength(width, s) * featureLength(height, s));
  }
}

function geometryFor(net: NetworkSource, o: TermOptions, terms: readonly LossTerm[], run: RunShape): TileGeometry {
  return tileGeometry(net.table, [...new Set(networkTerms(terms, o, run).flatMap((t) => t.term.layers(o)))]);
}

function channelsOf(net: NetworkSource, layer: string): number {
  const i = net.table.layers.findIndex((l) => l.name === layer);
  for (let k = i; k >= 0; k--) {
    const l = net.table.layers[k]!;
    if (l.kind === 'conv') return net.weights.get(l.name)!.weight.dims[0]!;
  }
  return 3;
}

/** A tile's interior at stride s, in the whole feature map's coordinates (the last tiles reach its floored end). */
export function featureBox(interior: Box, width: number, height: number, s: number): Box {
  return {
    x0: interior.x0 / s,
    y0: interior.y0 / s,
    x1: interior.x1 === width ? featureLength(width, s) : interior.x1 / s,
    y1: interior.y1 === height ? featureLength(height, s) : interior.y1 / s,
  };
}

/** Bands of whole rows, about a crop's area each, each reaching `overlap` rows into the next. */
function rowBands(width: number, height: number, tiles: Tile[], overlap: number): Box[] {
  const area = Math.max(...tiles.map((t) => (t.crop.x1 - t.crop.x0) * (t.crop.y1 - t.crop.y0)));
  const rows = Math.max(overlap + 1, 16, Math.floor(area / width));
  const bands: Box[] = [];
  for (let y = 0; y < height; y += rows) {
    const end = Math.min(height, y + rows + overlap);
    bands.push({ x0: 0, y0: y, x1: width, y1: end });
    if (end === height) break;
  }
  return bands;
}

function add(sums: Map<string, Float64Array>, name: string, data: Float32Array): void {
  let s = sums.get(name);
  if (!s) sums.set(name, (s = new Float64Array(data.length)));
  for (let i = 0; i < data.length; i++) s[i]! += data[i]!;
}

/** What a term's `feeds` sees for an unmasked run, enough to ask whether it feeds anything. */
