/**
 * A loss term is a record, like a gradient rule: which layers it reads, which statistic
 * of the content or style images it compares against (computed once by the forward-only
 * features graph), which options it brings (its weight named among them), which inputs
 * its graph reads and who gives their values, and how it builds its unweighted loss node.
 * The objective graph, the features graph, the runtime's feeds, progress, `--json`, the
 * plot and the web chart all loop over the table in index.ts; a new term is a new file
 * and one line there. `defineTerm` types a term's own options from its records.
 */
import type { Dim, GraphBuilder } from '../graph/builder.js';
import type { LayerTable, Tensor } from '../models/types.js';
import type { Mask } from '../masks/types.js';
import type { BuiltinStylizeOptions } from '../options/stylize-options.js';
import type { OptionSpec, OptionValues } from '../options/types.js';
import type { Rng } from '../util/random.js';
import type { RunShape } from './run-shape.js';
import type { TargetSource } from './target-sources.js';

export { UNMASKED_RUN, type RunShape } from './run-shape.js';

/**
 * The options a term reads: its own (`O`, typed from its records), the library's, typed,
 * and anything else by key (other terms' options are theirs to type).
 */
export type TermOptions<O = unknown> = Readonly<O> & Readonly<Partial<BuiltinStylizeOptions>> & { readonly [option: string]: unknown };

/**
 * A choice a term makes from its options and the run (its target, its tiling). Written as
 * a method type so a term with typed options still fits the table's `LossTerm` (methods
 * compare their parameters both ways; plain function types would refuse it).
 */
export type ChoiceOf<O, R> = { choose(o: TermOptions<O>, run: RunShape): R }['choose'];

/**
 * An input a term's graph reads besides the image and its targets, and who gives its
 * values: the term itself per image `size` (masks at its layers, averaging vectors:
 * `feeds`), each `run` (a video's warped previous frame: RunInput.feeds), or the term anew
 * every `iteration` (sample positions, random offsets: `iterationFeeds`, from the run's
 * seeded randomness, so a run is reproducible and resumes exactly).
 */
export interface TermInput {
  name: string;
  dims: Dim[];
  per: 'size' | 'run' | 'iteration';
  /** Default float32; int64 for indices (sample positions gathered from a feature map). */
  elemType?: 'float32' | 'int64';
}

/** A value drawn for one iteration: floats, or int64 indices. */
export interface FeedValue {
  dims: number[];
  data: Float32Array | BigInt64Array;
}


/** Where a statistic's graph is being built (features graph) and how to declare inputs of its own. */
export interface StatisticBuild {
  layer: string;
  /** A graph input for this statistic at this layer (a mask's weights); named by the caller. */
  input(name: string, dims: Dim[]): string;
}

/** What a statistic's `feeds` gets for one image: its size, its mask if any, the network. */
export interface StatisticFeedContext {
  layer: string;
  width: number;
  height: number;
  table: LayerTable;
  channels: number;
  options: TermOptions;
  /** The image's mask (a style mask), any size (resized to the image); undefined means the whole image. */
  mask?: Mask;
}

/** A per-layer statistic of an image's features: the target a term compares against. */
export interface Statistic {
  /** Short name, unique per statistic: 'feature', 'gram'. */
  name: string;
  /** Build the statistic's node from a layer's activation (batch 1, C channels). */
  /** `ctx` is always given by the features graph; statistics that declare no inputs can ignore it. */
  build(g: GraphBuilder, feature: string, channels: number, ctx?: StatisticBuild): string;
  /** Its shape as a graph value (spatial sizes may be symbolic). */
  dims(channels: number, layer: string): Dim[];
  /** Values for the inputs `build` declared (keyed by the names it passed), for one image. */
  feeds?(ctx: StatisticFeedContext): Record<string, Tensor>;
  /**
   * Set when the statistic is a sum over positions divided by whole-image values only: built
   * on a tile's interior, with the inputs named in `perPosition` (maps [rows, h·w] over the
   * layer) cut to it and the others whole, it gives that tile's share, and the shares add up
   * to the image's statistic. Tiles then make its targets (src/tiles).
   */
  additive?: { perPosition: readonly string[] };
}

/**
 * A value computed once from a blended target, before the objective sees it (the W2
 * loss's Σ_s and Σ_s^½): a small graph of its own, run once per style size.
 */
