import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { bytesSource } from '../../src/models/formats/byte-source.js';
import { halfToFloat } from '../../src/models/formats/dtypes.js';
import { decodeSafetensors, encodeSafetensors, openSafetensors } from '../../src/models/formats/safetensors.js';
import type { Tensor } from '../../src/models/types.js';
import { expected, FIXTURES, fixtureBytes, sha256 } from './fixtures.js';

/** Hand-built safetensors bytes: header object + raw data. */
function build(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function decodeError(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes, 'x.safetensors');
  } catch (err) {
    expect(err).toBeInstanceOf(WeightsError);
    return (err as Error).message;
  }
  throw new Error('expected decodeSafetensors to throw');
}

describe('safetensors', () => {
  it('decodes the Python-written fixture', () => {
    const tensors = decodeSafetensors(fixtureBytes(FIXTURES.safetensors));
    const conv = tensors.get('features.0.weight')!;
    expect(conv.dims).toEqual([4, 3, 3, 3]);
    expect(sha256(conv.data)).toBe(expected.vgg19.conv1_1!.weightSha256);
    expect(tensors.has('classifier.6.bias')).toBe(true);
  });

  it('encode → decode is the identity, header padded to 8 bytes, metadata kept', async () => {
    const tensors = new Map<string, Tensor>([
      ['a', { dims: [2, 3], data: Float32Array.of(1, -2, 3.5, 1e-30, -0, Infinity) }],
      ['empty', { dims: [0, 4], data: new Float32Array(0) }],
      ['scalar', { dims: [], data: Float32Array.of(42) }],
      ['ünïcode', { dims: [1], data: Float32Array.of(NaN) }],
    ]);
    const bytes = encodeSafetensors(tensors, { model: 'test' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [k, t] of tensors) {
      expect(back.get(k)!.dims).toEqual(t.dims);
      expect(Array.from(back.get(k)!.data)).toEqual(Array.from(t.data));
    }
    const archive = await openSafetensors(bytesSource(bytes));
    expect(archive.metadata).toEqual({ model: 'test' });
    expect(archive.shape('a')).toEqual([2, 3]);
  });

  it('encode refuses dims that do not match the data', () => {
    expect(() => encodeSafetensors(new Map([['t', { dims: [2, 2], data: new Float32Array(3) }]]))).toThrow(
      /cannot encode tensor 't': dims \[2, 2\] do not match its 3 values/,
    );
  });

  it('converts F16, BF16, F64 and integer dtypes to float32', () => {
    const f16 = Uint16Array.of(0x3c00, 0xc000, 0x0001, 0x7bff, 0xfc00); // 1, -2, 2^-24, 65504, -inf
    const bf16 = Uint16Array.of(0x3f80, 0xc049); // 1, -3.140625
    const f64 = Float64Array.of(0.1, -1e300);
    const i64 = BigInt64Array.of(-3n, 1n << 40n);
    const data = new Uint8Array(10 + 4 + 16 + 16);
    data.set(new Uint8Array(f16.buffer), 0);
    data.set(new Uint8Array(bf16.buffer), 10);
    data.set(new Uint8Array(f64.buffer), 14);
    data.set(new Uint8Array(i64.buffer), 30);
    const t = decodeSafetensors(build({
      h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [10, 14] },
      d: { dtype: 'F64', shape: [2], data_offsets: [14, 30] },
      l: { dtype: 'I64', shape: [2], data_offsets: [30, 46] },
    }, data));
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2, 2 ** -24, 65504, -Infinity]);
    expect(Array.from(t.get('b')!.data)).toEqual([1, -3.140625]);
    expect(Array.from(t.get('d')!.data)).toEqual([Math.fround(0.1), -Infinity]);
    expect(Array.from(t.get('l')!.data)).toEqual([-3, 2 ** 40]);
  });

  it('halfToFloat covers zero, subnormals and NaN', () => {
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it.each([
    ['a gap between tensors', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, 12, /tensor 'b' starts at data offset 8, expected 4 \(gap or overlap\)/],
    ['overlapping tensors', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8, /gap or overlap/],
    ['size not matching the shape', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8, /tensor 'a': shape \[3\] of F32 needs 12 bytes, data_offsets \[0, 8\] hold 8/],
    ['trailing bytes', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8, /tensors cover 4 bytes but the data section has 8/],
    ['an unknown dtype', { a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, 16, /tensor 'a' has dtype "F128"/],
    ['a negative dimension', { a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4, /tensor 'a' has shape \[-1\]/],
    ['bad offsets', { a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4, /tensor 'a' has data_offsets \[0\]/],
    ['non-string metadata', { __metadata__: { n: 1 } }, 0, /__metadata__ must map strings to strings/],
  ])('refuses %s', (_, header, dataLength, message) => {
    const msg = decodeError(build(header, new Uint8Array(dataLength)));
    expect(msg).toMatch(/^x\.safetensors: invalid safetensors header: /);
    expect(msg).toMatch(message);
  });

  it('refuses garbage headers and truncation', () => {
    expect(decodeError(new Uint8Array(5))).toBe('x.safetensors: truncated safetensors data (5 bytes)');
    const notJson = build({}, new Uint8Array(0));
    notJson[9] = 0x7b; // '{{'
    expect(decodeError(notJson)).toMatch(/not JSON/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 1n << 62n, true);
    expect(decodeError(huge)).toMatch(/header length 4611686018427387904, total 16 bytes/);
    const bytes = fixtureBytes(FIXTURES.safetensors);
    expect(decodeError(bytes.subarray(0, bytes.length - 4))).toMatch(/data section has/);
  });
});

describe('safetensors float32 data without a copy', () => {
  const tensors = new Map<string, Tensor>([
    ['a', { dims: [3], data: Float32Array.of(1, 2, 3) }],
    ['b', { dims: [2, 2], data: Float32Array.of(-1, 0.5, 7, 9) }],
  ]);

  it('from a file (reads the source hands over): the values, each tensor in a buffer of its own', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { fileSource } = await import('../../src/models/formats/byte-source-node.js');
    const dir = await mkdtemp(join(tmpdir(), 'ns-st-'));
    try {
      await writeFile(join(dir, 'w.safetensors'), encodeSafetensors(tensors));
      const source = await fileSource(join(dir, 'w.safetensors'));
      const archive = await openSafetensors(source);
      const [a, b] = [await archive.read('a'), await archive.read('b')];
      await source.close();
      expect([...a.data]).toEqual([1, 2, 3]);
      expect([...b.data]).toEqual([-1, 0.5, 7, 9]);
      expect(a.data.buffer).not.toBe(b.data.buffer);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('from bytes in memory (views of the caller\'s buffer): copies, so changing those bytes later changes no tensor', async () => {
    const bytes = encodeSafetensors(tensors);
    const a = await (await openSafetensors(bytesSource(bytes))).read('a');
    bytes.fill(0);
    expect([...a.data]).toEqual([1, 2, 3]);
  });
});
