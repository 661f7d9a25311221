/** Node's ByteSource: positional reads through a FileHandle, nothing buffered. */
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { checkRange, type ByteSource } from './byte-source.js';

export interface FileByteSource extends ByteSource {
  /** Releases the file handle; reads after close fail. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens `path` for random access. Throws InputError naming the path when it cannot. */
export async function fileSource(path: string): Promise<FileByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputError(`cannot open weight file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let size: number;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InputError(`${path} is not a regular file`);
    size = stat.size;
  } catch (err) {
    await handle.close();
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read weight file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let closed = false;
  return {
    size,
    description: path,
    freshReads: true,
    async read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(offset, length, size, path);
      if (closed) throw new InputError(`${path}: read after close`);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(out, done, length - done, offset + done));
        } catch (err) {
          throw new InputError(`cannot read weight file ${path}: ${(err as Error).message}`, { cause: err });
        }
        // The file shrank since open (e.g. another process is rewriting it).
        if (bytesRead === 0) {
          throw new InputError(`${path}: file ended at byte ${offset + done} while reading (it changed on disk?)`);
        }
        done += bytesRead;
      }
      return out;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
