/**
 * Optical flow behind one small interface, so a better estimator (DIS, RAFT as an ONNX
 * model, a native binding) can replace OpenCV's Farnebäck without touching the pipeline.
 */

/** A grey-level frame, one byte per pixel, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A dense flow field from frame A to frame B: A(p) ≈ B(p + w(p)) (OpenCV's convention).
 * `data` holds (u, v) per pixel, interleaved, row-major: u = data[2i] is the x-motion.
 */
export interface FlowField {
  width: number;
  height: number;
  data: Float32Array;
}

export interface FlowProvider {
  /** For people and benchmarks: 'opencv-farneback'. */
  readonly name: string;
  /** The flow from `a` to `b` (same size). */
  flow(a: GrayImage, b: GrayImage): Promise<FlowField>;
  release?(): Promise<void>;
}
