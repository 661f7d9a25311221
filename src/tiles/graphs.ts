/**
 * The graphs a tiled evaluation runs, built from the same loss-term table as the whole
 * objective (each term's `tiling` record says how it decomposes; see src/losses/types.ts):
 *
 *   statistics  crop → per term and layer: the interior's statistic (positions terms) or its
 *               unnormalised pieces (statistic terms). Forward only: targets, pass 1.
 *   reduce      the summed pieces → each statistic term's weighted part and ∂L/∂(each piece).
 *   tile        crop, ∂L/∂P, target crops → positions terms' interior parts and
 *               ∂(Σ parts + Σ ⟨∂L/∂P, P⟩)/∂crop: pass 2, one per tile.
 *   rows        a band of whole rows → the rows terms' parts and their gradient.
 *
 * A term's own per-position values (a content mask at a layer) come into the crop graphs
 * as `crops`: inputs named like the term's whole-image feed, fed its interior's cut.
 * Spatial sizes are symbolic and the interior's bounds are inputs, so one session of each
 * serves every tile, every image size and every tile size.
 */
import { addGradient } from '../graph/backward.js';
import { applyPasses, type GraphForms } from '../graph/passes/index.js';
import { type Dim, GraphBuilder } from '../graph/builder.js';
import {
  targetDims, targetOf, tilingOf, UNMASKED_RUN, type LossTerm, type ReduceBuild, type RunShape, type TermBuild, type TermOptions, type TermTarget,
  type TermTiling, type TileBuild,
} from '../losses/index.js';
import { addSum, weighted } from '../losses/sum.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';
import { names } from '../objective/names.js';
import { activeTerms, poolingOf, termWeight } from '../objective/terms.js';

export const tileNames = {
  starts: (stride: number) => `tile_starts_${stride}`,
  ends: (stride: number) => `tile_ends_${stride}`,
  pads: (stride: number) => `tile_pads_${stride}`,
  statistic: (term: string, layer: string) => `tile_statistic_${term}_${layer}`,
  piece: (term: string, layer: string, k: number) => `tile_piece_${term}_${layer}_${k}`,
  sum: (term: string, layer: string, k: number) => `piece_sum_${term}_${layer}_${k}`,
  pieceGrad: (term: string, layer: string, k: number) => `piece_grad_${term}_${layer}_${k}`,
  invCount: (layer: string) => `inv_count_${layer}`,
  invPositions: (layer: string) => `inv_positions_${layer}`,
  tileTarget: (term: string, layer: string) => `tile_target_${term}_${layer}`,
};

export type NetworkKind = 'positions' | 'statistic';
export type PositionsTiling = Extract<TermTiling, { kind: 'positions' }>;
export type StatisticTiling = Extract<TermTiling, { kind: 'statistic' }>;

/** An active term that reads the network, with the tiling and target it has in this run. */
export interface TiledTerm {
  term: LossTerm;
  tiling: PositionsTiling | StatisticTiling;
  target: TermTarget;
}

/** Active terms that read the network, with a tiling that does (positions, statistic). */
export function networkTerms(terms: readonly LossTerm[], o: TermOptions, run: RunShape = UNMASKED_RUN): TiledTerm[] {
  const out: TiledTerm[] = [];
  for (const term of activeTerms(terms, o)) {
    const tiling = tilingOf(term, o, run);
    if (tiling?.kind !== 'positions' && tiling?.kind !== 'statistic') continue;
    const target = targetOf(term, o, run);
    if (!target) throw new Error(`the loss term '${term.name}' reads the network but has no target`);
    out.push({ term, tiling, target });
  }
  return out;
}

export function rowTerms(terms: readonly LossTerm[], o: TermOptions, run: RunShape = UNMASKED_RUN): LossTerm[] {
  return activeTerms(terms, o).filter((t) => tilingOf(t, o, run)?.kind === 'rows');
}

