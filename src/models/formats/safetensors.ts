/**
 * safetensors (https://github.com/huggingface/safetensors): u64 LE header length N, N bytes
 * of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}`, then
 * the data; offsets are relative to the data section. Validation follows the reference
 * implementation: offsets must tile the data section exactly, in order, with no gaps, and
 * each tensor's byte length must equal its element count × dtype size.
 *
 * decodeSafetensors/encodeSafetensors work on bytes in memory (the conv-only cache copy);
 * openSafetensors reads a ByteSource lazily, one tensor at a time.
 */
import { WeightsError } from '../../errors.js';
import type { Tensor } from '../types.js';
import type { TensorArchive } from './archive.js';
import { readRange, type ByteSource } from './byte-source.js';
import { DTYPE_SIZE, elementCount, float32ToBytesLE, isDType, toFloat32, type DType } from './dtypes.js';

/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000;

export interface SafetensorsEntry {
  dtype: DType;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Offset of the data section (8 + N). */
  dataStart: number;
}

/** True when the first bytes could start a safetensors file of `size` bytes. */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9) return false;
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(Math.min(MAX_HEADER, size - 8)) && head[8] === 0x7b; // '{'
}

/** Validates the header JSON against a file of `fileSize` bytes. */
export function parseSafetensorsHeader(json: Uint8Array, fileSize: number, description: string): SafetensorsHeader {
  const fail = (msg: string): never => {
    throw new WeightsError(`${description}: invalid safetensors header: ${msg}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('not a JSON object');
  const dataStart = 8 + json.length;
  const dataLength = fileSize - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) ||
        !Object.values(value).every((v) => typeof v === 'string')) fail('__metadata__ must map strings to strings');
      metadata = value as Record<string, string>;
      continue;
    }
    if (typeof value !== 'object' || value === null) return fail(`entry '${key}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isDType(dtype)) return fail(`tensor '${key}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_SIZE).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return fail(`tensor '${key}' has shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      return fail(`tensor '${key}' has data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const numel = elementCount(shape as number[]);
    if (numel === undefined || end < begin || end - begin !== numel * DTYPE_SIZE[dtype]) {
      return fail(`tensor '${key}': shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel === undefined ? '?' : numel * DTYPE_SIZE[dtype]} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.set(key, { dtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end });
  }
  // Offsets must tile [0, dataLength) exactly.
  const sorted = [...entries].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let expected = dataStart;
  for (const [key, e] of sorted) {
    if (e.begin !== expected) fail(`tensor '${key}' starts at data offset ${e.begin - dataStart}, expected ${expected - dataStart} (gap or overlap)`);
    expected = e.end;
  }
  if (expected - dataStart !== dataLength) {
    fail(`tensors cover ${expected - dataStart} bytes but the data section has ${dataLength} (truncated or padded file)`);
  }
  return { entries, metadata, dataStart };
}

async function readHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const description = source.description;
  if (source.size < 8) throw new WeightsError(`${description}: truncated safetensors file (${source.size} bytes)`);
  const lengthBytes = await readRange(source, 0, 8, 'the safetensors header length');
  const n = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw new WeightsError(`${description}: invalid safetensors header length ${n}`);
  if (n > BigInt(source.size - 8)) {
    throw new WeightsError(`${description}: truncated safetensors file: header of ${n} bytes, file of ${source.size}`);
  }
  const json = await readRange(source, 8, Number(n), 'the safetensors header');
  return parseSafetensorsHeader(json, source.size, description);
}

export async function openSafetensors(source: ByteSource): Promise<TensorArchive & { metadata: Record<string, string> }> {
  const description = source.description;
  const header = await readHeader(source);
  const keys = [...header.entries.keys()];
  return {
    format: 'safetensors',
    description,
    metadata: header.metadata,
    keys: () => keys,
    shape: (key) => header.entries.get(key)?.shape.slice(),
    async read(key: string): Promise<Tensor> {
      const e = header.entries.get(key);
      if (!e) throw new WeightsError(`${description}: no tensor '${key}' in the file`);
      const bytes = await readRange(source, e.begin, e.end - e.begin, `tensor '${key}'`);
      return { dims: e.shape.slice(), data: toFloat32(bytes, e.dtype, `${description}: tensor '${key}'`, true, source.freshReads) };
    },
  };
}

/**
 * Decodes a whole safetensors file held in memory. Every tensor comes back as float32
 * (other float widths and integers are converted by value).
 */
export function decodeSafetensors(bytes: Uint8Array, description = 'safetensors data'): Map<string, Tensor> {
  const fail = (msg: string): never => {
    throw new WeightsError(`${description}: ${msg}`);
  };
  if (bytes.length < 8) fail(`truncated safetensors data (${bytes.length} bytes)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) fail(`truncated or invalid safetensors data: header length ${n}, total ${bytes.length} bytes`);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + Number(n)), bytes.length, description);
  const out = new Map<string, Tensor>();
  for (const [key, e] of header.entries) {
    out.set(key, { dims: e.shape.slice(), data: toFloat32(bytes.subarray(e.begin, e.end), e.dtype, `${description}: tensor '${key}'`) });
  }
  return out;
}

/**
 * Encodes float32 tensors as safetensors (dtype F32), in the map's order. The header is
 * padded with spaces to a multiple of 8 bytes like the reference writer, so the data of
 * every tensor stays 4-byte aligned in the file.
 */
export function encodeSafetensors(tensors: Map<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [key, t] of tensors) {
    if (key === '__metadata__') throw new WeightsError(`cannot encode a tensor named '__metadata__'`);
    const numel = elementCount(t.dims);
    if (numel !== t.data.length) {
      throw new WeightsError(`cannot encode tensor '${key}': dims [${t.dims.join(', ')}] do not match its ${t.data.length} values`);
    }
    header[key] = { dtype: 'F32', shape: t.dims, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors.values()) {
    out.set(float32ToBytesLE(t.data), at);
    at += t.data.length * 4;
  }
  return out;
}
