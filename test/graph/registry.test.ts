/** The gradient-rule table is frozen; registerGradient adds rules for new ops; addGradient takes per-call overrides. */
import { describe, expect, it } from 'vitest';
import { addGradient } from '../../src/graph/backward.js';
import { GraphBuilder, type BackwardFn } from '../../src/graph/builder.js';
import { GRADIENT_RULES, gradientRuleFor, registerGradient, ruleOverrides, unregisterGradient } from '../../src/graph/grads/index.js';

function graphWith(op: string): { g: GraphBuilder; loss: string; x: string } {
  const g = new GraphBuilder();
  const x = g.addInput('x', [2, 3]);
  const loss = g.op('ReduceSum', [g.op(op, [x])], { keepdims: 0 });
  return { g, loss, x };
}

describe('gradient rule registry', () => {
  it('the built-in table cannot be patched', () => {
    expect(Object.isFrozen(GRADIENT_RULES)).toBe(true);
    expect(() => {
      (GRADIENT_RULES as Record<string, BackwardFn>)['Relu'] = () => [];
    }).toThrow(TypeError);
  });

  it('registerGradient gives a new op a rule, refuses ops that have one, and unregisterGradient removes only registered ones', () => {
    const softplusGrad: BackwardFn = ({ g }, node, dY) => [() => g.op('Mul', [dY, g.op('Sigmoid', [node.inputs[0]!])])];
    expect(() => addGradient(...(Object.values(graphWith('Softplus')) as [GraphBuilder, string, string]))).toThrow(/no gradient rule for Softplus/);
    registerGradient({ opType: 'Softplus', backward: softplusGrad });
    try {
      const { g, loss, x } = graphWith('Softplus');
      addGradient(g, loss, x);
      expect(g.nodes.some((n) => n.opType === 'Sigmoid')).toBe(true);
      expect(() => registerGradient({ opType: 'Softplus', backward: softplusGrad })).toThrow(/already has a gradient rule/);
      expect(() => registerGradient({ opType: 'Relu', backward: softplusGrad })).toThrow(/already has a gradient rule/);
      expect(() => registerGradient({ opType: 'Shape', backward: softplusGrad })).toThrow(/non-differentiable/);
    } finally {
      unregisterGradient('Softplus');
    }
    expect(gradientRuleFor('Softplus')).toBeUndefined();
    expect(() => unregisterGradient('Relu')).toThrow(/built in/);
    expect(() => unregisterGradient('Softplus')).toThrow(/no registered/);
  });

  it('addGradient takes a lookup that swaps a rule for one call only, and tags what each thunk emitted', () => {
    const doubled: BackwardFn = ({ g }, _node, dY) => [() => g.op('Mul', [dY, g.constant(2)])];
    const a = graphWith('Neg');
    addGradient(a.g, a.loss, a.x, {}, ruleOverrides({ Neg: doubled }));
    expect(a.g.nodes.some((n) => n.opType === 'Mul')).toBe(true);
    const tagged = a.g.nodes.filter((n) => n.gradientOf?.of.opType === 'Neg');
    expect(tagged.map((n) => n.opType)).toEqual(['Mul']);
    expect(tagged[0]!.gradientOf!.dX).toBe(tagged[0]!.outputs[0]);
    // The next graph gets the table's rule again.
    const b = graphWith('Neg');
    addGradient(b.g, b.loss, b.x);
    expect(b.g.nodes.filter((n) => n.gradientOf?.of.opType === 'Neg').map((n) => n.opType)).toEqual(['Neg']);
  });
});
