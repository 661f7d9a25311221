/**
 * The whole image's objective and its exact gradient, one tile at a time, behind the same
 * `Evaluator` interface as the compiled objective (optimisers do not change):
 *
 *   pass 1  for each tile: forward over its crop; add its interior's partial statistics
 *           (Gram products F Fᵀ) into the image's totals. Then, from the totals: each
 *           statistic term's part and ∂L/∂S (the reduce graph).
 *   pass 2  for each tile: forward + backward over its crop, from the positions terms'
 *           interior parts plus ⟨∂L/∂S, the interior's partial⟩; its whole gradient,
 *           margin included (a pixel near an edge feeds both tiles' features), is added
 *           into the image's gradient.
 *   rows    the image-space terms (TV) on bands of whole rows overlapping by a row.
 *
 * Each feature of the image belongs to exactly one interior and is computed there exactly
 * (layout.ts), so the sum over tiles is the whole image's loss and gradient up to float
 * rounding. Memory is that of one crop, plus the image-sized vectors. Targets are made the
 * same way, forward only: the content image's feature maps stitched from the interiors,
 * the style images' Grams summed over theirs.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { msg, NumericalError, opt, UsageError } from '../errors.js';
import type { GradOptions } from '../graph/builder.js';
import { encodeModel } from '../graph/encode.js';
import { targetOf, UNMASKED_RUN, type FeedContext, type LossTerm, type RunShape, type TargetSource, type TermOptions } from '../losses/index.js';
import { optionText, stylizeOptionSpecs } from '../options/index.js';
import type { Tensor } from '../models/types.js';
import type { NetworkSource } from '../network/vgg.js';
import { names } from '../objective/names.js';
import { activeTerms, termsOf } from '../objective/terms.js';
import type { Targets } from '../runtime/features.js';
import type { Evaluation, Evaluator } from '../runtime/objective.js';
import { backendOf, gradOptionsFor, type OrtModule, type SessionOptions } from '../runtime/ort.js';
import { addIntoMap, cropMap, writeIntoMap } from './crop.js';
import {
  buildReduceGraph,
  buildRowsGraph,
  buildStatisticsGraph,
  buildTileGraph,
  networkTerms,
  rowTerms,
  type StatisticOutput,
  tileNames,
} from './graphs.js';
import { type Box, featureLength, layoutTiles, type Tile, tileGeometry, type TileGeometry } from './layout.js';

/** Where a tiled evaluation is, for progress: which pass, which tile of how many. */
export interface TileProgress {
  pass: 'targets' | 'statistics' | 'gradient' | 'rows';
  tile: number;
  tiles: number;
}

export type TileListener = (t: TileProgress) => void | Promise<void>;

/** UsageError unless every active term says how it decomposes over tiles. */
export function checkTileable(terms: readonly LossTerm[], o: TermOptions, run: RunShape = UNMASKED_RUN): void {
  if (run.masked) throw new UsageError(msg`content masks cannot be combined with tiles yet; run with ${opt('tile')} off`);
  for (const spec of stylizeOptionSpecs()) {
    if (spec.untiled && o[spec.key] !== undefined && JSON.stringify(o[spec.key]) !== JSON.stringify(spec.default)) {
      throw new UsageError(msg`${opt(spec.key)} ${optionText(o[spec.key])} cannot be combined with tiles yet; run with ${opt('tile')} off`);
    }
  }
  for (const term of activeTerms(terms, o)) {
    if (!term.tiling) {
      throw new UsageError(msg`the loss term '${term.name}' does not say how it decomposes over tiles; run it with ${opt('tile')} off`);
    }
    if (term.feeds && Object.keys(term.feeds(unmaskedFeedContext(o)) ?? {}).length > 0) {
      throw new UsageError(msg`the loss term '${term.name}' has inputs of its own, which tiles cannot cut yet; run it with ${opt('tile')} off`);
    }
    if (term.tiling.kind !== 'rows' && !targetOf(term, o, UNMASKED_RUN)) throw new UsageError(`the loss term '${term.name}' reads the network but has no target`);
    if (term.tiling.kind !== 'rows' && term.normalizable && o.normalizeGradients === true) {
      // Each layer's gradient would be divided by its L1 norm over the whole image, which
      // is only known once every tile's gradient is: a third pass. Not worth it yet.
      throw new UsageError(msg`${opt('normalizeGradients')} cannot be combined with tiling; use ${opt('tile')} off or leave it out`);
    }
  }
}

interface StatSession {
  session: InferenceSession;
  outputs: StatisticOutput[];
}

