/**
 * Random access to the bytes of a weight file, without holding the file in memory.
 *
 * A VGG19 .pth is 548–574 MB, of which the convolutions are ~80 MB and the classifier the
 * rest; parsers ask for exactly the ranges they need, so the classifier is never read.
 * Node implements this with a FileHandle (byte-source-node.ts), a browser with
 * `Blob.slice().arrayBuffer()`, tests and caches with an in-memory array (bytesSource).
 */
import { WeightsError } from '../../errors.js';

export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes starting at `offset`. Callers stay within [0, size); a source
   * throws WeightsError for a range outside it. The result may be a view into a buffer the
   * source keeps: do not write to it, and copy before reinterpreting it as wider numbers.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * True when every read returns a new buffer of exactly the bytes asked for, which the
   * caller then owns: float32 data is used in place instead of copied (80 MB of VGG weights).
   */
  readonly freshReads?: boolean;
  /** Human-readable name for messages: a path, URL or "in-memory bytes". */
  readonly description: string;
}

/** A ByteSource over bytes already in memory (tests, caches, a fetched Blob's contents). */
export function bytesSource(bytes: Uint8Array, description = 'in-memory bytes'): ByteSource {
  return {
    size: bytes.length,
    description,
    read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(offset, length, bytes.length, description);
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

/** Throws the WeightsError every source uses for a read past the end (or a nonsense range). */
export function checkRange(offset: number, length: number, size: number, description: string): void {
  if (
    !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) ||
    offset < 0 || length < 0 || offset + length > size
  ) {
    throw new WeightsError(
      `${description}: the file is truncated or corrupt: needs bytes ${offset}..${offset + length} ` +
        `but it has ${size} bytes`,
    );
  }
}

/**
 * Reads a range after checking it lies in the source, so a parser that computed an offset
 * from the file's own (possibly garbage) contents gets a message saying what it wanted.
 */
export async function readRange(
  source: ByteSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  if (
    !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) ||
    offset < 0 || length < 0 || offset + length > source.size
  ) {
    throw new WeightsError(
      `${source.description}: the file is truncated or corrupt: ${what} needs bytes ` +
        `${offset}..${offset + length} but the file has ${source.size} bytes`,
    );
  }
  return source.read(offset, length);
}
