/**
 * The whole objective's gradient (network, content, style, TV, normalised gradients)
 * against central finite differences of the float64 reference interpreter.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/graph/encode.js';
import { webgpuProblems } from '../../src/graph/webgpu-ops.js';
import type { ConvWeights, LayerTable } from '../../src/models/types.js';
import { buildObjectiveGraph } from '../../src/objective/objective-graph.js';
import { DEFAULT_OBJECTIVE, names, type ObjectiveSpec } from '../../src/objective/spec.js';
import { Rng } from '../../src/util/random.js';
import { evaluateReference, type T64 } from '../helpers/reference-ops.js';

/** A VGG19-shaped table with tiny widths, independent of src/models so this test stands alone. */
function tinyVgg(rng: Rng): { table: LayerTable; weights: ConvWeights } {
  const widths = [2, 3, 3, 4, 4];
  const blocks = [2, 2, 4, 4, 4];
  const layers: LayerTable['layers'] = [];
  const weights: ConvWeights = new Map();
  let cin = 3;
  blocks.forEach((n, b) => {
    for (let i = 1; i <= n; i++) {
      const name = `conv${b + 1}_${i}`;
      const cout = widths[b]!;
      layers.push({ name, kind: 'conv' }, { name: `relu${b + 1}_${i}`, kind: 'relu' });
      weights.set(name, {
        weight: { dims: [cout, cin, 3, 3], data: rng.fillNormal(new Float32Array(cout * cin * 9), Math.sqrt(2 / (cin * 9))) },
        bias: { dims: [cout], data: rng.fillNormal(new Float32Array(cout), 0.1) },
      });
      cin = cout;
    }
    layers.push({ name: `pool${b + 1}`, kind: 'pool' });
  });
  return { table: { architecture: 'vgg19', layers }, weights };
}

async function check(spec: ObjectiveSpec, seed: number) {
  const rng = new Rng(seed);
  const net = tinyVgg(rng);
  const H = 20, W = 18;
  const { graph, channels, forwardNodeCount } = buildObjectiveGraph(net, spec);
  expect(webgpuProblems(graph)).toEqual([]);

  const feeds64: Record<string, T64> = {};
  const feeds: Record<string, ort.Tensor> = {};
  const put = (name: string, dims: number[], data: Float32Array) => {
    feeds[name] = new ort.Tensor('float32', data, dims);
    feeds64[name] = { dims, data: Float64Array.from(data) };
  };
  const spatial: Record<string, [number, number]> = { relu2_2: [10, 9], relu4_2: [2, 2] };
  for (const layer of spec.contentLayers) {
    const c = channels.get(layer)!;
    const [h, w] = spatial[layer]!;
    put(names.contentTarget(layer), [1, c, h, w], rng.fillNormal(new Float32Array(c * h * w)));
  }
  for (const layer of spec.styleLayers) {
    const c = channels.get(layer)!;
    const a = rng.fillNormal(new Float32Array(c * c), 0.1);
    for (let i = 0; i < c; i++) for (let j = 0; j < i; j++) a[i * c + j] = a[j * c + i]!;
    put(names.styleTarget(layer), [c, c], a);
  }
  const x = rng.fillNormal(new Float32Array(3 * H * W), 1);
  put(names.image, [1, 3, H, W], x);

  const session = await ort.InferenceSession.create(encodeModel(graph));
  const out = await session.run(feeds);
  await session.release();
  const ours = out[names.grad]!.data as Float32Array;

  const x64 = feeds64[names.image]!.data;
  const loss = () => evaluateReference(graph, feeds64, names.loss, forwardNodeCount).data[0]!;
  expect(Math.abs(loss() - (out[names.loss]!.data as Float32Array)[0]!) / loss()).toBeLessThan(1e-4);

  const eps = 1e-4;
  let dot = 0, nn = 0, no = 0, err = 0;
  for (let k = 0; k < 120; k++) {
    const i = Math.floor(rng.next() * x64.length);
    const v = x64[i]!;
    x64[i] = v + eps;
    const up = loss();
    x64[i] = v - eps;
    const down = loss();
    x64[i] = v;
    const numeric = (up - down) / (2 * eps);
    dot += numeric * ours[i]!;
    nn += numeric * numeric;
    no += ours[i]! * ours[i]!;
    err += (numeric - ours[i]!) ** 2;
  }
  return { cosine: dot / Math.sqrt(nn * no), relError: Math.sqrt(err / nn) };
}

describe('whole objective vs finite differences', () => {
  it('max pooling, default layers and weights', async () => {
    const r = await check({ ...DEFAULT_OBJECTIVE, styleWeight: 1e4, tvWeight: 0.5 }, 11);
    expect(r.cosine).toBeGreaterThan(0.9999);
    expect(r.relError).toBeLessThan(1e-3);
  });

  it('average pooling, two content layers', async () => {
    // (Normalised gradients are deliberately not the loss's gradient — jcjohnson's
    // heuristic — so they are checked against PyTorch in parity.test.ts instead.)
    const spec: ObjectiveSpec = { ...DEFAULT_OBJECTIVE, contentLayers: ['relu2_2', 'relu4_2'], pooling: 'avg', tvWeight: 0.5 };
    const r = await check(spec, 12);
    expect(r.cosine).toBeGreaterThan(0.9999);
    expect(r.relError).toBeLessThan(1e-3);
  });
});
