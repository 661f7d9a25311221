/**
 * onnxruntime's optimised models kept between runs (src/runtime/optimized-model-cache-node.ts):
 * a second session of the same graph loads the kept model and computes exactly what a
 * session without the cache computes; a graph that changed is never served an old model;
 * an entry that was tampered with is rebuilt.
 */
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/index.js';
import { vgg19Table } from '../../src/models/layers.js';
import { randomVggWeights } from '../../src/models/random-model.js';
import { DEFAULT_STYLIZE_OPTIONS, type StylizeOptions } from '../../src/options/index.js';
import { FeatureExtractor } from '../../src/runtime/features.js';
import { CompiledObjective, type Evaluation, type GraphSetup } from '../../src/runtime/objective.js';
import { cacheKey, withOptimizedModelCache } from '../../src/runtime/optimized-model-cache-node.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { Rng } from '../../src/util/random.js';
import { resolveModel } from '../../src/models/resolve-node.js';
import type { LoadedModel } from '../../src/models/types.js';
import { writeRandomWeights } from '../cli/helpers.js';

const ORT = ort as unknown as OrtModule;
const net = { table: vgg19Table, weights: randomVggWeights(vgg19Table, 3, [8, 16, 16, 32, 32]) };
const [W, H] = [40, 32];
const base: StylizeOptions = { ...DEFAULT_STYLIZE_OPTIONS, imageSize: W };

/** How each session was made: from the graph's bytes, or from a kept model's path (and at which optimisation level). */
type Made = { from: 'bytes' | 'path'; level?: string };

function recording(inner: OrtModule, made: Made[]): OrtModule {
  const create = async (model: Uint8Array | string, options?: ort.InferenceSession.SessionOptions) => {
    made.push({ from: typeof model === 'string' ? 'path' : 'bytes', level: options?.graphOptimizationLevel });
    return inner.InferenceSession.create(model as Uint8Array, options);
  };
  return { ...inner, InferenceSession: { create } as unknown as OrtModule['InferenceSession'] };
}

/** Targets from fixed images and one evaluation at a fixed x, with the sessions `o` asks for. */
async function evaluate(module: OrtModule, o: StylizeOptions, network = net, forms?: GraphSetup['forms']): Promise<Evaluation> {
  const rng = new Rng(11);
  const image = () => rng.fillNormal(new Float32Array(3 * W * H), 50);
  const extractor = await FeatureExtractor.create(module, network, o, { backend: cpuBackend, forms });
  const targets = { ...(await extractor.extract(image(), W, H, 'style')), ...(await extractor.extract(image(), W, H, 'content')) };
  await extractor.release();
  const objective = await CompiledObjective.create(module, network, o, { backend: cpuBackend, forms });
  try {
    return await objective.bind(targets, W, H).evaluate(image());
  } finally {
    await objective.release();
  }
}

/** Byte-equal loss, parts and gradient. */
function expectSame(a: Evaluation, b: Evaluation): void {
  expect(a.loss).toBe(b.loss);
  expect(a.parts).toEqual(b.parts);
  expect(Buffer.from(a.grad.buffer, a.grad.byteOffset, a.grad.byteLength).equals(Buffer.from(b.grad.buffer, b.grad.byteOffset, b.grad.byteLength))).toBe(true);
}

