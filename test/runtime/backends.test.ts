/**
 * Every backend onnxruntime-node can run here computes the same objective as the CPU
 * provider: the PyTorch parity fixture evaluated on each, compared with the CPU result.
 *
 * WebGPU needs an adapter. Without a GPU, Mesa's software Vulkan driver (lavapipe) serves:
 * Dawn accepts lavapipe from Mesa 25 (Debian bookworm-backports' mesa-vulkan-drivers) but
 * not bookworm's Mesa 22.3 ("shaderUniform*ArrayDynamicIndexing required");
 * `export VK_ICD_FILENAMES="$(bench/setup-lavapipe.sh)"` sets one up without touching the
 * system. Where no adapter is found the WebGPU cases are skipped, and the skip names the
 * reason. On lavapipe the first case takes ~30 s (shader compilation), the next ~1 s.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { encodeModel } from '../../src/graph/encode.js';
import { CompiledObjective, type Evaluation } from '../../src/runtime/objective.js';
import { backendProfile } from '../../src/backends/index.js';
import type { GraphForms } from '../../src/graph/passes/index.js';

type BackendName = 'cpu' | 'webgpu';
import { loadParityFixture, parityTargets, type ParityFixture } from '../helpers/parity-fixture.js';

/** Whether a tiny Conv session runs on `backend`, and why not. */
async function probe(backend: BackendName): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const g = new GraphBuilder();
    const x = g.addInput('x', [1, 1, 4, 4]);
    const w = g.addInitializer('w', new Float32Array(9).fill(1), [1, 1, 3, 3]);
    g.addOutput(g.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1] }, 'y'), [1, 1, 4, 4]);
    const session = await ort.InferenceSession.create(encodeModel(g), backendProfile(backend).sessionOptions());
    await session.run({ x: new ort.Tensor('float32', new Float32Array(16).fill(1), [1, 1, 4, 4]) });
    await session.release();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: String((e as Error).message ?? e).split('\n')[0]!.slice(-160) };
  }
}

async function evaluateOn(fx: ParityFixture, name: BackendName, forms: Partial<GraphForms> = {}): Promise<Evaluation> {
  const backend = backendProfile(name);
  const targets = await parityTargets(ort, fx, backend);
  const objective = await CompiledObjective.create(ort, { table: fx.table, weights: fx.weights }, fx.spec, { backend, forms });
  const result = await objective.bind(targets, fx.spec.width, fx.spec.height).evaluate(fx.tensors.get('x')!.data);
  await objective.release();
  return { ...result, grad: result.grad.slice() };
}

function expectClose(ours: Evaluation, reference: Evaluation): void {
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
  expect(rel(ours.loss, reference.loss)).toBeLessThan(1e-4);
  expect(rel(ours.parts.content, reference.parts.content)).toBeLessThan(1e-4);
  expect(rel(ours.parts.style, reference.parts.style)).toBeLessThan(1e-4);
  expect(rel(ours.parts.tv, reference.parts.tv)).toBeLessThan(1e-4);
  let dot = 0, na = 0, nb = 0, maxErr = 0, maxRef = 0;
  for (let i = 0; i < ours.grad.length; i++) {
    const a = ours.grad[i]!, b = reference.grad[i]!;
    dot += a * b;
    na += a * a;
    nb += b * b;
    maxErr = Math.max(maxErr, Math.abs(a - b));
    maxRef = Math.max(maxRef, Math.abs(b));
  }
  expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.9999);
  expect(maxErr).toBeLessThan(1e-3 * maxRef);
}

const webgpu = await probe('webgpu');
const fixtures = ['max-two-styles', 'avg-normalized'];

describe('CPU gradient-graph forms agree', () => {
  // The CPU defaults (flipped-weight Conv, MaxPool indices, Mul mask) against the portable
  // forms every provider runs (ConvTranspose, Resize/Equal mask, Where).
  for (const name of fixtures) {
    it(name, async () => {
      const fx = loadParityFixture(name);
      const fast = await evaluateOn(fx, 'cpu');
      const portable = await evaluateOn(fx, 'cpu', { convGrad: 'ConvTranspose', maxPoolGrad: 'mask', reluGrad: 'where' });
      expectClose(fast, portable);
    });
  }
});

describe.skipIf(!webgpu.ok)(`WebGPU agrees with CPU${webgpu.ok ? '' : ` — skipped, no WebGPU adapter: ${webgpu.reason}`}`, () => {
  for (const name of fixtures) {
    it(name, { timeout: 300_000 }, async () => {
      const fx = loadParityFixture(name);
      expectClose(await evaluateOn(fx, 'webgpu'), await evaluateOn(fx, 'cpu'));
    });
    // auto keeps WebGPU direct; the Winograd forms are ordinary ops it must still run right.
    it(`${name}, every conv Winograd F4`, { timeout: 300_000 }, async () => {
      const fx = loadParityFixture(name);
      const f4 = { convForm: () => 'F4' as const };
      expectClose(await evaluateOn(fx, 'webgpu', f4), await evaluateOn(fx, 'cpu'));
    });
  }
});
