/**
 * onnxruntime-web's two backends as the worker sees them: whether WebGPU can be tried
 * (and the adapter's buffer limit, for the memory budget), and how many WASM threads the
 * page allows.
 */
import * as ort from 'onnxruntime-web';
import { firstLine } from './describe-error.js';
import type { GpuFacts } from './memory-budget.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ limits?: { maxBufferSize?: number } } | null>;
}

export interface WebGpuProbe extends GpuFacts {
  available: boolean;
  reason: string;
}

let webgpu: Promise<WebGpuProbe> | undefined;

/** Whether WebGPU can be tried: `navigator.gpu` exists and gives an adapter (within 3 s); and its buffer limit. */
export function probeWebGpu(): Promise<WebGpuProbe> {
  webgpu ??= (async () => {
    const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
    if (!gpu) return { available: false, reason: 'this browser has no navigator.gpu' };
    try {
      const adapter = await Promise.race([
        gpu.requestAdapter({ powerPreference: 'high-performance' }),
        new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), 3000)),
      ]);
      if (adapter === 'timeout') return { available: false, reason: 'requestAdapter gave no answer within 3 s' };
      if (!adapter) return { available: false, reason: 'no GPU adapter: no usable GPU, or WebGPU is disabled' };
      return { available: true, reason: 'WebGPU adapter found', maxBufferSize: adapter.limits?.maxBufferSize };
    } catch (err) {
      return { available: false, reason: `requestAdapter failed: ${firstLine(err)}` };
    }
  })();
  return webgpu;
}

export function wasmThreads(): number {
  // Threads need SharedArrayBuffer, which needs a cross-origin isolated page (COOP/COEP).
  if (!scope.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
}

export function wasmLabel(): string {
  const n = ort.env.wasm.numThreads ?? 1;
  return `WASM (${n} thread${n === 1 ? '' : 's'}${scope.crossOriginIsolated ? '' : '; page not cross-origin isolated'})`;
}
