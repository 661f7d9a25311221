/**
 * The bilinear Resize (onnxruntime's forward, addResize) and our gradient of it against
 * PyTorch's F.interpolate(mode='bilinear') and autograd, from test/fixtures/graph/resize.json
 * (scripts/make-resize-fixture.py): the coordinate conventions, which finite differences
 * of our own reference interpreter cannot prove. One session per mode serves every case:
 * the output size is a graph input.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { addGradient } from '../../src/graph/backward.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { encodeModel } from '../../src/graph/encode.js';
import { addResize, torchResizeMode, type ResizeMode } from '../../src/graph/resize.js';
import { evaluateReference } from '../helpers/reference-ops.js';

interface Case {
  alignCorners: boolean;
  input: number[];
  output: number[];
  x: number[];
  r: number[];
  y: number[];
  grad: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/graph/resize.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** y = Resize(x, size) and ∂Σ(y·r)/∂x, for any x, r and size. */
async function resizeSession(mode: ResizeMode): Promise<ort.InferenceSession> {
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, 2, 'h', 'w']);
  const size = g.addInput('size', [2], 'int64');
  const r = g.addInput('r', [1, 2, 'h2', 'w2']);
  const y = addResize(g, x, size, mode);
  const loss = g.op('ReduceSum', [g.op('Mul', [y, r])], { keepdims: 0 });
  g.addOutput(g.op('Identity', [y], {}, 'y'), [1, 2, 'h2', 'w2']);
  g.addOutput(g.op('Identity', [addGradient(g, loss, x)], {}, 'x_grad'), [1, 2, 'h', 'w']);
  return ort.InferenceSession.create(encodeModel(g));
}

async function run(session: ort.InferenceSession, c: Case) {
  const out = await session.run({
    x: new ort.Tensor('float32', Float32Array.from(c.x), c.input),
    size: new ort.Tensor('int64', BigInt64Array.from(c.output.slice(2).map(BigInt)), [2]),
    r: new ort.Tensor('float32', Float32Array.from(c.r), c.output),
  });
  return { y: out['y']!, grad: out['x_grad']!.data as Float32Array };
}

/** Largest |a − b|, relative to max(1, largest |b|). */
function error(a: ArrayLike<number>, b: number[]): number {
  const scale = Math.max(1, ...b.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / scale;
}

const label = (c: Case) => `${c.input.slice(2).join('×')} → ${c.output.slice(2).join('×')}`;

describe('bilinear Resize and its gradient vs PyTorch', () => {
  for (const alignCorners of [false, true]) {
    const mode = torchResizeMode(alignCorners);
    it(`align_corners=${alignCorners} is '${mode}': forward and gradient within 1e-5 in every case`, async () => {
      const session = await resizeSession(mode);
      for (const c of fixture.cases.filter((k) => k.alignCorners === alignCorners)) {
        const { y, grad } = await run(session, c);
        expect(y.dims, label(c)).toEqual(c.output);
        expect(error(y.data as Float32Array, c.y), `${label(c)} forward`).toBeLessThan(1e-5);
        expect(error(grad, c.grad), `${label(c)} gradient`).toBeLessThan(1e-5);
      }
      await session.release();
    });
  }

  it('the float64 reference interpreter (test/helpers/reference-ops.ts) computes the same Resize, to 1e-9', () => {
    for (const c of fixture.cases) {
      const g = new GraphBuilder();
      const x = g.addInput('x', c.input);
      const y = addResize(g, x, g.constantI64(c.output.slice(2)), torchResizeMode(c.alignCorners));
      const ref = evaluateReference(g, { x: { dims: c.input, data: Float64Array.from(c.x) } }, y);
      expect(ref.dims).toEqual(c.output);
      expect(error(ref.data, c.y), label(c)).toBeLessThan(1e-9);
    }
  });

  it("'pytorch_half_pixel' matches PyTorch's align_corners=False except for 1-pixel outputs, where it samples pixel 0", async () => {
    const session = await resizeSession('pytorch_half_pixel');
    const cases = fixture.cases.filter((k) => !k.alignCorners);
    for (const c of cases) {
      const { y, grad } = await run(session, c);
      const onePixel = c.output.slice(2).some((d) => d === 1);
      if (onePixel) {
        // torch samples the middle of the input; ONNX's pytorch_half_pixel takes source coordinate 0.
        expect(error(y.data as Float32Array, c.y), label(c)).toBeGreaterThan(1e-3);
        expect(Array.from(y.data as Float32Array)).toEqual([c.x[0], c.x[c.input[2]! * c.input[3]!]].map(Math.fround));
      } else {
        expect(error(y.data as Float32Array, c.y), `${label(c)} forward`).toBeLessThan(1e-5);
        expect(error(grad, c.grad), `${label(c)} gradient`).toBeLessThan(1e-5);
      }
    }
    expect(cases.some((c) => c.output.slice(2).some((d) => d === 1))).toBe(true);
    await session.release();
  });
});
