/**
 * onnxruntime-web's WebAssembly backend: the CPU provider's kernels compiled to WASM, so
 * the CPU's gradient forms and session settings hold here too. Not its conv-form table:
 * WASM's direct Conv lacks MLAS's NCHWc kernels, and Winograd won almost everywhere there
 * (WASM_CONV_FORMS, measured in WASM). Nor its Winograd output transform: Chromium's WASM
 * measured the one Aᵀ⊗Aᵀ GEMM + DepthToSpace faster than the separable form in every
 * comparison (bench/RESULTS.md).
 * wasm32 addresses 4 GiB: that is a run's budget.
 */
import { WASM_CONV_FORMS } from '../graph/winograd/table.js';
import { cpuKernelSessionOptions } from './cpu.js';
import type { BackendProfile } from './types.js';

export const WASM_BYTES = 4 * 2 ** 30;

export const wasmBackend: BackendProfile = {
  name: 'wasm',
  label: 'WASM',
  executionProvider: 'wasm',
  sessionOptions: (extra) => cpuKernelSessionOptions('wasm', extra),
  gradients: { convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' },
  convForms: { rows: WASM_CONV_FORMS, unmeasured: 'rule' },
  winogradOutput: 'depthToSpace',
  probe: async () => ({ available: true }),
  memoryBudget: () => WASM_BYTES,
  preference: 0,
};
