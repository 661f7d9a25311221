/**
 * onnxruntime's WebGPU provider (Dawn; over Vulkan in Node, the browser's GPU in a page).
 * It keeps the portable gradient forms (src/graph/backward.ts): it has no MaxPool
 * `Indices` output. Its convolutions stay direct until a conv-form table is measured on a
 * GPU (bench/conv-forms.ts): its Conv is a GPU kernel of its own, and nothing measured on
 * the CPU says anything about it. Whether it works, and how much memory a GPU offers,
 * only the platform can tell: each platform entry makes the profile with its own probe.
 */
import type { BackendProbe, BackendProfile } from './types.js';
import type { OrtModule } from '../runtime/ort.js';

/**
 * Ops the WebGPU provider implements (onnxruntime-web's docs/webgpu-operators.md, 1.30),
 * limited to what this project emits. Shape-only ops (Shape, int64 arithmetic on shapes)
 * are listed too: they run on the CPU side of the provider by design.
 */
export const WEBGPU_OPS: ReadonlySet<string> = new Set([
  'Abs', 'Add', 'AveragePool', 'Cast', 'Concat', 'Conv', 'ConvTranspose', 'DepthToSpace', 'Div', 'Equal', 'Expand', 'Greater',
  'MatMul', 'MaxPool', 'Mul', 'Neg', 'Pad', 'ReduceMean', 'ReduceProd', 'ReduceSum', 'Relu', 'Reshape', 'Resize',
  'Shape', 'Slice', 'Sqrt', 'Sub', 'Transpose', 'Where',
]);

/**
 * WebGPU tells no one how much memory the GPU has. The largest buffer the adapter allows
 * is the one hint it gives (256 MiB on small mobile GPUs, 2–4 GiB on desktop ones), and a
 * device holds a few such buffers at best: twice that is the budget.
 */
export const GPU_BUFFER_FACTOR = 2;

export function webgpuBackend(probe: (ort: OrtModule) => Promise<BackendProbe>): BackendProfile {
  return {
    name: 'webgpu',
    label: 'WebGPU',
    executionProvider: 'webgpu',
    // Shape arithmetic (Shape, int64 Sub/Concat) runs on the CPU by design, and onnxruntime
    // warns about that node assignment at every session; errors still show.
    sessionOptions: (extra = {}) => ({ executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3, ...extra }),
    gradients: {},
    convForms: { rows: [], unmeasured: 'direct' },
    winogradOutput: 'separable',
    ops: WEBGPU_OPS,
    probe,
    memoryBudget: (p) => (p.available && p.maxBufferSize && p.maxBufferSize > 0 ? GPU_BUFFER_FACTOR * p.maxBufferSize : undefined),
    preference: 10,
  };
}
