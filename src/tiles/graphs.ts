/**
 * The graphs a tiled evaluation runs, built from the same loss-term table as the whole
 * objective (each term's `tiling` record says how it decomposes; see src/losses/types.ts):
 *
 *   statistics  crop → per term and layer: the interior's statistic (positions terms) or its
 *               unnormalised partial sum (statistic terms). Forward only: targets, pass 1.
 *   reduce      the summed partials → each statistic term's weighted part and ∂L/∂S.
 *   tile        crop, ∂L/∂S, target crops → positions terms' interior parts and
 *               ∂(Σ parts + Σ ⟨∂L/∂S, partial⟩)/∂crop: pass 2, one per tile.
 *   rows        a band of whole rows → the rows terms' parts and their gradient.
 *
 * Spatial sizes are symbolic and the interior's bounds are inputs, so one session of each
 * serves every tile, every image size and every tile size.
 */
import { addGradient } from '../graph/backward.js';
import { type Dim, GraphBuilder, type GradOptions } from '../graph/builder.js';
import { targetOf, UNMASKED_RUN, type LossTerm, type TermBuild, type TermOptions } from '../losses/index.js';
import { addSum } from '../losses/sum.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';
import { names } from '../objective/names.js';
import { activeTerms, poolingOf } from '../objective/terms.js';

export const tileNames = {
  starts: (stride: number) => `tile_starts_${stride}`,
  ends: (stride: number) => `tile_ends_${stride}`,
  pads: (stride: number) => `tile_pads_${stride}`,
  statistic: (term: string, layer: string) => `tile_statistic_${term}_${layer}`,
  sum: (term: string, layer: string) => `stat_sum_${term}_${layer}`,
  statGrad: (term: string, layer: string) => `stat_grad_${term}_${layer}`,
  invCount: (layer: string) => `inv_count_${layer}`,
  tileTarget: (term: string, layer: string) => `tile_target_${term}_${layer}`,
};

export type NetworkKind = 'positions' | 'statistic';

/** Active terms that read the network, with a tiling that does (positions, statistic). */
export function networkTerms(terms: readonly LossTerm[], o: TermOptions): LossTerm[] {
  return activeTerms(terms, o).filter((t) => t.tiling?.kind === 'positions' || t.tiling?.kind === 'statistic');
}

export function rowTerms(terms: readonly LossTerm[], o: TermOptions): LossTerm[] {
  return activeTerms(terms, o).filter((t) => t.tiling?.kind === 'rows');
}

interface Net {
  g: GraphBuilder;
  x: string;
  channels: Map<string, number>;
  /** A layer's interior slice (memoised per layer). */
  interior(layer: string): string;
}

/** The network on a crop, with each layer's interior sliced out by the bounds fed for its stride. */
function networkOnCrop(net: NetworkSource, o: TermOptions, layers: string[], strides: Map<string, number>): Net {
  const g = new GraphBuilder();
  const x = g.addInput(names.image, [1, 3, 'H', 'W']);
  const { values, channels } = addNetwork(g, x, net, layers, poolingOf(o));
  const bounds = new Map<number, [string, string, string]>();
  const slices = new Map<string, string>();
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
  return { g, x, channels, interior };
}

/** Layers the given terms read, in first-use order. */
function layersOf(terms: LossTerm[], o: TermOptions): string[] {
  return [...new Set(terms.flatMap((t) => t.layers(o)))];
}

export interface StatisticOutput {
  term: string;
  layer: string;
  kind: NetworkKind;
  channels: number;
  name: string;
}

/** Forward only: for each of `terms` (network kinds) and layer, the interior's statistic or partial sum. */
export function buildStatisticsGraph(
  net: NetworkSource,
  o: TermOptions,
  terms: LossTerm[],
  strides: Map<string, number>,
): { graph: GraphBuilder; outputs: StatisticOutput[] } {
  const n = networkOnCrop(net, o, layersOf(terms, o), strides);
  const { g } = n;
  const outputs: StatisticOutput[] = [];
  for (const term of terms) {
    const tiling = term.tiling!;
    for (const layer of term.layers(o)) {
      const c = n.channels.get(layer)!;
      const stat =
        tiling.kind === 'statistic' ? tiling.partial(g, n.interior(layer), c) : targetOf(term, o, UNMASKED_RUN)!.statistic.build(g, n.interior(layer), c);
      const name = tileNames.statistic(term.name, layer);
      g.addOutput(g.op('Identity', [stat], {}, name), targetOf(term, o, UNMASKED_RUN)!.statistic.dims(c, layer));
      outputs.push({ term: term.name, layer, kind: tiling.kind as NetworkKind, channels: c, name });
    }
  }
  return { graph: g, outputs };
}

