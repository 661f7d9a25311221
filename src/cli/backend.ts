/**
 * `--backend auto|cpu|webgpu` → the onnxruntime execution provider to run on.
 *
 * WebGPU is tried by creating a one-node session with it: the provider is bundled in
 * onnxruntime-node, but only works where Dawn finds an adapter (a GPU with Vulkan on
 * Linux). On Linux with no GPU device node at all the probe is skipped: it would fail
 * anyway, after printing Dawn's adapter noise on stderr.
 */
import { existsSync, readdirSync } from 'node:fs';
import { NeuralStyleError } from '../errors.js';
import { GraphBuilder } from '../graph/builder.js';
import { encodeModel } from '../graph/encode.js';
import type { BackendName, OrtModule } from '../runtime/ort.js';
import type { CliBackend } from './options.js';

export interface BackendChoice {
  backend: BackendName;
  /** One line for stderr: what was chosen and why. */
  reason: string;
}

/** Why WebGPU cannot work here, or undefined if a probe is worth trying. */
function noGpuDevice(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const dri = existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  if (dri || existsSync('/dev/nvidia0') || existsSync('/dev/dxg')) return undefined;
  return 'no GPU device (/dev/dri/renderD*, /dev/nvidia0)';
}

/** Undefined when a WebGPU session runs; otherwise the first line of the reason. */
async function probeWebgpu(ort: OrtModule): Promise<string | undefined> {
  const device = noGpuDevice();
  if (device) return device;
  const g = new GraphBuilder();
  g.addInput('x', [2]);
  g.addOutput(g.op('Relu', ['x'], {}, 'y'), [2]);
  try {
    const session = await ort.InferenceSession.create(encodeModel(g, 'webgpu_probe'), { executionProviders: ['webgpu'] });
    try {
      await session.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 1), [2]) });
    } finally {
      await session.release();
    }
    return undefined;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    // onnxruntime prefixes its source location; the part after the last '. ' or ': ' says it.
    return msg.replace(/^.*?(Failed to|No supported)/, '$1').trim() || 'unknown error';
  }
}

export async function chooseBackend(ort: OrtModule, requested: CliBackend): Promise<BackendChoice> {
  if (requested === 'cpu') return { backend: 'cpu', reason: 'backend: cpu' };
  const problem = await probeWebgpu(ort);
  if (requested === 'webgpu') {
    if (problem) throw new NeuralStyleError(`--backend webgpu: WebGPU is not available here (${problem}); use --backend cpu`);
    return { backend: 'webgpu', reason: 'backend: webgpu' };
  }
  return problem
    ? { backend: 'cpu', reason: `backend: cpu (auto: WebGPU unavailable: ${problem})` }
    : { backend: 'webgpu', reason: 'backend: webgpu (auto: a GPU adapter answered)' };
}
