/**
 * A loss term is a record, like a gradient rule: which layers it reads, which statistic
 * of the content or style images it compares against (computed once by the forward-only
 * features graph), which options it brings, and how it builds its unweighted loss node.
 * The objective graph, the features graph, the runtime's feeds, progress, `--json`, the
 * plot and the web chart all loop over the table in index.ts; a new term is a new file
 * and one line there.
 */
import type { Dim, GraphBuilder } from '../graph/builder.js';
import type { LayerTable, Tensor } from '../models/types.js';
import type { Mask } from '../masks/types.js';
import type { OptionSpec } from '../options/types.js';

/** The options a term reads, by key (StylizeOptions, plus whatever a term brings). */
export type TermOptions = Readonly<Record<string, unknown>>;

/**
 * What a run brings besides its options, fixed when the graphs are compiled: how many
 * style images, and whether content masks split the image into one region per style.
 */
export interface RunShape {
  styles: number;
  masked: boolean;
}

export const UNMASKED_RUN: RunShape = { styles: 1, masked: false };

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
 * Which images a term's targets come from: the content image, the style images blended
 * by their blend weights, or one target per style image (`styles`: stacked on a new first
 * axis, [S, ...dims], for masked regions that each match their own style).
 */
export type TargetSource = 'content' | 'style' | 'styles';

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
  from: TargetSource;
  derive?: Derivation;
}

/** What a term's `loss` gets to build with. */
export interface TermBuild {
  g: GraphBuilder;
  /** The image, [1, 3, H, W] in network-input space. */
  image: string;
  /** The image as 0–1 planar RGB (the optimised value itself when optimising in RGB). */
  rgb(): string;
  options: TermOptions;
  /** The term's layers in this run (`layers(options)`). */
  layers: string[];
  /** A layer's activation; with normalised gradients on, a fresh pass-through per call. */
  feature(layer: string): string;
  channels(layer: string): number;
  /** The graph input that holds this term's target statistic at `layer` (derived, stacked per style: see TermTarget). */
  target(layer: string): string;
  /** How many style images, and whether content masks make regions of them. */
  run: RunShape;
  /** Declare another graph input of the term's own (a mask, a warped frame); see `feeds`. */
  input(name: string, dims: Dim[]): string;
}

/** What a term's `feeds` gets when the objective is bound to an image size. */
export interface FeedContext {
  options: TermOptions;
  width: number;
  height: number;
  run: RunShape;
  /** The network's layers (spatial sizes per layer: src/network/geometry.ts). */
  table: LayerTable;
  channels(layer: string): number;
  /** One mask per style image, at the content's size, when the run is masked. */
  contentMasks?: readonly Mask[];
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

export interface LossTerm {
  /** Its part's name in progress, `--json`, the plot and the chart: 'content', 'style', 'tv'. */
  name: string;
  /** For people: 'Content', 'Style', 'TV'. */
  label: string;
  /** The options this term brings (its weight first), merged into the one options table. */
  options: OptionSpec[];
  /** The weight its loss is multiplied by; 0 leaves it out of the graph (its part reads 0). */
  weight(o: TermOptions): number;
  /** Network layers it reads; [] for a term on the image itself. */
  layers(o: TermOptions): string[];
  /** The target statistic per layer, and from which images; may depend on the options and the run. */
  target?: TermTarget | ((o: TermOptions, run: RunShape) => TermTarget | undefined);
  /** Checks across this term's own options (counts that must agree), before any work. */
  check?(o: TermOptions, run?: RunShape): void;
  /**
   * Whether jcjohnson's normalised gradients apply to it (the `normalizeGradients` option):
   * the gradient each of its layers sends back is divided by its L1 norm.
   */
  normalizable?: boolean;
  /** How it decomposes over tiles (src/tiles), or which way for these options and run; absent: the term cannot be tiled. */
  tiling?: TermTiling | ((o: TermOptions, run: RunShape) => TermTiling | undefined);
  /**
   * Values for the inputs declared with `TermBuild.input`, per image size. Inputs that
   * change with every run (a video's previous frame) have none here: each run passes them
   * (`RunInput.feeds`, `CompiledObjective.bind`).
   */
  feeds?(ctx: FeedContext): Record<string, Tensor>;
  /**
   * Leave the term out of a run whose options give it weight 0, part and all, rather than
   * reporting a part that reads 0: for terms only some runs have (the temporal loss).
   */
  omitWhenOff?: boolean;
  /** The term's loss before its weight: one scalar node. */
  loss(b: TermBuild): string;
}
