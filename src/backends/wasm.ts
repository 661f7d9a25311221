/**
 * onnxruntime-web's WebAssembly backend: the CPU provider's kernels compiled to WASM, so
 * the CPU's gradient forms, session settings and conv-form table hold here too — except
 * the Winograd output transform, where Chromium's WASM measured the one Aᵀ⊗Aᵀ GEMM +
 * DepthToSpace faster than the separable form in every comparison (bench/RESULTS.md).
 * wasm32 addresses 4 GiB: that is a run's budget.
 */
import { CPU_CONV_FORMS } from '../graph/winograd/table.js';
import { cpuKernelSessionOptions } from './cpu.js';
import type { BackendProfile } from './types.js';

export const WASM_BYTES = 4 * 2 ** 30;

export const wasmBackend: BackendProfile = {
  name: 'wasm',
  label: 'WASM',
  executionProvider: 'wasm',
  sessionOptions: (extra) => cpuKernelSessionOptions('wasm', extra),
  gradients: { convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' },
  convForms: { rows: CPU_CONV_FORMS, unmeasured: 'rule' },
  winogradOutput: 'depthToSpace',
  probe: async () => ({ available: true }),
  memoryBudget: () => WASM_BYTES,
  preference: 0,
};
