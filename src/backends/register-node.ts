/**
 * Node's backends (onnxruntime-node): the CPU provider, with the operating system's free
 * memory as a run's budget, and WebGPU through Dawn over Vulkan.
 *
 * WebGPU is tried by creating a one-node session with it: the provider is bundled in
 * onnxruntime-node, but only works where Dawn finds an adapter (a GPU with Vulkan on
 * Linux). On Linux with no GPU device node at all the probe is skipped: it would fail
 * anyway, after printing Dawn's adapter noise on stderr. The answer is remembered for the
 * process.
 */
import { existsSync, readdirSync } from 'node:fs';
import { freemem } from 'node:os';
import { GraphBuilder } from '../graph/builder.js';
import { encodeModel } from '../graph/encode.js';
import type { OrtModule } from '../runtime/ort.js';
import { cpuBackend } from './cpu.js';
import { registerBackend } from './registry.js';
import type { BackendProbe, BackendProfile } from './types.js';
import { webgpuBackend } from './webgpu.js';
import { firstLine } from '../util/first-line.js';

/** Why WebGPU cannot work here, or undefined if a probe is worth trying. */
function noGpuDevice(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const dri = existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  if (dri || existsSync('/dev/nvidia0') || existsSync('/dev/dxg')) return undefined;
  return 'no GPU device (/dev/dri/renderD*, /dev/nvidia0)';
}

async function tryWebgpuSession(ort: OrtModule): Promise<BackendProbe> {
  const device = noGpuDevice();
  if (device) return { available: false, reason: device };
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
    return { available: true, detail: 'a GPU adapter answered' };
  } catch (e) {
    const msg = firstLine(e);
    // onnxruntime prefixes its source location; the part after the last '. ' or ': ' says it.
    return { available: false, reason: msg.replace(/^.*?(Failed to|No supported)/, '$1').trim() || 'unknown error' };
  }
}

let webgpuProbe: Promise<BackendProbe> | undefined;

/** The CPU with the free memory of this machine as a run's budget. */
export const nodeCpuBackend: BackendProfile = { ...cpuBackend, memoryBudget: () => freemem() };

export const nodeWebgpuBackend: BackendProfile = webgpuBackend((ort) => (webgpuProbe ??= tryWebgpuSession(ort)));

/** Register Node's backends (idempotent; names another platform registered first stay theirs). The CPU first: it is the default. */
export function registerNodeBackends(): void {
  registerBackend(nodeCpuBackend, { ifAbsent: true });
  registerBackend(nodeWebgpuBackend, { ifAbsent: true });
}
