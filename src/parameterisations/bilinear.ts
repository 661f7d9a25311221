/**
 * Bilinear resizing of planar images as PyTorch's F.interpolate(mode='bilinear',
 * align_corners=False) does it to an explicit size, with no antialiasing: each output
 * pixel samples the input at (i + ½)·in/out − ½, clamped at 0 below, between its two
 * neighbours (the upper one clamped to the last pixel). The Laplacian pyramid's
 * decomposition and synthesis outside the graph use it, so they agree with the graph's
 * Resize (src/graph/resize.ts, half_pixel) and with the authors' PyTorch code.
 */

/** For each output index: the two input indices and the weight of the second. */
function taps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; l1: Float64Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l1 = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    l1[o] = src - lo;
  }
  return { i0, i1, l1 };
}

/** [c, h, w] planar → [c, H, W]. */
export function resizePlanes(data: Float32Array, channels: number, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(channels * H * W);
  const ys = taps(h, H);
  const xs = taps(w, W);
  for (let c = 0; c < channels; c++) {
    const plane = c * h * w;
    for (let y = 0; y < H; y++) {
      const r0 = plane + ys.i0[y]! * w;
      const r1 = plane + ys.i1[y]! * w;
      const ly = ys.l1[y]!;
      for (let x = 0; x < W; x++) {
        const [a, b, lx] = [xs.i0[x]!, xs.i1[x]!, xs.l1[x]!];
        const top = (1 - lx) * data[r0 + a]! + lx * data[r0 + b]!;
        const bottom = (1 - lx) * data[r1 + a]! + lx * data[r1 + b]!;
        out[(c * H + y) * W + x] = (1 - ly) * top + ly * bottom;
      }
    }
  }
  return out;
}
