/**
 * How many bytes a run may use on each of onnxruntime-web's backends: the
 * `availableBytes` of the core's memory pre-flight (src/stylize/preflight.ts), so a size
 * that cannot fit is refused, with a size that does, before minutes of compiling and
 * iterating end in an allocation failure. One record per backend.
 */

/** What the worker learnt about the GPU when it probed for WebGPU. */
export interface GpuFacts {
  /** The adapter's `limits.maxBufferSize`, when there was an adapter. */
  maxBufferSize?: number;
}

/** wasm32 addresses 4 GiB, and onnxruntime-web's WASM build is wasm32. */
export const WASM_BYTES = 4 * 2 ** 30;

/**
 * WebGPU tells no one how much memory the GPU has. The largest buffer the adapter allows
 * is the one hint it gives (256 MiB on small mobile GPUs, 2–4 GiB on desktop ones), and a
 * device holds a few such buffers at best: twice that is the budget.
 */
export const GPU_BUFFER_FACTOR = 2;

export const MEMORY_BUDGET: Record<'webgpu' | 'wasm', (gpu: GpuFacts) => number> = {
  wasm: () => WASM_BYTES,
  webgpu: (gpu) => (gpu.maxBufferSize && gpu.maxBufferSize > 0 ? GPU_BUFFER_FACTOR * gpu.maxBufferSize : WASM_BYTES),
};
