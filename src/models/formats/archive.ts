/**
 * What every weight-file reader offers: the names of the tensors inside, and a way to read
 * one of them as float32 without touching the others.
 */
import type { Tensor } from '../types.js';

export type WeightFormat = 'pth-legacy' | 'pth-zip' | 'safetensors' | 'npz';

export interface TensorArchive {
  readonly format: WeightFormat;
  /** The file's description (path), for messages. */
  readonly description: string;
  /** Every tensor name in the file, in file order. */
  keys(): string[];
  /** The raw shape when the format records it outside the data (all but npz); else undefined. */
  shape(key: string): number[] | undefined;
  /**
   * Reads one tensor, converting floats of other widths to float32. Throws WeightsError
   * naming the key for a missing, truncated or unsupported tensor.
   */
  read(key: string): Promise<Tensor>;
}
