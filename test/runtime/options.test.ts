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

  it('only the CPU gets the CPU-only gradient forms (WebGPU has no MaxPool Indices)', () => {
    expect(gradOptionsFor('cpu')).toEqual({ convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' });
    expect(gradOptionsFor('webgpu')).toEqual({});
    expect(gradOptionsFor('wasm')).toEqual({});
  });
});
