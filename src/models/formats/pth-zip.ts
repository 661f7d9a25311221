/**
 * PyTorch ≥ 1.6 container: a ZIP with `<dir>/data.pkl` (the state-dict pickle) and one entry
 * `<dir>/data/<key>` per storage (STORED and 64-byte aligned in files torch writes). The
 * folder name is the file's stem at save time ("archive" in many files), so it is found,
 * not assumed. Only data.pkl and the entries of tensors asked for are read.
 */
import { WeightsError } from '../../errors.js';
import type { TensorArchive } from './archive.js';
import type { ByteSource } from './byte-source.js';
import { parseTorchPickle, torchTensorArchive } from './torch-pickle.js';
import { PickleTruncatedError } from './unpickle.js';
import { readZip, type ZipArchive, type ZipEntry } from './zip.js';

const MAX_PICKLE_BYTES = 64 * 1024 * 1024;

/** The `<dir>/` prefix of a PyTorch archive (the folder holding data.pkl), if this zip is one. */
export function findTorchPrefix(zip: ZipArchive): string | undefined {
  let best: string | undefined;
  for (const name of zip.entries.keys()) {
    if (!name.endsWith('data.pkl')) continue;
    const prefix = name.slice(0, -'data.pkl'.length);
    // Top level or one folder deep, as torch.save writes it.
    if (prefix !== '' && !/^[^/]+\/$/.test(prefix)) continue;
    if (best === undefined || prefix.length < best.length) best = prefix;
  }
  return best;
}

export async function openPthZip(source: ByteSource, zip?: ZipArchive): Promise<TensorArchive> {
  const description = source.description;
  const archive = zip ?? (await readZip(source));
  const prefix = findTorchPrefix(archive);
  if (prefix === undefined) throw new WeightsError(`${description}: a ZIP file without data.pkl, so not a PyTorch archive`);

  const byteorder = archive.entries.get(`${prefix}byteorder`);
  if (byteorder) {
    const text = new TextDecoder().decode(await archive.read(byteorder, 'the byte order record'));
    if (text !== 'little') throw new WeightsError(`${description}: byte order '${text}' is not supported (only little-endian)`);
  }

  const pklEntry = archive.entries.get(`${prefix}data.pkl`)!;
  if (pklEntry.uncompressedSize > MAX_PICKLE_BYTES) {
    throw new WeightsError(`${description}: data.pkl is ${pklEntry.uncompressedSize} bytes; not a state dict?`);
  }
  const pkl = await archive.read(pklEntry, 'data.pkl');
  let pickle;
  try {
    pickle = parseTorchPickle(pkl, 0, `${description} (data.pkl)`, false);
  } catch (err) {
    if (err instanceof PickleTruncatedError) throw new WeightsError(`${description}: data.pkl ends inside its pickle (corrupt file)`, { cause: err });
    throw err;
  }

  const storageEntry = (key: string, tensor: string): ZipEntry => {
    const entry = archive.entries.get(`${prefix}data/${key}`);
    if (!entry) throw new WeightsError(`${description}: tensor '${tensor}' uses storage '${key}', but the archive has no entry ${prefix}data/${key}`);
    return entry;
  };

  return torchTensorArchive('pth-zip', description, pickle, async (ref, key, start, numel) => {
    const entry = storageEntry(ref.storage.root.key, key);
    const size = ref.storage.root.elementSize;
    if ((start + numel) * size > entry.uncompressedSize) {
      throw new WeightsError(
        `${description}: tensor '${key}' needs bytes ${start * size}..${(start + numel) * size} of ` +
          `${entry.name}, which has ${entry.uncompressedSize}`,
      );
    }
    // Conv weights own their storage, so reading the whole entry (and checking its CRC) is
    // what is needed anyway.
    const bytes = await archive.read(entry, `tensor '${key}'`);
    return bytes.subarray(start * size, (start + numel) * size);
  });
}
