/**
 * Reverse-mode differentiation over a GraphBuilder: appends the nodes that compute
 * ∂loss/∂wrt to the same graph. Only the gradients with respect to the values asked for
 * are built — weights never get gradients — and only along nodes that lie on a path from
 * them to `loss`. Where a value feeds several consumers, their contributions are summed.
 */
import { GraphError } from '../errors.js';
import type { GradContext, GradientTag, GradOptions, GraphBuilder, GraphNode } from './builder.js';
import { gradientRuleFor, NON_DIFFERENTIABLE, type GradientLookup } from './grads/index.js';

/** Options that every provider can run; src/runtime picks faster ones per provider. */
export const DEFAULT_GRAD_OPTIONS: GradOptions = { convGrad: 'ConvTranspose', maxPoolGrad: 'mask', reluGrad: 'where' };

/**
 * Emit ∂loss/∂wrt into `g` and return the gradient's value name. `loss` must be a scalar.
 * `rules` may swap the table's rule for some ops in this call only (a bench's variant).
 * Every node a rule's thunk emits is tagged with what it is the gradient of
 * (`GraphNode.gradientOf`), for the rewrite passes in src/graph/passes.
 */
export function addGradient(
  g: GraphBuilder,
  loss: string,
  wrt: string,
  options: Partial<GradOptions> = {},
  rules?: GradientLookup,
): string {
  return addGradients(g, loss, [wrt], options, rules)[0]!;
}

/**
 * ∂loss/∂w for each of several values in one backward walk (a Laplacian pyramid's levels):
 * the gradients of what they share are built once.
 */
export function addGradients(
  g: GraphBuilder,
  loss: string,
  wrts: readonly string[],
  options: Partial<GradOptions> = {},
  rules?: GradientLookup,
): string[] {
  const forward = g.nodes.slice();
  for (const wrt of wrts) if (!valuesDependingOn(forward, [wrt]).has(loss)) throw new GraphError(`${loss} does not depend on ${wrt}`);
  const onPath = valuesOnPath(forward, loss, valuesDependingOn(forward, wrts));

  const shapes = new Map<string, string>();
  const ctx: GradContext = {
    g,
    // Only the rules' own options: callers may pass their whole GraphForms.
    options: {
      convGrad: options.convGrad ?? DEFAULT_GRAD_OPTIONS.convGrad,
      maxPoolGrad: options.maxPoolGrad ?? DEFAULT_GRAD_OPTIONS.maxPoolGrad,
      reluGrad: options.reluGrad ?? DEFAULT_GRAD_OPTIONS.reluGrad,
    },
    shapeOf(x) {
      let s = shapes.get(x);
      if (!s) shapes.set(x, (s = g.op('Shape', [x])));
      return s;
    },
  };

  const contributions = new Map<string, string[]>([[loss, [g.constant(1)]]]);
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i]!;
    const out = node.outputs[0]!;
    const parts = contributions.get(out);
    if (!parts) continue;
    if (node.outputs.slice(1).some((o) => contributions.has(o))) {
      throw new GraphError(`${node.opType} ${node.name}: gradients through secondary outputs are not supported`);
    }
    const dY = sumOf(g, parts, `${out}_grad`);
    const rule = node.backwardOverride ?? gradientRuleFor(node.opType, rules);
    if (!rule) throw new GraphError(`no gradient rule for ${node.opType} (node ${node.name})`);
    const thunks = rule(ctx, node, dY);
    node.inputs.forEach((input, k) => {
      if (!onPath.has(input)) return;
      const thunk = thunks[k];
      if (!thunk) return;
      const first = g.nodes.length;
      const dX = thunk();
      const tag: GradientTag = { of: node, input: k, dY, dX };
      for (let i = first; i < g.nodes.length; i++) g.nodes[i]!.gradientOf = tag;
      const list = contributions.get(input) ?? [];
      list.push(dX);
      contributions.set(input, list);
    });
  }
  return wrts.map((wrt) => {
    const parts = contributions.get(wrt);
    if (!parts) throw new GraphError(`no gradient reached ${wrt}`);
    return sumOf(g, parts, `${wrt}_grad`);
  });
}

/** Values whose computation reads any of `wrts` through differentiable ops. */
function valuesDependingOn(nodes: GraphNode[], wrts: readonly string[]): Set<string> {
  const dep = new Set(wrts);
  for (const node of nodes) {
    if (NON_DIFFERENTIABLE.has(node.opType)) continue;
    if (node.inputs.some((i) => dep.has(i))) for (const o of node.outputs) dep.add(o);
  }
  return dep;
}

/** Values that both depend on `wrt` and reach `loss`: the only ones that need gradients. */
function valuesOnPath(nodes: GraphNode[], loss: string, dep: Set<string>): Set<string> {
  const need = new Set([loss]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some((o) => need.has(o))) continue;
    for (const input of node.inputs) if (dep.has(input)) need.add(input);
  }
  return need;
}

function sumOf(g: GraphBuilder, parts: string[], name: string): string {
  if (parts.length === 1) return parts[0]!;
  // A chain of Adds rather than one Sum: the WebGPU provider has no Sum kernel.
  let total = parts[0]!;
  for (const part of parts.slice(1)) total = g.op('Add', [total, part], {}, g.fresh(name));
  return total;
}