export interface Derivation {
  build(g: GraphBuilder, target: string, channels: number): string;
  dims(channels: number): Dim[];
}

export interface TermTarget {
  statistic: Statistic;
  /** Where it comes from and how several style images combine (target-sources.ts). */
  from: TargetSource;
  derive?: Derivation;
}

/** What a term's `loss` gets to build with. */
export interface TermBuild<O = unknown> {
  g: GraphBuilder;
  /** The image, [1, 3, H, W] in network-input space. */
  image: string;
  /** The image as 0–1 planar RGB (the optimised value itself when optimising in RGB). */
  rgb(): string;
  options: TermOptions<O>;
  /** The term's layers in this run (`layers(options)`). */
  layers: string[];
  /** A layer's activation; with normalised gradients on, a fresh pass-through per call. */
  feature(layer: string): string;
  channels(layer: string): number;
  /** The graph input that holds this term's target statistic at `layer` (derived, stacked per style: see TermTarget). */
  target(layer: string): string;
  /** How many style images, and whether content masks make regions of them. */
  run: RunShape;
  /** One of the inputs the term declares (`inputs`), as a graph input. */
  input(name: string): string;
}

/** What a term's `feeds` gets when the objective is bound to an image size. */
export interface FeedContext<O = unknown> {
  options: TermOptions<O>;
  width: number;
  height: number;
  run: RunShape;
  /** The network's layers (spatial sizes per layer: src/network/geometry.ts). */
  table: LayerTable;
  channels(layer: string): number;
  /** One mask per style image, at the content's size, when the run is masked. */
  contentMasks?: readonly Mask[];
}

/** What a term's `iterationFeeds` gets: the size's context, the iteration, and randomness of its own. */
export interface IterationContext<O = unknown> extends FeedContext<O> {
  iteration: number;
  /** Seeded by the run's seed, the iteration and the term: the same draws on every run and resume. */
  random: Rng;
  /**
   * Randomness several terms share (STROTSS's terms all read one set of sample positions):
   * seeded by the run's seed, the iteration and `label`, so every term that asks for the
   * same label draws the same values, whichever of them the options leave in.
   */
  shared(label: string): Rng;
}

/** What a statistic tiling's pieces are built with, on one tile's crop (src/tiles). */
export interface TileBuild {
  g: GraphBuilder;
  layer: string;
  channels: number;
  /**
   * This tile's share of one of the term's own per-position values: the feed `name` of the
   * term's `feeds` for the whole image, a [rows, h·w] map over this layer's positions (a
   * content mask at the layer), cut to the tile's interior: [rows, n]. Cut from the whole
   * image's value, not remade for the tile, so the tile sees exactly what the untiled graph does.
   */
  crop(name: string, rows: number): string;
}

/** What a statistic tiling's loss is built with: the whole image's summed pieces, in the reduce graph. */
export interface ReduceBuild {
  g: GraphBuilder;
  layer: string;
  channels: number;
  /** 1 / (C·h·w) of the whole image's map at this layer (a scalar graph value). */
  perElement: string;
  /** 1 / (h·w), the same map's positions. */
  perPosition: string;
  /** One of the term's whole-image feeds (`feeds`, by name) as a graph input: region weights, counts. */
  input(name: string, dims: Dim[]): string;
}

/**
 * How a term's loss decomposes over tiles of the image, so that src/tiles can compute the
 * whole image's objective and its exact gradient one tile at a time, in memory bounded by
 * the tile (the features of a tile's interior equal the whole image's: see src/tiles):
 *  - `positions`: per layer, a sum over feature positions divided by the whole map's
 *    element count C·h·w (content: mean (F − P)²). Each tile adds `sum` over its interior,
 *    against the same crop of the target map; nothing global is needed.
 *  - `statistic`: per layer, a function `loss` of statistics that are sums over positions
 *    (style: the Gram product F Fᵀ; W2: Σ F and F Fᵀ; masked: (F ⊙ m)(F ⊙ m)ᵀ per region).
 *    A tile's `partial` gives its interior's pieces of them; pass 1 adds every tile's up;
 *    the loss and ∂L/∂(each piece) come from the totals; pass 2 sends Σ ⟨∂L/∂P, P_tile⟩
 *    back through each tile. Pieces are separate values, never packed in the graphs that
 *    differentiate them (the gradient rules have no Concat).
 *  - `rows`: on the image itself, a sum over rows in which each row reads at most `overlap`
 *    rows below it and the last `overlap` rows start nothing (TV: 1). It runs on horizontal
 *    bands of the whole width that overlap by that many rows.
 * `layerWeights`: the factor each layer's loss is multiplied by (per-layer weights), so the
 * tiles weigh the layers as the term's own `loss` does.
 * A term without it cannot be tiled; a tiled run that needs it says so.
 */
