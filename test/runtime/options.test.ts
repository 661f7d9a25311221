import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { backendProfile, chooseBackend, cpuBackend, graphForms, registerBackend, unregisterBackend, wasmBackend } from '../../src/backends/index.js';
import { OptionError } from '../../src/errors.js';
import type { OrtModule } from '../../src/runtime/ort.js';

describe('backend profiles', () => {
  it('a session asks for the profile’s own provider, and the caller can override every default', () => {
    expect(backendProfile('webgpu').sessionOptions().executionProviders).toEqual(['webgpu']);
    const o = cpuBackend.sessionOptions({ enableMemPattern: true, graphOptimizationLevel: 'basic' });
    expect(o.executionProviders).toEqual(['cpu']);
    expect(o.enableMemPattern).toBe(true);
    expect(o.graphOptimizationLevel).toBe('basic');
    expect(backendProfile('webgpu').sessionOptions().enableMemPattern).toBeUndefined();
  });

  it('the CPU and WASM (the same kernels) get the CPU gradient forms; WebGPU, which has no MaxPool Indices, the portable ones', () => {
    expect(cpuBackend.gradients).toEqual({ convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' });
    expect(wasmBackend.gradients).toEqual(cpuBackend.gradients);
    expect(backendProfile('webgpu').gradients).toEqual({});
  });

  it('the CPU and WASM sessions sleep between kernels instead of spinning, and plan no memory pattern', () => {
    for (const profile of [cpuBackend, wasmBackend]) {
      const o = profile.sessionOptions();
      expect(o.enableMemPattern).toBe(false);
      expect(o.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    }
  });

  it('WebGPU keeps every conv direct until a table is measured on a GPU; the CPU and WASM read the CPU’s table', () => {
    const o = { convAlgorithm: 'auto', imageSize: 512 };
    expect(graphForms(backendProfile('webgpu'), o).convForm).toBeUndefined();
    const shape = { inChannels: 256, outChannels: 256, side: 128, role: 'forward' as const };
    expect(graphForms(cpuBackend, o).convForm!(shape)).toBe('F4');
    expect(graphForms(wasmBackend, o).convForm!(shape)).toBe('F4');
  });

  it('an unknown name is an OptionError listing the registered backends, never a fall back to the CPU’s choices', () => {
    let caught: unknown;
    try {
      backendProfile('cuda');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OptionError);
    expect((caught as OptionError).message).toBe("backend must be one of auto, cpu, webgpu, wasm (the backends registered here), got 'cuda'");
  });

  it('auto takes the available backend with the highest preference, and says what it skipped', async () => {
    const gpu = { ...cpuBackend, name: 'fake-gpu', label: 'FakeGPU', preference: 20, probe: async () => ({ available: false as const, reason: 'no adapter' }) };
    registerBackend(gpu);
    try {
      const choice = await chooseBackend(ort as unknown as OrtModule, 'auto');
      expect(choice.reason).toMatch(/^backend: \w+ \(auto: FakeGPU unavailable: no adapter/);
      await expect(chooseBackend(ort as unknown as OrtModule, 'fake-gpu')).rejects.toThrow('backend fake-gpu: FakeGPU is not available here (no adapter); use backend cpu');
    } finally {
      unregisterBackend('fake-gpu');
    }
  });
});
