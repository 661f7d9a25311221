/**
 * An RGB image as the algorithm sees it: interleaved (HWC) floats in [0, 1].
 * Decoding and encoding live with the platform (sharp in Node, canvas in browsers);
 * everything that only does arithmetic on pixels takes and returns this type.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** length width × height × 3, row-major, RGB interleaved, values in [0, 1]. */
  data: Float32Array;
}
