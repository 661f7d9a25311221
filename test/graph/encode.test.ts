import { fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { encodeModel, exportedNodes } from '../../src/graph/encode.js';
import { ModelProtoSchema } from '../../src/graph/proto/onnx_pb.js';
import { webgpuProblems } from '../helpers/webgpu-ops.js';

function smallConvGraph(): GraphBuilder {
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, 1, 'H', 'W']);
  const w = g.addInitializer('w', Float32Array.from({ length: 9 }, (_, i) => i), [1, 1, 3, 3]);
  const y = g.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1] });
  const named = g.op('Identity', [g.op('Identity', [y])], {}, 'y');
  g.addOutput(named, [1, 1, 'H', 'W']);
  return g;
}

describe('encodeModel', () => {
  it('writes IR 8 / opset 17 with symbolic dims and raw initializers', () => {
    const model = fromBinary(ModelProtoSchema, encodeModel(smallConvGraph()));
    expect(model.irVersion).toBe(8n);
    expect(model.opsetImport[0]!.version).toBe(17n);
    const dims = model.graph!.input[0]!.type!.value.value as { shape: { dim: { value: { case: string; value: unknown } }[] } };
    expect(dims.shape.dim.map((d) => d.value.value)).toEqual([1n, 1n, 'H', 'W']);
    expect(model.graph!.initializer[0]!.rawData.byteLength).toBe(36);
  });

  it("copies initializers' bytes in by hand exactly as protobuf would write them", () => {
    const g = smallConvGraph();
    // Sizes whose length varints take 1, 2 and 3 bytes, and an int64 one.
    g.addInitializer('b', Float32Array.from({ length: 40 }, (_, i) => i / 7), [40]);
    g.addInitializer('big', Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i)), [50, 100]);
    g.addInitializer('shape', BigInt64Array.of(1n, -1n), [2]);
    const bytes = encodeModel(g, 'g');
    const model = fromBinary(ModelProtoSchema, bytes);
    const inits = model.graph!.initializer;
    expect(inits.map((t) => t.name)).toEqual([...g.initializers.keys()]);
    for (const [i, init] of [...g.initializers.values()].entries()) {
      expect(inits[i]!.dims).toEqual(init.dims.map(BigInt));
      expect(Buffer.from(inits[i]!.rawData).equals(Buffer.from(init.data.buffer, init.data.byteOffset, init.data.byteLength))).toBe(true);
    }
    expect(model.graph!.name).toBe('g');
    expect(model.graph!.node.map((n) => n.opType)).toEqual(['Conv']);
    // The library's own encoding of the decoded model: the same fields, so the same length.
    expect(toBinary(ModelProtoSchema, model).byteLength).toBe(bytes.byteLength);
  });

  it('strips Identity nodes, renaming the producer of a graph output', () => {
    const g = smallConvGraph();
    const nodes = exportedNodes(g);
    expect(nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(nodes[0]!.outputs).toEqual(['y']);
    expect(webgpuProblems(g)).toEqual([]);
  });

  it('one session serves several image sizes', async () => {
    const session = await ort.InferenceSession.create(encodeModel(smallConvGraph()));
    for (const [h, w] of [[4, 5], [7, 3]] as const) {
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(h * w).fill(1), [1, 1, h, w]) });
      expect(out['y']!.dims).toEqual([1, 1, h, w]);
      // interior pixel: sum of all 9 weights = 36
      if (h > 2 && w > 2) expect((out['y']!.data as Float32Array)[w + 1]).toBe(36);
    }
    await session.release();
  });

  it('flags ops and attributes the WebGPU provider would refuse', () => {
    const g = new GraphBuilder();
    const x = g.addInput('x', [1, 1, 4, 4]);
    const w = g.addInitializer('w', new Float32Array(9), [1, 1, 3, 3]);
    g.addOutput(g.op('Sign', [g.op('Conv', [x, w], { kernel_shape: [3, 3] })]), [1, 1, 2, 2]);
    const problems = webgpuProblems(g);
    expect(problems.some((p) => p.startsWith('Sign is not supported'))).toBe(true);
    expect(problems.some((p) => p.includes('lacks explicit strides'))).toBe(true);
  });

  it('refuses to use a value before it exists', () => {
    const g = new GraphBuilder();
    expect(() => g.op('Relu', ['nope'])).toThrow(/nope, which is not defined yet/);
  });
});