export class TiledObjective {
  private readonly statSessions = new Map<string, Promise<StatSession>>();
  private readonly netTerms: LossTerm[];
  private readonly statTerms: LossTerm[];
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
    private readonly tileSession: InferenceSession | undefined,
    private readonly reduceSession: InferenceSession | undefined,
    private readonly rowsSession: InferenceSession | undefined,
  ) {
    this.netTerms = networkTerms(terms, options);
    this.statTerms = this.netTerms.filter((t) => t.tiling!.kind === 'statistic');
    this.rows = rowTerms(terms, options);
    this.geometry = geometryFor(net, options, terms);
    for (const t of this.netTerms) for (const l of t.layers(options)) this.channels.set(l, channelsOf(net, l));
  }

  get partNames(): string[] {
    return this.terms.map((t) => t.name);
  }

  static async create(
    ort: OrtModule,
    net: NetworkSource,
    options: TermOptions,
    session: SessionOptions,
    grad: Partial<GradOptions> = {},
    terms?: readonly LossTerm[],
  ): Promise<TiledObjective> {
    // The same terms as the whole-image objective, so a tiled run reports the same parts.
    const all = [...termsOf(terms, options)];
    checkTileable(all, options);
    const gradOptions = { ...gradOptionsFor(backendOf(session)), ...grad };
    const netTerms = networkTerms(all, options);
    const statTerms = netTerms.filter((t) => t.tiling!.kind === 'statistic');
    const rows = rowTerms(all, options);
    const { strides } = geometryFor(net, options, all);
    const made: InferenceSession[] = [];
    const make = async (graph: Parameters<typeof encodeModel>[0], name: string) => {
      const s = await ort.InferenceSession.create(encodeModel(graph, name), session);
      made.push(s);
      return s;
    };
    try {
      const tile = netTerms.length ? await make(buildTileGraph(net, options, netTerms, strides, gradOptions).graph, 'tile') : undefined;
      const channels = new Map<string, number>();
      for (const t of statTerms) for (const l of t.layers(options)) channels.set(l, channelsOf(net, l));
      const reduce = statTerms.length ? await make(buildReduceGraph(options, statTerms, channels), 'reduce') : undefined;
      const rowsSession = rows.length ? await make(buildRowsGraph(options, rows, gradOptions), 'rows') : undefined;
      return new TiledObjective(ort, net, options, session, all, tile, reduce, rowsSession);
    } catch (err) {
      await Promise.all(made.map((s) => s.release()));
      throw err;
    }
  }

  /** The tiles of a width × height image at this tile size. */
  tilesFor(width: number, height: number, tile: number): Tile[] {
    return layoutTiles(width, height, tile, this.geometry);
  }

  /** Targets from `from` images, tile by tile: the same values FeatureExtractor gives, up to rounding. */
  async extract(image: Float32Array, width: number, height: number, from: TargetSource, tile: number, onTile?: TileListener): Promise<Targets> {
    const wanted = this.netTerms.filter((t) => targetOf(t, this.options, UNMASKED_RUN)!.from === from);
    const targets: Targets = {};
    if (wanted.length === 0) return targets;
    const { session, outputs } = await this.statSession(wanted);
    const tiles = this.tilesFor(width, height, tile);
    const maps = new Map<string, Tensor>();
    const sums = new Map<string, Float64Array>();
    for (const [k, t] of tiles.entries()) {
      await onTile?.({ pass: 'targets', tile: k + 1, tiles: tiles.length });
      const out = await session.run(this.cropFeeds(image, width, height, t, session), outputs.map((o) => o.name));
      for (const o of outputs) {
        const r = out[o.name]!;
        const data = r.data as Float32Array;
        if (o.kind === 'statistic') add(sums, o.name, data);
        else {
          // A positions statistic is a map: its interior goes into the whole map.
          const [, c, , ] = r.dims as number[];
          const s = this.stride(o.layer);
          let full = maps.get(o.name);
          if (!full) {
            const dims = [1, c!, featureLength(height, s), featureLength(width, s)];
            maps.set(o.name, (full = { dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }));
          }
          writeIntoMap(full.data, c!, full.dims[3]!, full.dims[2]!, featureBox(t.interior, width, height, s), data);
        }
      }
    }
    for (const o of outputs) {
      const t = (targets[o.term] ??= new Map());
      if (o.kind === 'statistic') {
        const inv = this.invCount(o.layer, width, height);
        const s = sums.get(o.name)!;
        const data = new Float32Array(s.length);
        for (let i = 0; i < s.length; i++) data[i] = s[i]! * inv;
        t.set(o.layer, { dims: this.statisticDims(o), data });
      } else t.set(o.layer, maps.get(o.name)!);
    }
    return targets;
  }

  /** Fix the targets, the image size and the tile size; the evaluator is what optimisers call. */
  bind(targets: Targets, width: number, height: number, tile: number, onTile?: TileListener): Evaluator {
    const tiles = this.tilesFor(width, height, tile);
    const o = this.options;
    for (const term of this.netTerms) {
      for (const layer of term.layers(o)) if (!targets[term.name]?.get(layer)) throw new Error(`no ${term.name} target for ${layer}`);
    }
    const bands = rowBands(width, height, tiles, Math.max(0, ...this.rows.map((t) => (t.tiling as { overlap: number }).overlap)));
    const self = this;
    const partNames = this.partNames;
    return {
      width,
      height,
      async evaluate(x: Float32Array): Promise<Evaluation> {
        const parts = new Map<string, number>(partNames.map((p) => [p, 0]));
        const statGrads = await self.passOne(x, width, height, tiles, targets, parts, onTile);
        const grad = new Float32Array(x.length);
        await self.passTwo(x, width, height, tiles, targets, statGrads, parts, grad, onTile);
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
    await Promise.all([...stats, this.tileSession, this.reduceSession, this.rowsSession].map((s) => s?.release()));
  }

  /** Pass 1: the statistic terms' totals over every tile, their parts, and ∂L/∂S. */
  private async passOne(
    x: Float32Array,
    width: number,
    height: number,
    tiles: Tile[],
    targets: Targets,
    parts: Map<string, number>,
    onTile?: TileListener,
  ): Promise<Map<string, OrtTensor>> {
    const grads = new Map<string, OrtTensor>();
    if (this.statTerms.length === 0) return grads;
    const { session, outputs } = await this.statSession(this.statTerms);
    const sums = new Map<string, Float64Array>();
    for (const [k, t] of tiles.entries()) {
      await onTile?.({ pass: 'statistics', tile: k + 1, tiles: tiles.length });
      const out = await session.run(this.cropFeeds(x, width, height, t, session), outputs.map((s) => s.name));
      for (const s of outputs) add(sums, s.name, out[s.name]!.data as Float32Array);
    }
    const { Tensor } = this.ort;
    const feeds: Record<string, OrtTensor> = {};
    for (const s of outputs) {
      feeds[tileNames.sum(s.term, s.layer)] = new Tensor('float32', Float32Array.from(sums.get(s.name)!), this.statisticDims(s));
      feeds[tileNames.invCount(s.layer)] = new Tensor('float32', Float32Array.of(this.invCount(s.layer, width, height)), []);
      const target = targets[s.term]!.get(s.layer)!;
      feeds[names.target(s.term, s.layer)] = new Tensor('float32', target.data, target.dims);
    }
    const session2 = this.reduceSession!;
    const out = await session2.run(feeds);
    for (const term of this.statTerms) parts.set(term.name, (out[names.part(term.name)]!.data as Float32Array)[0]!);
    for (const s of outputs) grads.set(tileNames.statGrad(s.term, s.layer), out[tileNames.statGrad(s.term, s.layer)]!);
    return grads;
  }

  /** Pass 2: every tile's forward and backward; its gradient added into the image's. */
  private async passTwo(
    x: Float32Array,
    width: number,
    height: number,
    tiles: Tile[],
    targets: Targets,
    statGrads: Map<string, OrtTensor>,
    parts: Map<string, number>,
    grad: Float32Array,
    onTile?: TileListener,
  ): Promise<void> {
    const session = this.tileSession;
    if (!session) return;
    const { Tensor } = this.ort;
    const o = this.options;
    const positions = this.netTerms.filter((t) => t.tiling!.kind === 'positions');
    const sums = new Map<string, number>(positions.map((t) => [t.name, 0]));
    const fetches = [...positions.map((t) => names.part(t.name)), names.grad];
    for (const [k, t] of tiles.entries()) {
      await onTile?.({ pass: 'gradient', tile: k + 1, tiles: tiles.length });
      const feeds = this.cropFeeds(x, width, height, t, session);
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

  private statSession(terms: LossTerm[]): Promise<StatSession> {
    const key = terms.map((t) => t.name).join(',');
    let hit = this.statSessions.get(key);
    if (!hit) {
      hit = (async () => {
        const { graph, outputs } = buildStatisticsGraph(this.net, this.options, terms, this.geometry.strides);
        return { session: await this.ort.InferenceSession.create(encodeModel(graph, 'tile-statistics'), this.session), outputs };
      })();
      hit.catch(() => this.statSessions.delete(key));
      this.statSessions.set(key, hit);
    }
    return hit;
  }

  /** The crop's pixels and, per stride the session reads, where its interior lies. */
  private cropFeeds(x: Float32Array, width: number, height: number, t: Tile, session: InferenceSession): Record<string, OrtTensor> {
    const { Tensor } = this.ort;
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

  private statisticDims(o: StatisticOutput): number[] {
    const term = this.netTerms.find((t) => t.name === o.term)!;
    return targetOf(term, this.options, UNMASKED_RUN)!.statistic.dims(o.channels, o.layer) as number[];
  }
}

function geometryFor(net: NetworkSource, o: TermOptions, terms: readonly LossTerm[]): TileGeometry {
  return tileGeometry(net.table, [...new Set(networkTerms(terms, o).flatMap((t) => t.layers(o)))]);
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
function unmaskedFeedContext(o: TermOptions): FeedContext {
  return {
    options: o,
    width: 1,
    height: 1,
    run: UNMASKED_RUN,
    table: { architecture: 'vgg19', layers: [] },
    channels: () => 1,
  } as unknown as FeedContext;
}