let dir: string;
let notices: string[];
let made: Made[];
const cached = () => withOptimizedModelCache(recording(ORT, made), { dir, runtimeVersion: ort.env.versions.node!, onNotice: (m) => notices.push(m) });
const entries = async () => (await readdir(join(dir, 'optimized'))).sort();
/** The two entries of one run, the features graph's first: it holds fewer weights than the objective's. */
async function featuresAndObjective(): Promise<[string, string]> {
  const sized = await Promise.all((await entries()).map(async (e) => ({ e, size: (await stat(join(dir, 'optimized', e, 'model.data'))).size })));
  expect(sized).toHaveLength(2);
  const [a, b] = sized.sort((x, y) => x.size - y.size);
  return [a!.e, b!.e];
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-optimized-'));
  notices = [];
  made = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('optimised models kept between runs', () => {
  it('a second run of the same graphs loads the kept models, unoptimised, and computes byte-equal results', async () => {
    const plain = await evaluate(ORT, base);
    const first = await evaluate(cached(), base);
    expect(made.every((m) => m.from === 'bytes')).toBe(true);
    // The features and the objective graph.
    expect(await entries()).toHaveLength(2);
    made = [];
    const second = await evaluate(cached(), base);
    expect(made).toEqual([{ from: 'path', level: 'disabled' }, { from: 'path', level: 'disabled' }]);
    expectSame(first, plain);
    expectSame(second, plain);
    expect(notices).toEqual([]);
  });

  it('a setting that changes the graph gets models of its own, never the kept ones of the old graph', async () => {
    const avg = { ...base, pooling: 'avg' as const };
    const plainAvg = await evaluate(ORT, avg);
    const max = await evaluate(cached(), base);
    made = [];
    const withAvg = await evaluate(cached(), avg);
    // Built from bytes, not loaded: the kept models are max pooling's.
    expect(made.every((m) => m.from === 'bytes')).toBe(true);
    expect(await entries()).toHaveLength(4);
    expectSame(withAvg, plainAvg);
    expect(withAvg.loss).not.toBe(max.loss);
  });

  it('other weights of the same shapes (another --model-file) are another graph: only the bytes of the weights differ', async () => {
    const other = { table: vgg19Table, weights: randomVggWeights(vgg19Table, 4, [8, 16, 16, 32, 32]) };
    const plainOther = await evaluate(ORT, base, other);
    await evaluate(cached(), base);
    made = [];
    expectSame(await evaluate(cached(), base, other), plainOther);
    expect(made.every((m) => m.from === 'bytes')).toBe(true);
  });

  it('the key covers the graph bytes (in parts or whole), the session options in any key order, and the onnxruntime version', () => {
    const bytes = [Uint8Array.of(1, 2, 3)];
    const options = { graphOptimizationLevel: 'all', extra: { session: { a: '1', b: '2' } } } as const;
    const key = cacheKey(bytes, options, '1.30.0');
    expect(cacheKey([Uint8Array.of(1, 2, 3)], { extra: { session: { b: '2', a: '1' } }, graphOptimizationLevel: 'all' }, '1.30.0')).toBe(key);
    // The bytes, however they are cut into parts.
    expect(cacheKey([Uint8Array.of(1), Uint8Array.of(2, 3)], options, '1.30.0')).toBe(key);
    expect(cacheKey([Uint8Array.of(1, 2, 4)], options, '1.30.0')).not.toBe(key);
    expect(cacheKey(bytes, { ...options, enableMemPattern: false }, '1.30.0')).not.toBe(key);
    expect(cacheKey(bytes, options, '1.31.0')).not.toBe(key);
  });

  it('an entry whose files were changed is noticed and rebuilt, and the results stay those without the cache', async () => {
    const plain = await evaluate(ORT, base);
    await evaluate(cached(), base);
    const [features, objective] = await featuresAndObjective();
    // Weights with bytes appended (onnxruntime would load them without a word), and a graph
    // overwritten with as many bytes of garbage.
    await appendFile(join(dir, 'optimized', features!, 'model.data'), new Uint8Array(4096));
    const graph = join(dir, 'optimized', objective!, 'model.onnx');
    await writeFile(graph, new Uint8Array((await stat(graph)).size).fill(7));
    made = [];
    const again = await evaluate(cached(), base);
    expectSame(again, plain);
    expect(made.every((m) => m.from === 'bytes')).toBe(true);
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatch(/model\.data has \d+ bytes, not \d+\); rebuilding it/);
    expect(notices[1]).toMatch(/model\.onnx does not match its checksum\); rebuilding it/);
    // Rebuilt: the next run loads them again.
    made = [];
    notices = [];
    expectSame(await evaluate(cached(), base), plain);
    expect(made.every((m) => m.from === 'path')).toBe(true);
    expect(notices).toEqual([]);
  });

  it('an entry without its manifest (a run killed mid-write) or that onnxruntime cannot load is rebuilt', async () => {
    await evaluate(cached(), base);
    const [features, objective] = await featuresAndObjective();
    await rm(join(dir, 'optimized', features!, 'manifest.json'));
    // A manifest that vouches for a graph onnxruntime cannot read.
    const manifestPath = join(dir, 'optimized', objective!, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { files: Record<string, { size: number; sha256?: string }> };
    const junk = new Uint8Array(manifest.files['model.onnx']!.size).fill(7);
    await writeFile(join(dir, 'optimized', objective!, 'model.onnx'), junk);
    const { createHash } = await import('node:crypto');
    manifest.files['model.onnx']!.sha256 = createHash('sha256').update(junk).digest('hex');
    await writeFile(manifestPath, JSON.stringify(manifest));
    made = [];
    await evaluate(cached(), base);
    expect(notices[0]).toMatch(/unusable \(no manifest\)/);
    expect(notices[1]).toMatch(/did not load/);
    expect(made.map((m) => m.from)).toEqual(['bytes', 'path', 'bytes']);
  });

  it('a cache folder that cannot be written costs a notice, not the run', async () => {
    await writeFile(join(dir, 'optimized'), 'a file where the folder should be');
    const plain = await evaluate(ORT, base);
    expectSame(await evaluate(cached(), base), plain);
    expect(notices[0]).toMatch(/cannot keep optimised models/);
  });
});

