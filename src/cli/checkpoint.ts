/**
 * `--checkpoint FILE` / `--resume FILE`: a checkpoint's bytes (src/checkpoint) in a file,
 * written atomically (temp file, fsync, rename), read back with the path in every message.
 */
import { readFile } from 'node:fs/promises';
import { decodeCheckpoint, encodeCheckpoint, type SavedRun } from '../checkpoint/index.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../models/cache-node.js';

export async function saveCheckpoint(path: string, run: SavedRun): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(run));
}

export async function loadCheckpoint(path: string): Promise<SavedRun> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`--resume ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`, { cause: e });
  }
  return decodeCheckpoint(bytes, `--resume ${path}`);
}
