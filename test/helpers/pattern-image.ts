import type { RgbImage } from '../../src/image/types.js';

/** An RgbImage whose channel c at (x, y) is f(x, y, c): small test pictures without files. */
export function pattern(width: number, height: number, f: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[3 * (y * width + x) + c] = f(x, y, c);
  return { width, height, data };
}
