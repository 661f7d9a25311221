/**
 * Optimizer state ↔ text or bytes, for checkpoints.
 *
 * - `serializeState` / `deserializeState`: JSON text. Float32Array becomes
 *   {"$f32": base64 of its little-endian bytes}; numbers JSON cannot hold (NaN, ±Infinity,
 *   −0) become {"$num": "NaN"}; so every value comes back bit for bit. Handy for small
 *   states and for reading; base64 makes it 4/3 the size of the floats.
 * - `packState` / `unpackState`: bytes. A JSON header plus the raw float data, for real
 *   checkpoints: an L-BFGS state for a 512×512 image with 100 corrections holds ~630 MB of
 *   floats, past the longest string a JavaScript engine will build.
 *
 * Binary layout (all integers little-endian):
 *   0  8 bytes  magic "NSOPTST2"
 *   8  u32      header length H in bytes
 *   12 u32      CRC-32 of bytes 8–11 and 16 to the end (everything but the magic and itself)
 *   16 u32 × 2  length of the whole file in bytes, low word first
 *   24 H bytes  UTF-8 JSON, Float32Arrays replaced by {"$f32at": [byteOffset, length]}
 *   …  zero padding to a multiple of 4, then the float data (offsets count from its start)
 *
 * The checksum is there because a flipped bit in the floats still parses: it would resume
 * a run from a slightly different state and silently change its result. The length lets a
 * file that was cut short say "truncated" rather than just "checksum mismatch".
 * Format 1 ("NSOPTST1") had no checksum; it is refused with a message saying so.
 */
import { InputError } from '../errors.js';
import { crc32 } from '../util/crc32.js';
import type { OptimizerState, StateValue } from './types.js';

const MAGIC = 'NSOPTST2';
const MAGIC_V1 = 'NSOPTST1';
const FIXED = 24;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** State → JSON text that `deserializeState` turns back into an identical state. */
export function serializeState(state: OptimizerState): string {
  return JSON.stringify(encodeValue(state, (a) => ({ $f32: base64Encode(float32ToBytes(a)) })));
}

/** JSON text from `serializeState` → state. Throws InputError for anything else. */
export function deserializeState(text: string): OptimizerState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`optimizer state: not valid JSON (${(e as Error).message})`);
  }
  const value = decodeValue(raw, 'state', (tag, path) => {
    if (typeof tag.$f32 !== 'string') throw new InputError(`optimizer state: ${path}.$f32 should be a base64 string`);
    const bytes = base64Decode(tag.$f32, path);
    if (bytes.length % 4 !== 0) {
      throw new InputError(`optimizer state: ${path} holds ${bytes.length} bytes, not a whole number of float32 values`);
    }
    return bytesToFloat32(bytes);
  });
  return asState(value);
}

/** State → bytes that `unpackState` turns back into an identical state. */
export function packState(state: OptimizerState): Uint8Array {
  const arrays: Float32Array[] = [];
  let dataBytes = 0;
  const header = encodeValue(state, (a) => {
    const ref = { $f32at: [dataBytes, a.length] };
    arrays.push(a);
    dataBytes += a.length * 4;
    return ref;
  });
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(FIXED + headerBytes.length);
  const out = new Uint8Array(dataStart + dataBytes);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, headerBytes.length, true);
  view.setUint32(16, out.length % 2 ** 32, true);
  view.setUint32(20, Math.floor(out.length / 2 ** 32), true);
  out.set(headerBytes, FIXED);
  let at = dataStart;
  for (const a of arrays) {
    out.set(float32ToBytes(a), at);
    at += a.length * 4;
  }
  view.setUint32(12, checksum(out), true);
  return out;
}

/** The CRC-32 stored at byte 12: of everything after the magic except the field itself. */
function checksum(bytes: Uint8Array): number {
  return crc32(bytes.subarray(16), crc32(bytes.subarray(8, 12)));
}

