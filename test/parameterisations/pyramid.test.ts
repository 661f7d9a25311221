/**
 * The Laplacian pyramid parameterisation (src/parameterisations/pyramid.ts) against a
 * PyTorch reference written from its definition (scripts/make-pyramid-fixture.py, float64):
 * decomposition and synthesis outside the graph within 1e-6; the graph's synthesis and its
 * gradient with respect to every level within 1e-5 (float32); and the gradient against
 * central finite differences of the float64 reference interpreter.
 */
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addGradients } from '../../src/graph/backward.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { encodeModel } from '../../src/graph/encode.js';
import { maxLevels, parameterCount, pyramid } from '../../src/parameterisations/index.js';
import { Rng } from '../../src/util/random.js';
import { evaluateReference } from '../helpers/reference-ops.js';

interface Case {
  height: number;
  width: number;
  levels: number;
  x: number[];
  pyramid: number[][];
  reconstructed: number[];
  free: number[][];
  synthesised: number[];
  projection: number[];
  gradients: number[][];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'parameterisations', 'pyramid.json'), 'utf8')) as { torch: string; cases: Case[] };

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** The graph: the pyramid's synthesis, then sum(image · r), and its gradient with respect to every level. */
function synthesisGraph(levels: number, projection: number[], height: number, width: number) {
  const g = new GraphBuilder();
  const { inputs, image } = pyramid(levels).addToGraph(g);
  const r = g.constant(Float32Array.from(projection), [1, 3, height, width]);
  const loss = g.op('ReduceSum', [g.op('Mul', [image, r])], { keepdims: 0 }, 'loss');
  const forwardCount = g.nodes.length;
  const grads = addGradients(g, loss, inputs).map((d, i) => g.op('Identity', [d], {}, `grad_${i}`));
  g.addOutput(g.op('Identity', [image], {}, 'image'), [1, 3, height, width]);
  g.addOutput(loss, []);
  grads.forEach((d, i) => g.addOutput(d, g.inputs.find((v) => v.name === inputs[i])!.shape));
  return { g, inputs, loss, forwardCount };
}

describe(`Laplacian pyramid against PyTorch ${fixture.torch} (float64 reference)`, () => {
  for (const c of fixture.cases) {
    const { height, width, levels } = c;
    const p = pyramid(levels);
    const label = `${width}×${height}, ${levels} levels`;

    it(`${label}: decomposition and synthesis outside the graph within 1e-6`, () => {
      const params = p.fromImage(Float32Array.from(c.x), width, height);
      expect(params.length).toBe(parameterCount(p, width, height));
      expect(maxDiff(params, c.pyramid.flat())).toBeLessThan(1e-6);
      expect(maxDiff(p.toImage(Float32Array.from(c.pyramid.flat()), width, height), c.reconstructed)).toBeLessThan(1e-6);
      // Synthesis inverts decomposition: the image comes back.
      expect(maxDiff(p.toImage(params, width, height), c.x)).toBeLessThan(1e-6);
      // And of levels that decompose nothing.
      expect(maxDiff(p.toImage(Float32Array.from(c.free.flat()), width, height), c.synthesised)).toBeLessThan(1e-6);
    });

    it(`${label}: the graph's synthesis and its gradient to every level within 1e-5`, async () => {
      const { g, inputs } = synthesisGraph(levels, c.projection, height, width);
      const shapes = p.shapes(width, height);
      const session = await ort.InferenceSession.create(encodeModel(g));
      const feeds = Object.fromEntries(inputs.map((name, i) => [name, new ort.Tensor('float32', Float32Array.from(c.free[i]!), shapes[i]!)]));
      const out = await session.run(feeds);
      await session.release();
      expect(maxDiff(out['image']!.data as Float32Array, c.synthesised)).toBeLessThan(1e-5);
      inputs.forEach((_, i) => expect(maxDiff(out[`grad_${i}`]!.data as Float32Array, c.gradients[i]!), `level ${i}`).toBeLessThan(1e-5));
    });
  }

  it('keeps at most the levels a size allows: the coarsest level a pixel a side', () => {
    expect(maxLevels(20, 20)).toBe(4);
    expect(maxLevels(512, 384)).toBe(8);
    expect(maxLevels(64, 48)).toBe(5);
    expect(pyramid(4).shapes(20, 20).map((d) => d.slice(2))).toEqual([[20, 20], [10, 10], [5, 5], [2, 2], [1, 1]]);
  });
});

describe('the pyramid synthesis gradient against finite differences (float64 reference interpreter)', () => {
  it('every level, sampled, within 1e-6 of central differences', async () => {
    const [width, height, levels] = [13, 10, 3];
    const rng = new Rng(7);
    const p = pyramid(levels);
    const shapes = p.shapes(width, height);
    // A nonlinear loss on top, so the gradient varies with the point: Σ tanh-free (image·r)² .
    const projection = Array.from(rng.fillNormal(new Float32Array(3 * width * height)));
    const g = new GraphBuilder();
    const { inputs, image } = p.addToGraph(g);
    const r = g.constant(Float32Array.from(projection), [1, 3, height, width]);
    const y = g.op('Mul', [image, r]);
    const loss = g.op('ReduceSum', [g.op('Mul', [y, y])], { keepdims: 0 });
    const forwardCount = g.nodes.length;
    const grads = addGradients(g, loss, inputs).map((d, i) => g.op('Identity', [d], {}, `grad_${i}`));
    grads.forEach((d, i) => g.addOutput(d, g.inputs.find((v) => v.name === inputs[i])!.shape));
    g.addOutput(loss, []);
    const values = shapes.map((dims) => rng.fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1))));
    const session = await ort.InferenceSession.create(encodeModel(g));
    const out = await session.run(Object.fromEntries(inputs.map((n, i) => [n, new ort.Tensor('float32', values[i]!, shapes[i]!)])));
    await session.release();

    const feeds64 = () => Object.fromEntries(inputs.map((n, i) => [n, { dims: shapes[i]!, data: Float64Array.from(values[i]!) }]));
    const eps = 1e-4;
    let checked = 0;
    for (const [i, name] of inputs.entries()) {
      const ours = out[`grad_${i}`]!.data as Float32Array;
      for (let s = 0; s < 12; s++) {
        const k = Math.floor(rng.next() * ours.length);
        const f = (delta: number) => {
          const feeds = feeds64();
          feeds[name]!.data[k]! += delta;
          return evaluateReference(g, feeds, loss, forwardCount).data[0]!;
        };
        const numeric = (f(eps) - f(-eps)) / (2 * eps);
        expect(Math.abs(numeric - ours[k]!), `${name}[${k}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBe(12 * (levels + 1));
  });
});
