/**
 * The browser's backends (onnxruntime-web): WebAssembly, and WebGPU where the page gets
 * an adapter. The probe asks `navigator.gpu` for one (within 3 s) and keeps its largest
 * buffer size, WebGPU's only hint of the memory there is.
 */
import { registerBackend } from './registry.js';
import type { BackendProbe, BackendProfile } from './types.js';
import { wasmBackend, WASM_BYTES } from './wasm.js';
import { webgpuBackend } from './webgpu.js';

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ limits?: { maxBufferSize?: number } } | null>;
}

let probed: Promise<BackendProbe> | undefined;

const firstLineOf = (err: unknown) => (err instanceof Error ? err.message || err.name : String(err)).split('\n', 1)[0]!.slice(0, 500);

/** Whether WebGPU can be tried here, asked once per page (or worker). */
export function probeBrowserWebgpu(): Promise<BackendProbe> {
  probed ??= (async (): Promise<BackendProbe> => {
    const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu;
    if (!gpu) return { available: false, reason: 'this browser has no navigator.gpu' };
    try {
      const adapter = await Promise.race([
        gpu.requestAdapter({ powerPreference: 'high-performance' }),
        new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), 3000)),
      ]);
      if (adapter === 'timeout') return { available: false, reason: 'requestAdapter gave no answer within 3 s' };
      if (!adapter) return { available: false, reason: 'no GPU adapter: no usable GPU, or WebGPU is disabled' };
      return { available: true, detail: 'WebGPU adapter found', maxBufferSize: adapter.limits?.maxBufferSize };
    } catch (err) {
      return { available: false, reason: `requestAdapter failed: ${firstLineOf(err)}` };
    }
  })();
  return probed;
}

const webgpu = webgpuBackend(() => probeBrowserWebgpu());

/** In a tab, WebGPU's budget falls back to what WASM could hold when the adapter gives no hint. */
export const browserWebgpuBackend: BackendProfile = { ...webgpu, memoryBudget: (p) => webgpu.memoryBudget!(p) ?? WASM_BYTES };

/** Register the browser's backends (idempotent; names another platform registered first stay theirs). WASM first: it is the default. */
export function registerBrowserBackends(): void {
  registerBackend(wasmBackend, { ifAbsent: true });
  registerBackend(browserWebgpuBackend, { ifAbsent: true });
}