/** Bytes from `packState` → state. Throws InputError for anything else. */
export function unpackState(bytes: Uint8Array): OptimizerState {
  const what = 'optimizer checkpoint';
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic === MAGIC_V1) {
    throw new InputError(
      `${what}: written by an older neural-style (format ${MAGIC_V1}, without a checksum), which this version ` +
        `does not read because it cannot tell whether the file is damaged; start the run again`,
    );
  }
  if (bytes.length < 8 || magic !== MAGIC) {
    throw new InputError(`${what}: not an optimizer state (expected the bytes to start with "${MAGIC}")`);
  }
  if (bytes.length < FIXED) throw new InputError(`${what}: truncated (${bytes.length} bytes, less than the fixed header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const written = view.getUint32(16, true) + view.getUint32(20, true) * 2 ** 32;
  if (bytes.length < written) throw new InputError(`${what}: truncated (${bytes.length} of ${written} bytes)`);
  if (bytes.length > written) throw new InputError(`${what}: damaged (${bytes.length} bytes where ${written} were written)`);
  const stored = view.getUint32(12, true);
  const actual = checksum(bytes);
  if (stored !== actual) {
    throw new InputError(`${what}: damaged (checksum mismatch: the file says CRC-32 ${hex(stored)}, its bytes give ${hex(actual)})`);
  }
  const headerLength = view.getUint32(8, true);
  if (FIXED + headerLength > bytes.length) {
    throw new InputError(`${what}: damaged (header says ${headerLength} bytes, only ${bytes.length - FIXED} follow)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED, FIXED + headerLength)));
  } catch (e) {
    throw new InputError(`${what}: damaged header (${(e as Error).message})`);
  }
  const dataStart = align4(FIXED + headerLength);
  const value = decodeValue(raw, 'state', (tag, path) => {
    const ref = tag.$f32at;
    if (!Array.isArray(ref) || ref.length !== 2 || !ref.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw new InputError(`${what}: ${path}.$f32at should be [byteOffset, length]`);
    }
    const [offset, length] = ref as [number, number];
    const start = dataStart + offset;
    if (start + length * 4 > bytes.length) {
      throw new InputError(`${what}: truncated (${path} needs bytes up to ${start + length * 4}, file has ${bytes.length})`);
    }
    return bytesToFloat32(bytes.subarray(start, start + length * 4));
  });
  return asState(value);
}

// ---------------------------------------------------------------------------------------

type Json = number | string | boolean | null | Json[] | { [key: string]: Json };

function encodeValue(v: StateValue, encodeArray: (a: Float32Array) => Json): Json {
  if (v instanceof Float32Array) return encodeArray(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $num: 'NaN' };
    if (v === Infinity) return { $num: 'Infinity' };
    if (v === -Infinity) return { $num: '-Infinity' };
    if (Object.is(v, -0)) return { $num: '-0' };
    return v;
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return (v as readonly StateValue[]).map((e) => encodeValue(e, encodeArray));
  if (typeof v === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, e] of Object.entries(v as { [key: string]: StateValue })) {
      if (k.startsWith('$')) throw new TypeError(`optimizer state keys must not start with "$" (got ${k})`);
      out[k] = encodeValue(e, encodeArray);
    }
    return out;
  }
  throw new TypeError(`optimizer state cannot hold a ${typeof v}`);
}

const SPECIAL_NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function decodeValue(
  v: unknown,
  path: string,
  decodeArray: (tag: Record<string, unknown>, path: string) => Float32Array,
): StateValue {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((e, i) => decodeValue(e, `${path}[${i}]`, decodeArray));
  const o = v as Record<string, unknown>;
  if ('$num' in o) {
    const s = o.$num;
    if (typeof s !== 'string' || !(s in SPECIAL_NUMBERS)) {
      throw new InputError(`optimizer state: ${path}.$num should be one of NaN, Infinity, -Infinity, -0`);
    }
    return SPECIAL_NUMBERS[s]!;
  }
  if ('$f32' in o || '$f32at' in o) return decodeArray(o, path);
  const out: { [key: string]: StateValue } = {};
  for (const [k, e] of Object.entries(o)) out[k] = decodeValue(e, `${path}.${k}`, decodeArray);
  return out;
}

function asState(v: StateValue): OptimizerState {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Float32Array) {
    throw new InputError('optimizer state: expected an object at the top level');
  }
  if (typeof (v as { kind?: unknown }).kind !== 'string') {
    throw new InputError('optimizer state: missing the "kind" field (e.g. "lbfgs" or "adam")');
  }
  return v as OptimizerState;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The array's values as little-endian bytes (a copy). */
function float32ToBytes(a: Float32Array): Uint8Array {
  const bytes = new Uint8Array(a.length * 4);
  if (LITTLE_ENDIAN_HOST) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  } else {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i]!, true);
  }
  return bytes;
}

/** Little-endian bytes (length a multiple of 4) → a new Float32Array. */
function bytesToFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 with padding; platform-neutral (no Buffer, no btoa limits on size). */
function base64Encode(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = B64_CODES[n >> 18]!;
    out[o++] = B64_CODES[(n >> 12) & 63]!;
    out[o++] = B64_CODES[(n >> 6) & 63]!;
    out[o++] = B64_CODES[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = B64_CODES[n >> 18]!;
    out[o++] = B64_CODES[(n >> 12) & 63]!;
    out[o++] = rest === 2 ? B64_CODES[(n >> 6) & 63]! : 61;
    out[o++] = 61; // '='
  }
  return new TextDecoder().decode(out);
}

function base64Decode(s: string, path: string): Uint8Array {
  if (s.length % 4 !== 0) throw new InputError(`optimizer state: ${path} is not valid base64 (length ${s.length})`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      const isPad = c === 61 && i + j >= s.length - pad;
      const v = isPad ? 0 : c < 128 ? B64_INDEX[c]! : -1;
      if (v < 0) throw new InputError(`optimizer state: ${path} is not valid base64 (bad character at ${i + j})`);
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
