/**
 * Browser-side helpers that need no browser: the Blob ByteSource (Node 20 has Blob) read
 * through readConvWeights, and the error messages the app shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, NumericalError, OutOfMemoryError, WeightsError } from '../../src/errors.js';
import { readConvWeights } from '../../src/models/formats/detect.js';
import { vgg19Table } from '../../src/models/layers.js';
import { blobSource } from '../../src/platform/browser-byte-source.js';
import { describeError, isOutOfMemory } from '../../web/src/describe-error.js';
import { guessPreprocessing } from '../../web/src/weights.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'weights');

describe('blobSource', () => {
  it('reads exact ranges and rejects ranges past the end with a WeightsError', async () => {
    const src = blobSource(new Blob([new Uint8Array([1, 2, 3, 4, 5])]), 'five.bin');
    expect(src.size).toBe(5);
    expect(src.description).toBe('five.bin');
    expect([...(await src.read(1, 3))]).toEqual([2, 3, 4]);
    expect([...(await src.read(5, 0))]).toEqual([]);
    await expect(src.read(3, 4)).rejects.toThrow(WeightsError);
    await expect(src.read(3, 4)).rejects.toThrow(/five\.bin: the file is truncated or corrupt/);
  });

  it('takes a File name as its description', () => {
    expect(blobSource(new File([new Uint8Array(1)], 'vgg19.pth')).description).toBe('vgg19.pth');
  });

  it('feeds readConvWeights the same tensors as an in-memory file', async () => {
    for (const name of ['mini-vgg19-zip.pth', 'mini-vgg19-legacy.pth', 'mini-vgg19.safetensors']) {
      const bytes = readFileSync(join(fixtures, name));
      const weights = await readConvWeights(blobSource(new Blob([bytes]), name), vgg19Table);
      expect(weights.size, name).toBe(16);
      expect(weights.get('conv1_1')!.weight.dims).toEqual([4, 3, 3, 3]);
    }
  });
});

describe('describeError', () => {
  it('turns memory failures into "try a smaller size"', () => {
    for (const err of [
      new Error('failed to allocate a buffer of size 1073741824'),
      new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'),
      new Error("Failed to execute 'createBuffer' on 'GPUDevice': buffer size exceeds the max buffer size limit"),
      new OutOfMemoryError('too big'),
    ]) {
      expect(isOutOfMemory(err), err.message).toBe(true);
    }
    const d = describeError(new Error('failed to allocate a buffer'), { imageSize: 1024, backend: 'webgpu' });
    expect(d.kind).toBe('memory');
    expect(d.message).toMatch(/Ran out of GPU memory at 1024 px\. Try a smaller size \(e\.g\. 512 px\)/);
  });

  it('passes the library’s own messages through, naming weights problems as such', () => {
    expect(describeError(new WeightsError('x.pth: missing tensor'))).toEqual({ kind: 'weights', message: 'These weights do not fit: x.pth: missing tensor' });
    expect(describeError(new InputError('bad image')).kind).toBe('input');
    expect(describeError(new NumericalError('NaN')).kind).toBe('numerical');
    expect(describeError(new DOMException('stop', 'AbortError')).kind).toBe('cancelled');
    const other = describeError(new TypeError('x is undefined'));
    expect(other).toEqual({ kind: 'internal', message: 'Unexpected error: x is undefined (details in the browser console)' });
    expect(isOutOfMemory(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('guessPreprocessing', () => {
  it('knows registry files and guesses others from the name, saying so', () => {
    const notes: string[] = [];
    expect(guessPreprocessing('vgg19-dcbb9e9d.pth', notes)).toBe('torchvision');
    expect(guessPreprocessing('vgg19-d01eb7cb.pth', notes)).toBe('caffe');
    expect(notes).toEqual([]);
    expect(guessPreprocessing('vgg16_weights.npz', notes)).toBe('frossard');
    expect(guessPreprocessing('my-vgg19.safetensors', notes)).toBe('caffe');
    expect(notes).toHaveLength(2);
  });
});