/** Each layer's factor in a term's loss (its per-layer weights; 1 each without). */
function layerFactors(t: TiledTerm, o: TermOptions): number[] {
  const layers = t.term.layers(o);
  return t.tiling.layerWeights?.(o, layers) ?? layers.map(() => 1);
}

/** A crop graph's input cut from a term's whole-image feed: at which layer, how many rows. */
export interface CropInput {
  layer: string;
  rows: number;
}

interface Net {
  g: GraphBuilder;
  x: string;
  channels: Map<string, number>;
  /** A layer's interior slice (memoised per layer). */
  interior(layer: string): string;
  /** What a statistic tiling builds its pieces with at a layer. */
  tileBuild(layer: string): TileBuild;
  crops: Map<string, CropInput>;
}

/** The network on a crop, with each layer's interior sliced out by the bounds fed for its stride. */
function networkOnCrop(net: NetworkSource, o: TermOptions, layers: string[], strides: Map<string, number>): Net {
  const g = new GraphBuilder();
  const x = g.addInput(names.image, [1, 3, 'H', 'W']);
  const { values, channels } = addNetwork(g, x, net, layers, poolingOf(o));
  const bounds = new Map<number, [string, string, string]>();
  const slices = new Map<string, string>();
  const crops = new Map<string, CropInput>();
  const axes = g.constantI64([2, 3]);
  const interior = (layer: string) => {
    const hit = slices.get(layer);
    if (hit) return hit;
    const s = strides.get(layer)!;
    let b = bounds.get(s);
    if (!b) {
      b = [g.addInput(tileNames.starts(s), [2], 'int64'), g.addInput(tileNames.ends(s), [2], 'int64'), g.addInput(tileNames.pads(s), [8], 'int64')];
      bounds.set(s, b);
    }
    const [starts, ends, pads] = b;
    const out = g.op('Slice', [values.get(layer)!, starts, ends, axes]);
    // dX = Pad(dY) with zeros over the margin. The table's Slice rule needs constant bounds;
    // these change per tile, so the pads come in beside them.
    g.nodes[g.nodes.length - 1]!.backwardOverride = (ctx, _node, dY) => [() => ctx.g.op('Pad', [dY, pads], { mode: 'constant' }), null, null, null];
    slices.set(layer, out);
    return out;
  };
  const tileBuild = (layer: string): TileBuild => ({
    g,
    layer,
    channels: channels.get(layer)!,
    crop: (name, rows) => {
      if (g.has(name)) return name;
      crops.set(name, { layer, rows });
      return g.addInput(name, [rows, `n_${layer}`]);
    },
  });
  return { g, x, channels, interior, tileBuild, crops };
}

/** Layers the given terms read, in first-use order. */
function layersOf(terms: TiledTerm[], o: TermOptions): string[] {
  return [...new Set(terms.flatMap((t) => t.term.layers(o)))];
}

export interface StatisticOutput {
  term: string;
  layer: string;
  /** positions: the interior's statistic map; statistic: its pieces; additive: its share of the target statistic. */
  kind: NetworkKind | 'additive';
  channels: number;
  /** The graph's outputs: the statistic (positions, additive), or the pieces (statistic). */
  names: string[];
  /** Their shapes: the pieces' (statistic kind). */
  pieces: number[][];
  /** An additive statistic's own inputs: its short name → the graph input's name. */
  inputs: Map<string, string>;
}

/**
 * Forward only: for each of `terms` and layer, the interior's statistic or its pieces. For
 * `targets`, a statistic term whose tiling does not make targets from its pieces gives its
 * target statistic's share instead (an additive statistic: a guided Gram under a style mask).
 */
