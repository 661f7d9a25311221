/**
 * A conv's weights flipped and transposed, W'[i, o, kh−1−y, kw−1−x] = W[o, i, y, x]: the
 * weights of its input gradient as a Conv (src/graph/grads/conv.ts), and what the
 * lowering pass recognises to give that gradient a Winograd form from the forward weights
 * (src/graph/passes/conv-facts.ts).
 */
import { derivedRecipe } from './builder.js';

/** W[o, i, y, x] → W'[i, o, kh−1−y, kw−1−x]. */
export function flipOihw(src: Float32Array, [o, i, kh, kw]: [number, number, number, number]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          dst[((b * o + a) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)] = src[((a * i + b) * kh + y) * kw + x]!;
  return dst;
}

/** The recipe of flipOihw's result from weights of recipe `source` (LazyData in builder.ts). */
export const flippedRecipe = (source: string): string => derivedRecipe(flipOihw, source);
