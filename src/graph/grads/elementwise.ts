/**
 * Elementwise arithmetic, with numpy broadcasting: an operand stretched along an axis
 * (static size 1, or missing) gets its gradient summed over that axis (broadcast.ts).
 */
import { GraphError } from '../../errors.js';
import type { GraphBuilder, GraphNode } from '../builder.js';
import { sumToShapeOf } from './broadcast.js';
import type { GradientRule } from './rule.js';

/** `grad` (shaped like the node's output) summed to the shape of input `k`. */
function toInput(g: GraphBuilder, node: GraphNode, grad: string, k: number): string {
  return sumToShapeOf(g, grad, g.dimsOf(node.outputs[0]!), node.inputs[k]!, node.name);
}

// dA = dY, dB = dY  (each summed over the axes it was broadcast along)
export const addGrad: GradientRule = {
  opType: 'Add',
  backward: ({ g }, node, dY) => [() => toInput(g, node, dY, 0), () => toInput(g, node, dY, 1)],
};

// d(each input) = dY
export const sumGrad: GradientRule = {
  opType: 'Sum',
  backward: ({ g }, node, dY) => node.inputs.map((_, k) => () => toInput(g, node, dY, k)),
};

// dA = dY, dB = −dY
export const subGrad: GradientRule = {
  opType: 'Sub',
  backward: ({ g }, node, dY) => [() => toInput(g, node, dY, 0), () => g.op('Neg', [toInput(g, node, dY, 1)])],
};

// dX = −dY
export const negGrad: GradientRule = {
  opType: 'Neg',
  backward: ({ g }, _node, dY) => [() => g.op('Neg', [dY])],
};

// dA = dY · B, dB = dY · A
export const mulGrad: GradientRule = {
  opType: 'Mul',
  backward: ({ g }, node, dY) => {
    const [a, b] = node.inputs as [string, string];
    return [() => toInput(g, node, g.op('Mul', [dY, b]), 0), () => toInput(g, node, g.op('Mul', [dY, a]), 1)];
  },
};

// dA = dY / B, dB = −dY · A / B² (= −dY · Y / B)
export const divGrad: GradientRule = {
  opType: 'Div',
  backward: ({ g }, node, dY) => {
    const b = node.inputs[1]!;
    const y = node.outputs[0]!;
    return [
      () => toInput(g, node, g.op('Div', [dY, b]), 0),
      () => toInput(g, node, g.op('Neg', [g.op('Div', [g.op('Mul', [dY, y]), b])]), 1),
    ];
  },
};

// dX = dY · ½ / Y
export const sqrtGrad: GradientRule = {
  opType: 'Sqrt',
  backward: ({ g }, node, dY) => [() => g.op('Div', [g.op('Mul', [dY, g.constant(0.5)]), node.outputs[0]!])],
};

// dX = dY
export const identityGrad: GradientRule = {
  opType: 'Identity',
  backward: (_ctx, _node, dY) => [() => dY],
};

// dX = dY · Y
export const expGrad: GradientRule = {
  opType: 'Exp',
  backward: ({ g }, node, dY) => [() => g.op('Mul', [dY, node.outputs[0]!])],
};

/** sign(x) as float from ops every provider has (the WebGPU provider has no Sign): [x > 0] − [x < 0]. */
function signOf(g: GraphBuilder, x: string): string {
  const zero = g.constant(0);
  return g.op('Sub', [g.op('Cast', [g.op('Greater', [x, zero])], { to: 1 }), g.op('Cast', [g.op('Less', [x, zero])], { to: 1 })]);
}

// dX = dY · sign(X)  (0 at X = 0, as torch.abs)
export const absGrad: GradientRule = {
  opType: 'Abs',
  backward: ({ g }, node, dY) => [() => g.op('Mul', [dY, signOf(g, node.inputs[0]!)])],
};

// dX = dY · p · X^(p−1), p a constant (no gradient for the exponent)
export const powGrad: GradientRule = {
  opType: 'Pow',
  backward: ({ g }, node, dY) => {
    const [x, p] = node.inputs as [string, string];
    return [
      () => {
        const init = g.initializers.get(p);
        if (!init || init.elemType !== 'float32') throw new GraphError(`${node.name}: Pow's gradient needs a constant float exponent`);
        const values = Array.from(init.data as Float32Array);
        let local: string;
        if (values.length === 1 && values[0] === 2) local = g.op('Mul', [x, g.constant(2)]);
        else if (values.length === 1) local = g.op('Mul', [g.op('Pow', [x, g.constant(values[0]! - 1)]), g.constant(values[0]!)]);
        else local = g.op('Mul', [g.op('Pow', [x, g.op('Sub', [p, g.constant(1)])]), p]);
        return toInput(g, node, g.op('Mul', [dY, local]), 0);
      },
      null,
    ];
  },
};

/**
 * Max and Min of two tensors: the larger (smaller) one takes the gradient, ties split it
 * evenly, as torch.maximum/minimum do. The weight of A is [A wins] + ½[A = B], B's the rest.
 */
function extremumGrad(opType: 'Max' | 'Min'): GradientRule {
  const wins = opType === 'Max' ? 'Greater' : 'Less';
  return {
    opType,
    backward: ({ g }, node, dY) => {
      if (node.inputs.length !== 2) throw new GraphError(`${node.name}: ${opType}'s gradient is for two inputs`);
      const [a, b] = node.inputs as [string, string];
      let toA: string | undefined;
      const shareOfA = () => {
        if (toA) return toA;
        const weight = g.op('Add', [
          g.op('Cast', [g.op(wins, [a, b])], { to: 1 }),
          g.op('Mul', [g.op('Cast', [g.op('Equal', [a, b])], { to: 1 }), g.constant(0.5)]),
        ]);
        return (toA = g.op('Mul', [dY, weight]));
      };
      return [() => toInput(g, node, shareOfA(), 0), () => toInput(g, node, g.op('Sub', [dY, shareOfA()]), 1)];
    },
  };
}

// dA = dY · ([A > B] + ½[A = B]), dB = dY − that  (ties split, as torch.maximum)
export const maxGrad = extremumGrad('Max');
// dA = dY · ([A < B] + ½[A = B]), dB = dY − that  (ties split, as torch.minimum)
export const minGrad = extremumGrad('Min');

// dX = dY · [min ≤ X ≤ max]  (bounds included, as torch.clamp); dmin = Σ dY · [X < min], dmax = Σ dY · [X > max]
export const clipGrad: GradientRule = {
  opType: 'Clip',
  backward: ({ g }, node, dY) => {
    const [x, min, max] = node.inputs as [string, string | undefined, string | undefined];
    const has = (v: string | undefined): v is string => v !== undefined && v !== '';
    if (node.attrs.min !== undefined || node.attrs.max !== undefined) throw new GraphError(`${node.name}: Clip's bounds must be inputs (opset 11+)`);
    const zero = g.constant(0);
    const below = () => g.op('Less', [x, min!]);
    const above = () => g.op('Greater', [x, max!]);
    return [
      () => {
        let d = dY;
        if (has(max)) d = g.op('Where', [above(), zero, d]);
        if (has(min)) d = g.op('Where', [below(), zero, d]);
        return d;
      },
      has(min) ? () => toInput(g, node, g.op('Where', [below(), dY, zero]), 1) : null,
      has(max) ? () => toInput(g, node, g.op('Where', [above(), dY, zero]), 2) : null,
    ];
  },
};