export function buildStatisticsGraph(
  net: NetworkSource,
  o: TermOptions,
  terms: TiledTerm[],
  strides: Map<string, number>,
  purpose: 'pass' | 'targets' = 'pass',
  forms: Partial<GraphForms> = {},
): { graph: GraphBuilder; outputs: StatisticOutput[]; crops: Map<string, CropInput> } {
  const n = networkOnCrop(net, o, layersOf(terms, o), strides);
  const { g } = n;
  const outputs: StatisticOutput[] = [];
  for (const { term, tiling, target } of terms) {
    for (const layer of term.layers(o)) {
      const c = n.channels.get(layer)!;
      const { statistic } = target;
      if (tiling.kind === 'statistic' && (purpose === 'pass' || tiling.targets)) {
        const values = tiling.partial(n.tileBuild(layer), n.interior(layer));
        const pieces = tiling.pieces(c);
        const outs = values.map((v, k) => {
          const name = tileNames.piece(term.name, layer, k);
          g.addOutput(g.op('Identity', [v], {}, name), pieces[k]!);
          return name;
        });
        outputs.push({ term: term.name, layer, kind: 'statistic', channels: c, names: outs, pieces, inputs: new Map() });
        continue;
      }
      if (tiling.kind === 'statistic' && !statistic.additive) throw new Error(`the ${term.name} targets cannot be made in tiles`);
      const additive = tiling.kind === 'statistic';
      const inputs = new Map<string, string>();
      const input = (short: string, dims: Dim[]) => {
        const full = names.statisticInput(term.name, short, layer);
        inputs.set(short, full);
        if (!statistic.additive?.perPosition.includes(short)) return g.addInput(full, dims);
        n.crops.set(full, { layer, rows: dims[0] as number });
        return g.addInput(full, [dims[0]!, `n_${layer}`]);
      };
      const name = tileNames.statistic(term.name, layer);
      g.addOutput(g.op('Identity', [statistic.build(g, n.interior(layer), c, { layer, input })], {}, name), statistic.dims(c, layer));
      outputs.push({ term: term.name, layer, kind: additive ? 'additive' : 'positions', channels: c, names: [name], pieces: [], inputs });
    }
  }
  applyPasses(g, forms);
  return { graph: g, outputs, crops: n.crops };
}

/** Pass 2 on one crop: the positions terms' interior parts and the gradient of the tile's share of the loss. */
export function buildTileGraph(
  net: NetworkSource,
  o: TermOptions,
  terms: TiledTerm[],
  strides: Map<string, number>,
  grad: Partial<GraphForms>,
): { graph: GraphBuilder; parts: string[]; crops: Map<string, CropInput> } {
  const n = networkOnCrop(net, o, layersOf(terms, o), strides);
  const { g } = n;
  const invCount = new Map<string, string>();
  const inv = (layer: string) => {
    let v = invCount.get(layer);
    if (!v) invCount.set(layer, (v = g.addInput(tileNames.invCount(layer), [])));
    return v;
  };
  const shares: string[] = [];
  const parts: string[] = [];
  for (const t of terms) {
    const { term, tiling, target } = t;
    const factors = layerFactors(t, o);
    const perLayer = term.layers(o).map((layer, i) => {
      const c = n.channels.get(layer)!;
      if (tiling.kind === 'positions') {
        const crop = g.addInput(tileNames.tileTarget(term.name, layer), target.statistic.dims(c, layer));
        return weighted(g, g.op('Mul', [tiling.sum(g, n.interior(layer), crop, c), inv(layer)]), factors[i]!);
      }
      // Σ ⟨∂L/∂P, P_tile⟩: its gradient is the whole loss's gradient through this tile's pieces
      // (∂L/∂P already holds the layer weights and the term's weight: the reduce graph's).
      const values = tiling.partial(n.tileBuild(layer), n.interior(layer));
      const pieces = tiling.pieces(c);
      return addSum(
        g,
        values.map((v, k) => {
          const dP = g.addInput(tileNames.pieceGrad(term.name, layer, k), pieces[k]!);
          return g.op('ReduceSum', [g.op('Mul', [dP, v])], { keepdims: 0 });
        }),
      );
    });
    const total = addSum(g, perLayer);
    if (tiling.kind === 'positions') {
      const part = g.op('Identity', [g.op('Mul', [total, g.constant(termWeight(term, o))])], {}, names.part(term.name));
      g.addOutput(part, []);
      parts.push(term.name);
      shares.push(part);
    } else shares.push(total);
  }
  const share = addSum(g, shares);
  g.addOutput(g.op('Identity', [addGradient(g, share, n.x, grad, grad.rules)], {}, names.grad), [1, 3, 'H', 'W']);
  applyPasses(g, grad);
  return { graph: g, parts, crops: n.crops };
}