describe('weights read lazily from a file: keyed by the file and the graph, never read on a hit', () => {
  /** The file's weights as the CLI reads them (lazily), counting the reads of their values. */
  async function lazyNet(file: string): Promise<{ net: LoadedModel; loads: () => number }> {
    const net = await resolveModel({ model: 'vgg19', modelFile: file, lazy: true });
    let loads = 0;
    const load = net.weights.load!;
    net.weights.load = () => {
      loads++;
      return load();
    };
    return { net, loads: () => loads };
  }

  it('a second run loads the kept models without reading the weights, and a setting that changes the graph gets models of its own', async () => {
    const file = join(dir, 'w.safetensors');
    await writeRandomWeights(file, 'vgg19', [8, 16, 16, 32, 32], 5);
    const eager = await resolveModel({ model: 'vgg19', modelFile: file });
    const plain = await evaluate(ORT, base, eager);
    const avg = { ...base, pooling: 'avg' as const };
    const plainAvg = await evaluate(ORT, avg, eager);

    const first = await lazyNet(file);
    expectSame(await evaluate(cached(), base, first.net), plain);
    expect(first.loads()).toBeGreaterThan(0);
    expect(await entries()).toHaveLength(2);

    made = [];
    const second = await lazyNet(file);
    expectSame(await evaluate(cached(), base, second.net), plain);
    expect(made).toEqual([{ from: 'path', level: 'disabled' }, { from: 'path', level: 'disabled' }]);
    expect(second.loads()).toBe(0);

    // Same weights, same file: only the graph differs.
    made = [];
    const third = await lazyNet(file);
    expectSame(await evaluate(cached(), avg, third.net), plainAvg);
    expect(made.every((m) => m.from === 'bytes')).toBe(true);
    expect(third.loads()).toBeGreaterThan(0);
    expect(await entries()).toHaveLength(4);
    expect(notices).toEqual([]);
  });

  it('Winograd forms: the flipped and transformed copies made from the lazily read weights are those made from weights read whole', async () => {
    const file = join(dir, 'w.safetensors');
    await writeRandomWeights(file, 'vgg19', [8, 16, 16, 32, 32], 6);
    const f4 = { convForm: () => 'F4' as const };
    const plain = await evaluate(ORT, base, await resolveModel({ model: 'vgg19', modelFile: file }), f4);
    const first = await lazyNet(file);
    expectSame(await evaluate(cached(), base, first.net, f4), plain);
    made = [];
    const second = await lazyNet(file);
    expectSame(await evaluate(cached(), base, second.net, f4), plain);
    expect(made.every((m) => m.from === 'path')).toBe(true);
    expect(second.loads()).toBe(0);
  });
});
