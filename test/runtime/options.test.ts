import { describe, expect, it } from 'vitest';
import { backendOf, gradOptionsFor, sessionOptionsFor } from '../../src/runtime/ort.js';

describe('runtime options per backend', () => {
  it('backendOf reads the first execution provider', () => {
    expect(backendOf({})).toBe('cpu');
    expect(backendOf(sessionOptionsFor('webgpu'))).toBe('webgpu');
    expect(backendOf({ executionProviders: [{ name: 'wasm' }] })).toBe('wasm');
  });

  it('sessionOptionsFor lets the caller override every default', () => {
    const o = sessionOptionsFor('cpu', { enableMemPattern: true, graphOptimizationLevel: 'basic' });
    expect(o.enableMemPattern).toBe(true);
    expect(o.graphOptimizationLevel).toBe('basic');
    expect(sessionOptionsFor('webgpu').enableMemPattern).toBeUndefined();
  });

  it('the CPU and WASM (the same kernels) get the CPU gradient forms; WebGPU, which has no MaxPool Indices, the portable ones', () => {
    expect(gradOptionsFor('cpu')).toEqual({ convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' });
    expect(gradOptionsFor('wasm')).toEqual(gradOptionsFor('cpu'));
    expect(gradOptionsFor('webgpu')).toEqual({});
  });

  it('the CPU and WASM sessions sleep between kernels instead of spinning, and plan no memory pattern', () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const o = sessionOptionsFor(backend);
      expect(o.enableMemPattern).toBe(false);
      expect(o.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    }
  });
});
