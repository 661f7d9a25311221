/**
 * Element types found in weight files, and their conversion to the float32 the project
 * computes in. Every file format stores little-endian data; `littleEndian: false` exists
 * for NumPy's '>f4' descriptors.
 */
import { WeightsError } from '../../errors.js';

/** safetensors' names, used as the common vocabulary of all the readers. */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

export const DTYPE_SIZE: Readonly<Record<DType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1,
  U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 half → number (exact: every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero / subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Decodes `count` elements of `dtype` from `bytes` (which must hold exactly that many) into
 * a fresh float32 array. Wider floats round to nearest; integers convert by value.
 * `owned`: the caller owns `bytes` and its whole buffer, so float32 data may be used in place.
 */
export function toFloat32(bytes: Uint8Array, dtype: DType, what: string, littleEndian = true, owned = false): Float32Array {
  const size = DTYPE_SIZE[dtype];
  if (bytes.length % size !== 0) {
    throw new WeightsError(`${what}: ${bytes.length} bytes is not a whole number of ${dtype} elements`);
  }
  const n = bytes.length / size;
  if (dtype === 'F32' && littleEndian === HOST_LITTLE_ENDIAN) {
    if (owned && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new Float32Array(bytes.buffer, 0, n);
    // slice() copies into a fresh, aligned buffer: the fast path for real weight files.
    return new Float32Array(bytes.slice().buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  const le = littleEndian;
  switch (dtype) {
    case 'F32': for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, le); break;
    case 'F64': for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, le); break;
    case 'F16': for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, le)); break;
    // bfloat16 is the top half of a float32.
    case 'BF16': {
      const scratch = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        scratch.setUint32(0, view.getUint16(i * 2, le) << 16);
        out[i] = scratch.getFloat32(0);
      }
      break;
    }
    case 'I64': for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, le)); break;
    case 'U64': for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(i * 8, le)); break;
    case 'I32': for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, le); break;
    case 'U32': for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, le); break;
    case 'I16': for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, le); break;
    case 'U16': for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, le); break;
    case 'I8': for (let i = 0; i < n; i++) out[i] = view.getInt8(i); break;
    case 'U8': case 'BOOL': for (let i = 0; i < n; i++) out[i] = view.getUint8(i); break;
  }
  return out;
}

/** float32 → little-endian bytes (a copy). */
export function float32ToBytesLE(data: Float32Array): Uint8Array {
  if (HOST_LITTLE_ENDIAN) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

/** Product of dims, or undefined when it is not a safe integer (garbage shapes). */
export function elementCount(dims: readonly number[]): number | undefined {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}