export type TermTiling =
  | {
      kind: 'positions';
      sum(g: GraphBuilder, feature: string, target: string, channels: number): string;
      layerWeights?(o: TermOptions, layers: readonly string[]): number[];
    }
  | {
      kind: 'statistic';
      /** The pieces' shapes at a layer of C channels (static: they are summed in TypeScript). */
      pieces(channels: number): number[][];
      /** The tile's interior's pieces, in the order of `pieces`. */
      partial(b: TileBuild, feature: string): string[];
      /** The layer's loss (before layer weights) from the whole image's summed pieces. */
      loss(b: ReduceBuild, sums: string[], target: string): string;
      /**
       * What the summed pieces, stacked along their first axis, are divided by to give the
       * target statistic, so that targets too can be made in tiles: the map's `elements`
       * C·h·w (a Gram matrix) or its `positions` h·w (W2's moments). Absent: the targets are
       * made from whole images (a masked run's guided Grams, one per style mask).
       */
      targets?: 'elements' | 'positions';
      layerWeights?(o: TermOptions, layers: readonly string[]): number[];
    }
  | { kind: 'rows'; overlap: number };

export interface LossTerm<O = unknown> {
  /** Its part's name in progress, `--json`, the plot and the chart: 'content', 'style', 'tv'. */
  name: string;
  /** For people: 'Content', 'Style', 'TV'. */
  label: string;
  /** The options this term brings, merged into the one options table. */
  options: readonly OptionSpec[];
  /**
   * The option (one of its own) its loss is multiplied by; 0 leaves it out of the graph
   * (its part reads 0).
   */
  weight: string;
  /** Network layers it reads; [] for a term on the image itself. */
  layers(o: TermOptions<O>): readonly string[];
  /** The target statistic per layer, and from which images; may depend on the options and the run. */
  target?: TermTarget | ChoiceOf<O, TermTarget | undefined>;
  /** Checks across this term's own options (counts that must agree), before any work. */
  check?(o: TermOptions<O>, run?: RunShape): void;
  /** The inputs its graph reads besides the image and targets, and who gives them (none: no inputs). */
  inputs?(o: TermOptions<O>, run: RunShape): TermInput[];
  /**
   * Whether jcjohnson's normalised gradients apply to it (the `normalizeGradients` option):
   * the gradient each of its layers sends back is divided by its L1 norm.
   */
  normalizable?: boolean;
  /** How it decomposes over tiles (src/tiles), or which way for these options and run; absent: the term cannot be tiled. */
  tiling?: TermTiling | ChoiceOf<O, TermTiling | undefined>;
  /** Values for its `size` inputs, for an image of the context's size. */
  feeds?(ctx: FeedContext<O>): Record<string, Tensor>;
  /** Values for its `iteration` inputs, drawn anew for each iteration. */
  iterationFeeds?(ctx: IterationContext<O>): Record<string, FeedValue>;
  /**
   * Leave the term out of a run whose options give it weight 0, part and all, rather than
   * reporting a part that reads 0: for terms only some runs have (the temporal loss).
   */
  omitWhenOff?: boolean;
  /** The term's loss before its weight: one scalar node. */
  loss(b: TermBuild<O>): string;
}

/**
 * A term with its own options typed from its records: `o.contentLayers` is a string[]
 * because the record says `kind: { type: 'layers' }`, with no cast and nothing written
 * twice. The weight must be one of its own options.
 */
export function defineTerm<const S extends readonly OptionSpec[]>(
  term: Omit<LossTerm<OptionValues<S>>, 'options' | 'weight'> & { options: S; weight: S[number]['key'] },
): LossTerm<OptionValues<S>> {
  return term;
}
