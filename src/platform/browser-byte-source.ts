/**
 * A ByteSource over a Blob (a File the user picked or dropped, a fetched body, a Cache
 * Storage entry): each read is `blob.slice().arrayBuffer()`, so a 550 MB .pth is never
 * held in memory whole; the parsers read only the conv tensors.
 */
import { WeightsError } from '../errors.js';
import { checkRange, type ByteSource } from '../models/formats/byte-source.js';

export function blobSource(blob: Blob, description = (blob as Partial<File>).name ?? 'a Blob'): ByteSource {
  return {
    size: blob.size,
    description,
    async read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(offset, length, blob.size, description);
      let buffer: ArrayBuffer;
      try {
        buffer = await blob.slice(offset, offset + length).arrayBuffer();
      } catch (err) {
        // A File the user picked can vanish or change on disk (NotReadableError).
        throw new WeightsError(`${description}: could not read bytes ${offset}..${offset + length} (${(err as Error).message})`, {
          cause: err,
        });
      }
      if (buffer.byteLength !== length) {
        throw new WeightsError(`${description}: read ${buffer.byteLength} of ${length} bytes at ${offset}; the file changed while reading?`);
      }
      return new Uint8Array(buffer);
    },
  };
}
