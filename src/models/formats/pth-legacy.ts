/**
 * PyTorch's legacy (pre-1.6, or `_use_new_zipfile_serialization=False`) container, as
 * torch/serialization.py `_legacy_save` writes it — five pickles, then raw storages:
 *
 *     pickle  magic number 0x1950a86a20f9469cfc6c
 *     pickle  protocol version 1001
 *     pickle  sys_info {protocol_version, little_endian, type_sizes}
 *     pickle  the state dict; storages appear as persistent ids
 *     pickle  list of storage keys, in the order their data follows
 *     for each key: int64 element count, then count × element size bytes (little endian)
 *
 * torchvision's vgg19-dcbb9e9d.pth and neural-style-pt's vgg19-d01eb7cb.pth are this format.
 * Storage offsets are found by walking the 8-byte counts only; data is read per tensor.
 */
import { WeightsError } from '../../errors.js';
import type { TensorArchive } from './archive.js';
import { readRange, type ByteSource } from './byte-source.js';
import { parseTorchPickle, torchTensorArchive, type TorchPickle } from './torch-pickle.js';
import { PickleTruncatedError, unpickle, type PyValue } from './unpickle.js';

export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

/** First bytes of every legacy file: PROTO 2, LONG1 of 10 bytes, the magic number (LE). */
export const LEGACY_PREFIX = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);

/** The pickles sit at the start; real ones are a few KB, so this cap only stops garbage. */
const MAX_PICKLE_PREFIX = 64 * 1024 * 1024;

interface Header {
  pickle: TorchPickle;
  keys: string[];
  /** Offset of the first storage's element count. */
  dataStart: number;
  /** The prefix that was read (counts inside it need no further read). */
  prefix: Uint8Array;
}

function parseHeader(prefix: Uint8Array, description: string): Header {
  const plain = (start: number, what: string) => unpickle(prefix, start, { description: `${description} (${what})` });
  const magic = plain(0, 'magic number');
  if (magic.value !== LEGACY_MAGIC) {
    throw new WeightsError(`${description}: not a PyTorch legacy file (its first pickle is not the magic number)`);
  }
  const version = plain(magic.end, 'protocol version');
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    throw new WeightsError(`${description}: PyTorch legacy protocol version ${String(version.value)}, expected ${LEGACY_PROTOCOL_VERSION}`);
  }
  const sysInfo = plain(version.end, 'sys_info');
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new WeightsError(`${description}: saved on a big-endian machine, which is not supported`);
  }
  const pickle = parseTorchPickle(prefix, sysInfo.end, `${description} (state dict pickle)`, true);
  const keyList = plain(pickle.end, 'storage key list');
  const list: PyValue = keyList.value;
  if (!Array.isArray(list) || !list.every((k): k is string => typeof k === 'string')) {
    throw new WeightsError(`${description}: the storage key list is not a list of strings`);
  }
  return { pickle, keys: list, dataStart: keyList.end, prefix };
}

/** Opens a legacy .pth: reads its pickles and the storage sizes, no tensor data. */
export async function openPthLegacy(source: ByteSource): Promise<TensorArchive> {
  const description = source.description;
  // Read a prefix that holds all the pickles; grow it if a pickle runs off its end.
  let length = Math.min(source.size, 1 << 20);
  let header: Header;
  for (;;) {
    const prefix = await readRange(source, 0, length, 'the pickle header');
    try {
      header = parseHeader(prefix, description);
      break;
    } catch (err) {
      if (!(err instanceof PickleTruncatedError)) throw err;
      if (length >= source.size) {
        throw new WeightsError(`${description}: the file is truncated: it ends inside its pickle header (${source.size} bytes)`, { cause: err });
      }
      if (length >= MAX_PICKLE_PREFIX) {
        throw new WeightsError(`${description}: pickle header larger than ${MAX_PICKLE_PREFIX} bytes; not a weight file?`, { cause: err });
      }
      length = Math.min(source.size, length * 4);
    }
  }

  // Walk the storages: [int64 count][count × element size bytes] in key-list order.
  const { pickle, keys, prefix } = header;
  const dataOffset = new Map<string, { offset: number; numel: number }>();
  let pos = header.dataStart;
  for (const key of keys) {
    const info = pickle.storages.get(key);
    if (!info) throw new WeightsError(`${description}: storage '${key}' is listed but no tensor uses it`);
    const countBytes = pos + 8 <= prefix.length ? prefix.subarray(pos, pos + 8) : await readRange(source, pos, 8, `the size of storage '${key}'`);
    const count = new DataView(countBytes.buffer, countBytes.byteOffset, 8).getBigInt64(0, true);
    const bytes = count * BigInt(info.elementSize);
    if (count < 0n || BigInt(pos) + 8n + bytes > BigInt(source.size)) {
      throw new WeightsError(
        `${description}: the file is truncated or corrupt: storage '${key}' claims ${count} elements ` +
          `(${bytes} bytes) at byte ${pos + 8}, but the file has ${source.size} bytes`,
      );
    }
    if (dataOffset.has(key)) throw new WeightsError(`${description}: storage '${key}' is listed twice`);
    dataOffset.set(key, { offset: pos + 8, numel: Number(count) });
    pos += 8 + Number(bytes);
  }

  return torchTensorArchive('pth-legacy', description, pickle, async (ref, key, start, numel) => {
    const stored = dataOffset.get(ref.storage.root.key);
    if (!stored) throw new WeightsError(`${description}: tensor '${key}' uses storage '${ref.storage.root.key}', which has no data in the file`);
    if (start + numel > stored.numel) {
      throw new WeightsError(`${description}: tensor '${key}' needs elements ${start}..${start + numel} of storage '${ref.storage.root.key}', which holds ${stored.numel}`);
    }
    const size = ref.storage.root.elementSize;
    return readRange(source, stored.offset + start * size, numel * size, `tensor '${key}'`);
  });
}
