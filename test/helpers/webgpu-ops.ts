/**
 * Ops that onnxruntime's WebGPU provider implements (from onnxruntime-web's
 * docs/webgpu-operators.md, 1.30), limited to what this project emits. Shape-only ops
 * (Shape, int64 arithmetic on shapes) are listed too: they run on the CPU side of the
 * provider by design. A test checks every graph we build against this list, so a new
 * gradient rule cannot quietly add an op that would fall back to the CPU (or fail) on a GPU.
 */
import type { GraphBuilder } from '../../src/graph/builder.js';
import { exportedNodes } from '../../src/graph/encode.js';

export const WEBGPU_OPS = new Set([
  'Abs', 'Add', 'ArgMax', 'ArgMin', 'AveragePool', 'Cast', 'Clip', 'Concat', 'Conv', 'ConvTranspose', 'DepthToSpace', 'Div',
  'Equal', 'Exp', 'Expand', 'Gather', 'Greater', 'Less', 'MatMul', 'MaxPool', 'Mul', 'Neg', 'Pad', 'Pow', 'Range',
  'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'Relu', 'Reshape', 'Resize', 'ScatterND', 'Shape',
  'Slice', 'Sqrt', 'Squeeze', 'Sub', 'Transpose', 'Unsqueeze', 'Where',
]);

/**
 * Attributes the WebGPU/WASM Conv kernels need spelled out rather than defaulted
 * (ECOSYSTEM.md: without them Conv fails in the browser's WebGPU provider).
 */
const REQUIRED_ATTRS: Record<string, string[]> = {
  Conv: ['kernel_shape', 'strides', 'dilations', 'pads'],
  ConvTranspose: ['kernel_shape', 'strides', 'dilations', 'pads'],
};

/** Problems that would stop the graph running on WebGPU: unsupported ops or missing attributes. */
export function webgpuProblems(g: GraphBuilder): string[] {
  const problems = new Set<string>();
  for (const node of exportedNodes(g)) {
    // onnxruntime folds nodes whose inputs are all constants before assigning providers.
    if (node.inputs.every((i) => i === '' || g.isInitializer(i))) continue;
    if (!WEBGPU_OPS.has(node.opType)) problems.add(`${node.opType} is not supported by the WebGPU provider`);
    for (const attr of REQUIRED_ATTRS[node.opType] ?? []) {
      if (node.attrs[attr] === undefined) problems.add(`${node.opType} ${node.name} lacks explicit ${attr}`);
    }
  }
  return [...problems];
}
