/**
 * ReLU mask before the max-pool gradient's scatter. When Y = Relu(X) feeds only a max pool
 * whose gradient is the CPU form (MaxPool's indices scattered back with MaxUnpool), the
 * ReLU rule receives dY = MaxUnpool(dP, indices, shape) and masks it at full size. dY is
 * zero off the pool's arg-max positions, and at those Y equals the pooled value P, so
 *
 *   mask(Y, MaxUnpool(dP)) = MaxUnpool(mask(P, dP))
 *
 * for any mask that is elementwise in (Y, dY) — and a gradient is linear in dY, so
 * mask(·, 0) = 0. This pass rewrites the first form into the second: the mask runs on a
 * tensor 4× smaller, and the full-size scatter feeds the next conv gradient directly. (The
 * nodes it bypasses are left for the encoder to drop as unused.)
 *
 * It finds the ReLU gradient by addGradient's tags, and re-emits the rule's own nodes on
 * (P, dP) — whatever form the rule chose ('where' or 'mul') — after checking they are an
 * elementwise function of Y and dY alone.
 */
import type { GradientTag, GraphBuilder, GraphNode } from '../builder.js';

/** Elementwise ops a ReLU mask may be built from. */
const ELEMENTWISE = new Set(['Greater', 'Less', 'Equal', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Where', 'Cast', 'Mul', 'Div', 'Add', 'Sub', 'Neg', 'Abs', 'Sign', 'Relu']);

/** Rewrite every ReLU gradient of a max-unpool; returns how many were rewritten. */
export function reluMaskBeforeUnpool(g: GraphBuilder): number {
  const byTag = new Map<GradientTag, GraphNode[]>();
  for (const node of g.nodes) {
    const tag = node.gradientOf;
    if (tag?.of.opType !== 'Relu' || tag.input !== 0) continue;
    const list = byTag.get(tag) ?? [];
    list.push(node);
    byTag.set(tag, list);
  }
  const plans = new Map<GraphNode, () => void>();
  for (const [tag, nodes] of byTag) {
    const plan = planFor(g, tag, nodes);
    if (plan) plans.set(plan.last, plan.emit);
  }
  if (plans.size > 0) g.rewrite((node) => plans.get(node));
  return plans.size;
}

function planFor(g: GraphBuilder, tag: GradientTag, nodes: GraphNode[]): { last: GraphNode; emit: () => void } | undefined {
  const y = tag.of.outputs[0]!;
  const last = nodes.at(-1)!;
  if (last.outputs[0] !== tag.dX) return undefined;
  // dY = MaxUnpool(dP, indices of MaxPool(y), shape)
  const unpool = g.producer(tag.dY);
  if (unpool?.opType !== 'MaxUnpool') return undefined;
  const pool = g.producer(unpool.inputs[1]!);
  if (pool?.opType !== 'MaxPool' || pool.inputs[0] !== y || pool.outputs.length !== 2 || pool.outputs[1] !== unpool.inputs[1]) return undefined;
  // The rule's nodes: elementwise, reading only each other, y, dY and scalar constants.
  const inside = new Set(nodes.flatMap((n) => n.outputs));
  const scalar = (v: string) => g.initializers.get(v)?.data.length === 1;
  const pure = nodes.every(
    (n) => ELEMENTWISE.has(n.opType) && n.outputs.length === 1 && n.inputs.every((i) => inside.has(i) || i === y || i === tag.dY || scalar(i)),
  );
  if (!pure) return undefined;
  return {
    last,
    emit: () => {
      const rename = new Map([[y, pool.outputs[0]!], [tag.dY, unpool.inputs[0]!]]);
      for (const n of nodes) {
        const out = g.op(n.opType, n.inputs.map((i) => rename.get(i) ?? i), n.attrs);
        g.producer(out)!.gradientOf = tag;
        rename.set(n.outputs[0]!, out);
      }
      const masked = rename.get(last.outputs[0]!)!;
      g.op('MaxUnpool', [masked, ...unpool.inputs.slice(1)], unpool.attrs, tag.dX);
      g.producer(tag.dX)!.gradientOf = tag;
    },
  };
}
