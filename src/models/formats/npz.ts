/**
 * NumPy .npz (a ZIP of .npy arrays), the format of Davi Frossard's `vgg16_weights.npz`:
 * keys `conv1_1_W` (kernels in TensorFlow's HWIO layout) and `conv1_1_b`, plus fc6–fc8.
 * This reader returns arrays exactly as stored; the HWIO → OIHW transpose belongs to the
 * key mapping (detect.ts), which knows which arrays are kernels.
 */
import { WeightsError } from '../../errors.js';
import type { Tensor } from '../types.js';
import type { TensorArchive } from './archive.js';
import type { ByteSource } from './byte-source.js';
import { DTYPE_SIZE, elementCount, toFloat32, type DType } from './dtypes.js';
import { readZip, type ZipArchive } from './zip.js';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const NPY_KINDS: Record<string, DType> = {
  f2: 'F16', f4: 'F32', f8: 'F64',
  i1: 'I8', i2: 'I16', i4: 'I32', i8: 'I64',
  u1: 'U8', u2: 'U16', u4: 'U32', u8: 'U64', b1: 'BOOL',
};

export interface NpyHeader {
  dtype: DType;
  littleEndian: boolean;
  shape: number[];
  /** Offset of the array data in the .npy bytes. */
  dataOffset: number;
}

/** Parses a .npy header (format versions 1–3; C order only). `what` names the array in errors. */
export function parseNpyHeader(bytes: Uint8Array, what: string): NpyHeader {
  const fail = (msg: string): never => {
    throw new WeightsError(`${what}: ${msg}`);
  };
  if (bytes.length < 10 || NPY_MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy array (bad magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated .npy header');
    headerLength = view.getUint32(8, true);
    start = 12;
  } else {
    return fail(`.npy format version ${major} is not supported`);
  }
  if (start + headerLength > bytes.length) fail('truncated .npy header');
  let text = '';
  for (const b of bytes.subarray(start, start + headerLength)) text += String.fromCharCode(b);

  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 3, 3, 64), }
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`unreadable .npy header ${JSON.stringify(text.slice(0, 120))}`);
  if (fortran === 'True') fail('array is stored in Fortran order; only C order is supported');
  const m = /^([<>|=]?)([a-z]\d+)$/.exec(descr!);
  const dtype = m ? NPY_KINDS[m[2]!] : undefined;
  if (!m || !dtype) return fail(`dtype '${descr}' is not supported (expected e.g. '<f4' or '<f8')`);
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim().replace(/L$/, '')) // Python 2 wrote longs as 3L
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : fail(`bad shape (${shapeText})`)));
  return { dtype, littleEndian: m[1] !== '>', shape, dataOffset: start + headerLength };
}

/** Decodes a whole .npy file held in memory. */
export function decodeNpy(bytes: Uint8Array, what: string): Tensor {
  const header = parseNpyHeader(bytes, what);
  const numel = elementCount(header.shape);
  if (numel === undefined) throw new WeightsError(`${what}: impossible shape (${header.shape.join(', ')})`);
  const byteLength = numel * DTYPE_SIZE[header.dtype];
  if (header.dataOffset + byteLength > bytes.length) {
    throw new WeightsError(`${what}: truncated: shape (${header.shape.join(', ')}) needs ${byteLength} bytes of data, the array has ${bytes.length - header.dataOffset}`);
  }
  const data = bytes.subarray(header.dataOffset, header.dataOffset + byteLength);
  return { dims: header.shape, data: toFloat32(data, header.dtype, what, header.littleEndian) };
}

/** True when a ZIP's entries look like an .npz (every tensor is a .npy). */
export function looksLikeNpz(zip: ZipArchive): boolean {
  return [...zip.entries.keys()].some((n) => n.endsWith('.npy'));
}

export async function openNpz(source: ByteSource, zip?: ZipArchive): Promise<TensorArchive> {
  const description = source.description;
  const archive = zip ?? (await readZip(source));
  const names = new Map<string, string>();
  for (const name of archive.entries.keys()) if (name.endsWith('.npy')) names.set(name.slice(0, -4), name);
  if (names.size === 0) throw new WeightsError(`${description}: a ZIP file without .npy arrays, so not an .npz`);
  const keys = [...names.keys()];
  return {
    format: 'npz',
    description,
    keys: () => keys,
    shape: () => undefined,
    async read(key: string): Promise<Tensor> {
      const name = names.get(key);
      if (name === undefined) throw new WeightsError(`${description}: no array '${key}' in the file`);
      const bytes = await archive.read(archive.entries.get(name)!, `array '${key}'`);
      return decodeNpy(bytes, `${description}: array '${key}'`);
    },
  };
}

/** Frossard/TensorFlow kernel layout HWIO → ONNX/PyTorch OIHW. */
export function hwioToOihw(t: Tensor): Tensor {
  const [h, w, i, o] = t.dims as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  const src = t.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ci = 0; ci < i; ci++) {
        const s = ((y * w + x) * i + ci) * o;
        for (let co = 0; co < o; co++) out[((co * i + ci) * h + y) * w + x] = src[s + co]!;
      }
    }
  }
  return { dims: [o, i, h, w], data: out };
}
