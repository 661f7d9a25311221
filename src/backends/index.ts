/** Backends as records (types.ts): the registry, the probed choice, and the graph forms a profile asks for. */
export type { BackendProbe, BackendProfile, ConvFormTable, SessionOptions } from './types.js';
export { backendNames, backendProfile, backendProfiles, registerBackend, unregisterBackend } from './registry.js';
export { chooseBackend, type BackendChoice } from './choose.js';
export { convFormPicker, graphForms } from './forms.js';
export { cpuBackend, cpuKernelSessionOptions } from './cpu.js';
export { wasmBackend, WASM_BYTES } from './wasm.js';
export { webgpuBackend, WEBGPU_OPS, GPU_BUFFER_FACTOR } from './webgpu.js';
