/**
 * Just enough of ZIP to read PyTorch archives and NumPy .npz files from a ByteSource:
 * find the central directory from the end (ZIP64 too), then read single entries, STORED or
 * DEFLATEd (fflate), verifying each entry's CRC-32. Nothing else of the file is read.
 */
import { crc32 } from '../../util/crc32.js';
import { inflateSync } from 'fflate';
import { WeightsError } from '../../errors.js';
import { readRange, type ByteSource } from './byte-source.js';

export interface ZipEntry {
  name: string;
  /** 0 = STORED, 8 = DEFLATE. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipArchive {
  description: string;
  /** Entries by name, in central-directory order. */
  entries: Map<string, ZipEntry>;
  /** The whole uncompressed entry, CRC-checked. `what` names it in errors. */
  read(entry: ZipEntry, what: string): Promise<Uint8Array>;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const MAX_ENTRIES = 1_000_000;
const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
/** DEFLATE cannot expand data more than ~1032:1; bigger claims are corrupt headers. */
const MAX_DEFLATE_RATIO = 1032;

/** True when the bytes start like a ZIP file (a local header, or an empty archive). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b &&
    ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Reads the central directory. Throws WeightsError naming the file when it is not a sound ZIP. */
export async function readZip(source: ByteSource): Promise<ZipArchive> {
  const description = source.description;
  const bad = (msg: string): never => {
    throw new WeightsError(`${description}: not a readable ZIP archive: ${msg}`);
  };
  if (source.size < 22) bad(`only ${source.size} bytes (truncated?)`);

  // End of central directory: 22 bytes + a comment of up to 65535 bytes, at the very end.
  const tailLength = Math.min(source.size, 22 + 65535);
  const tailStart = source.size - tailLength;
  const tail = await readRange(source, tailStart, tailLength, 'the ZIP end record');
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) === tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('no end-of-central-directory record (the file is truncated or not a ZIP)');
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  let cdLimit = tailStart + eocd;

  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64: a 20-byte locator just before the end record points at the ZIP64 end record.
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) bad('ZIP64 sizes without a ZIP64 locator');
    const z64Offset = u64(tv, loc + 8);
    const z64 = await readRange(source, z64Offset, 56, 'the ZIP64 end record');
    const zv = new DataView(z64.buffer, z64.byteOffset, 56);
    if (zv.getUint32(0, true) !== SIG_ZIP64_EOCD) bad('bad ZIP64 end record signature');
    count = u64(zv, 32);
    cdSize = u64(zv, 40);
    cdOffset = u64(zv, 48);
    cdLimit = z64Offset;
  }
  if (count > MAX_ENTRIES) bad(`${count} entries`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) bad(`central directory of ${cdSize} bytes`);
  if (cdOffset + cdSize > cdLimit) bad(`central directory (${cdOffset}+${cdSize}) overlaps its end record at ${cdLimit}`);

  const cd = await readRange(source, cdOffset, cdSize, 'the ZIP central directory');
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== SIG_CENTRAL) bad(`central directory entry ${i} is damaged`);
    const nameLength = cv.getUint16(p + 28, true);
    const extraLength = cv.getUint16(p + 30, true);
    const commentLength = cv.getUint16(p + 32, true);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > cd.length) bad(`central directory entry ${i} runs past the directory`);
    const entry: ZipEntry = {
      name: utf8.decode(cd.subarray(p + 46, p + 46 + nameLength)),
      flags: cv.getUint16(p + 8, true),
      method: cv.getUint16(p + 10, true),
      crc32: cv.getUint32(p + 16, true),
      compressedSize: cv.getUint32(p + 20, true),
      uncompressedSize: cv.getUint32(p + 24, true),
      localHeaderOffset: cv.getUint32(p + 42, true),
    };
    // ZIP64 extra field (id 1): the 64-bit values of whichever fields are 0xffffffff, in order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) break;
      if (id === 1) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) bad(`ZIP64 field of entry '${entry.name}' is too short`);
          const v = u64(cv, q);
          q += 8;
          return v;
        };
        if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = take();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = take();
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take();
      }
      e += 4 + len;
    }
    if (!entries.has(entry.name)) entries.set(entry.name, entry);
    p = next;
  }

  const read = async (entry: ZipEntry, what: string): Promise<Uint8Array> => {
    const fail = (msg: string): never => {
      throw new WeightsError(`${description}: ${what} (zip entry '${entry.name}'): ${msg}`);
    };
    if (entry.flags & 1) fail('is encrypted');
    if (entry.method !== 0 && entry.method !== 8) fail(`uses compression method ${entry.method}; only stored and deflate are supported`);
    const local = await readRange(source, entry.localHeaderOffset, 30, `the local header of ${what}`);
    const lv = new DataView(local.buffer, local.byteOffset, 30);
    if (lv.getUint32(0, true) !== SIG_LOCAL) fail('local header signature is wrong (corrupt file)');
    // The local header's own name/extra lengths (PyTorch pads its extra field for alignment).
    const dataStart = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    const raw = await readRange(source, dataStart, entry.compressedSize, what);
    let data: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.uncompressedSize) fail(`stored entry with different sizes (${entry.compressedSize} vs ${entry.uncompressedSize})`);
      data = raw;
    } else {
      if (entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) fail(`claims ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed`);
      try {
        data = inflateSync(raw, { out: new Uint8Array(entry.uncompressedSize) });
      } catch (err) {
        return fail(`deflate data is corrupt (${(err as Error).message})`);
      }
      if (data.length !== entry.uncompressedSize) fail(`inflates to ${data.length} bytes, expected ${entry.uncompressedSize}`);
    }
    const crc = crc32(data);
    if (crc !== entry.crc32) fail(`CRC-32 mismatch (${hex(crc)} computed, ${hex(entry.crc32)} recorded): the file is corrupt`);
    return data;
  };

  return { description, entries, read };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

