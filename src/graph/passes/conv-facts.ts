/**
 * What the conv lowering needs to know about each convolution that its attributes do not
 * say, found from the finished graph rather than set by gradient rules:
 *  - its feature scale (image side ÷ feature-map side): a forward conv's from the hint its
 *    network builder set (src/network/vgg.ts), an input gradient's from its forward conv;
 *  - whether it is a forward conv or the input gradient of one (addGradient's tag);
 *  - for an input gradient whose weights are its forward conv's flipped and transposed
 *    (the Conv form of the conv rule): those forward weights, so a Winograd form can read
 *    them (one copy of the weights in the model). Checked value by value, not assumed.
 */
import type { GraphBuilder, GraphNode } from '../builder.js';
import { flippedRecipe } from '../flip.js';

export interface ConvFacts {
  featureScale: number | undefined;
  role: 'forward' | 'inputGrad';
  /** For an input gradient: the forward conv's weights W[K, C, kh, kw], of which this conv's are the flipped transpose. */
  forwardWeights?: string;
}

/** Facts for every Conv node of the graph. */
export function convFacts(g: GraphBuilder): Map<GraphNode, ConvFacts> {
  const facts = new Map<GraphNode, ConvFacts>();
  const flipped = new Map<string, boolean>();
  for (const node of g.nodes) {
    if (node.opType !== 'Conv') continue;
    const tag = node.gradientOf;
    if (!tag || tag.of.opType !== 'Conv' || tag.input !== 0) {
      facts.set(node, { featureScale: node.convHint?.featureScale, role: 'forward' });
      continue;
    }
    const forward = tag.of;
    const w = forward.inputs[1]!;
    const mine = node.inputs[1]!;
    const key = `${w}\u0000${mine}`;
    if (!flipped.has(key)) flipped.set(key, isFlippedTranspose(g, mine, w));
    facts.set(node, {
      featureScale: forward.convHint?.featureScale,
      role: 'inputGrad',
      ...(flipped.get(key) ? { forwardWeights: w } : {}),
    });
  }
  return facts;
}

/** Whether initializer `v` is W'[i, o, y, x] = W[o, i, kh−1−y, kw−1−x] of initializer `w`. */
function isFlippedTranspose(g: GraphBuilder, v: string, w: string): boolean {
  const a = g.initializers.get(w);
  const b = g.initializers.get(v);
  if (!a || !b || a.elemType !== 'float32' || b.elemType !== 'float32' || a.dims.length !== 4 || b.dims.length !== 4) return false;
  const [o, i, kh, kw] = a.dims as [number, number, number, number];
  if (b.dims.join() !== [i, o, kh, kw].join()) return false;
  // Lazy weights (src/graph/builder.ts LazyData) are compared by recipe: reading them would
  // load the weights that a cached model spares.
  if (a.recipe !== undefined || b.recipe !== undefined) return a.recipe !== undefined && b.recipe === flippedRecipe(a.recipe);
  const src = a.data as Float32Array;
  const dst = b.data as Float32Array;
  for (let p = 0; p < o; p++)
    for (let q = 0; q < i; q++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          if (dst[((q * o + p) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)] !== src[((p * i + q) * kh + y) * kw + x]) return false;
        }
  return true;
}