/** Pass 2 on one crop: the positions terms' interior parts and the gradient of the tile's share of the loss. */
export function buildTileGraph(
  net: NetworkSource,
  o: TermOptions,
  terms: LossTerm[],
  strides: Map<string, number>,
  grad: Partial<GradOptions>,
): { graph: GraphBuilder; parts: string[] } {
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
  for (const term of terms) {
    const tiling = term.tiling!;
    const perLayer = term.layers(o).map((layer) => {
      const c = n.channels.get(layer)!;
      const dims = targetOf(term, o, UNMASKED_RUN)!.statistic.dims(c, layer);
      if (tiling.kind === 'positions') {
        const target = g.addInput(tileNames.tileTarget(term.name, layer), dims);
        return g.op('Mul', [tiling.sum(g, n.interior(layer), target, c), inv(layer)]);
      }
      if (tiling.kind !== 'statistic') throw new Error(`term ${term.name}: not a network tiling`);
      // ⟨∂L/∂S, partial⟩: its gradient is the whole loss's gradient through this tile's partial.
      const dS = g.addInput(tileNames.statGrad(term.name, layer), dims);
      return g.op('ReduceSum', [g.op('Mul', [dS, tiling.partial(g, n.interior(layer), c)])], { keepdims: 0 });
    });
    const total = addSum(g, perLayer);
    if (tiling.kind === 'positions') {
      const part = g.op('Identity', [g.op('Mul', [total, g.constant(term.weight(o))])], {}, names.part(term.name));
      g.addOutput(part, []);
      parts.push(term.name);
      shares.push(part);
    } else shares.push(total);
  }
  const share = addSum(g, shares);
  g.addOutput(g.op('Identity', [addGradient(g, share, n.x, grad)], {}, names.grad), [1, 3, 'H', 'W']);
  return { graph: g, parts };
}

/** The statistic terms' parts from the summed partials, and ∂(their sum)/∂S per term and layer. */
export function buildReduceGraph(o: TermOptions, terms: LossTerm[], channels: Map<string, number>): GraphBuilder {
  const g = new GraphBuilder();
  const sums: Array<[string, string, Dim[]]> = [];
  const parts = terms.map((term) => {
    const tiling = term.tiling!;
    if (tiling.kind !== 'statistic') throw new Error(`term ${term.name}: not a statistic tiling`);
    const perLayer = term.layers(o).map((layer) => {
      const c = channels.get(layer)!;
      const dims = targetOf(term, o, UNMASKED_RUN)!.statistic.dims(c, layer);
      const s = g.addInput(tileNames.sum(term.name, layer), dims);
      sums.push([s, tileNames.statGrad(term.name, layer), dims]);
      const inv = g.has(tileNames.invCount(layer)) ? tileNames.invCount(layer) : g.addInput(tileNames.invCount(layer), []);
      const target = g.addInput(names.target(term.name, layer), dims);
      return tiling.loss(g, g.op('Mul', [s, inv]), target, c);
    });
    const part = g.op('Identity', [g.op('Mul', [addSum(g, perLayer), g.constant(term.weight(o))])], {}, names.part(term.name));
    g.addOutput(part, []);
    return part;
  });
  const total = addSum(g, parts);
  for (const [s, out, dims] of sums) g.addOutput(g.op('Identity', [addGradient(g, total, s)], {}, out), dims);
  return g;
}

/** The rows terms on a band of whole rows: their parts and gradient. */
export function buildRowsGraph(o: TermOptions, terms: LossTerm[], grad: Partial<GradOptions>): GraphBuilder {
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
    const part = g.op('Identity', [g.op('Mul', [term.loss(build), g.constant(term.weight(o))])], {}, names.part(term.name));
    g.addOutput(part, []);
    return part;
  });
  g.addOutput(g.op('Identity', [addGradient(g, addSum(g, parts), x, grad)], {}, names.grad), [1, 3, 'H', 'W']);
  return g;
}