/**
 * The statistic terms' parts from the summed pieces, and ∂(their sum)/∂(each piece). Its
 * other inputs are the terms' whole-image feeds (`inputs`: their names).
 */
export function buildReduceGraph(
  o: TermOptions,
  terms: TiledTerm[],
  channels: Map<string, number>,
  run: RunShape = UNMASKED_RUN,
): { graph: GraphBuilder; inputs: Set<string> } {
  const g = new GraphBuilder();
  const sums: Array<[string, string, number[]]> = [];
  const inputs = new Set<string>();
  const scalar = (name: string) => (g.has(name) ? name : g.addInput(name, []));
  const parts = terms.map((t) => {
    const { term, tiling, target } = t;
    if (tiling.kind !== 'statistic') throw new Error(`term ${term.name}: not a statistic tiling`);
    const factors = layerFactors(t, o);
    const perLayer = term.layers(o).map((layer, i) => {
      const c = channels.get(layer)!;
      const pieces = tiling.pieces(c).map((dims, k) => {
        const s = g.addInput(tileNames.sum(term.name, layer, k), dims);
        sums.push([s, tileNames.pieceGrad(term.name, layer, k), dims]);
        return s;
      });
      const b: ReduceBuild = {
        g,
        layer,
        channels: c,
        perElement: scalar(tileNames.invCount(layer)),
        perPosition: scalar(tileNames.invPositions(layer)),
        input: (name, dims) => {
          inputs.add(name);
          return g.has(name) ? name : g.addInput(name, dims);
        },
      };
      const targetInput = g.addInput(names.target(term.name, layer), targetDims(target, c, layer, run));
      return weighted(g, tiling.loss(b, pieces, targetInput), factors[i]!);
    });
    const part = g.op('Identity', [g.op('Mul', [addSum(g, perLayer), g.constant(termWeight(term, o))])], {}, names.part(term.name));
    g.addOutput(part, []);
    return part;
  });
  const total = addSum(g, parts);
  for (const [s, out, dims] of sums) g.addOutput(g.op('Identity', [addGradient(g, total, s)], {}, out), dims);
  return { graph: g, inputs };
}

/** The rows terms on a band of whole rows: their parts and gradient. */
export function buildRowsGraph(o: TermOptions, terms: LossTerm[], grad: Partial<GraphForms>): GraphBuilder {
  const g = new GraphBuilder();
  const x = g.addInput(names.image, [1, 3, 'H', 'W']);
  const parts = terms.map((term) => {
    const build: TermBuild = {
      g,
      image: x,
      options: o,
      run: UNMASKED_RUN,
      rgb: () => {
        throw new Error(`term ${term.name}: tiles work in network-input space only`);
      },
      layers: [],
      feature: () => {
        throw new Error(`term ${term.name}: a rows tiling reads no layer`);
      },
      channels: () => 0,
      target: () => {
        throw new Error(`term ${term.name}: a rows tiling has no target`);
      },
      input: () => {
        throw new Error(`term ${term.name}: a rows tiling takes no inputs of its own`);
      },
    };
    const part = g.op('Identity', [g.op('Mul', [term.loss(build), g.constant(termWeight(term, o))])], {}, names.part(term.name));
    g.addOutput(part, []);
    return part;
  });
  g.addOutput(g.op('Identity', [addGradient(g, addSum(g, parts), x, grad, grad.rules)], {}, names.grad), [1, 3, 'H', 'W']);
  return g;
}
