/**
 * Where a term's targets come from, as records: the content image's statistic, the style
 * images' statistics blended by their blend weights, or kept one per style (stacked on a
 * new first axis, [S, ...dims], for masked regions that each match their own style).
 * The features graph computes the statistic on the images a source names; the source
 * makes them into the objective's target.
 */
import { UsageError } from '../errors.js';
import type { Dim } from '../graph/builder.js';
import type { Tensor } from '../models/types.js';
import type { RunShape } from './run-shape.js';

export interface TargetSource {
  /** 'content', 'style', 'styles'. */
  name: string;
  /** The images whose features give the statistic. */
  images: 'content' | 'style';
  /**
   * The style images' statistics, one per image in order, made into the target (absent
   * for the content's). `where` names the term and layer in messages.
   */
  combine?(perStyle: readonly Tensor[], weights: readonly number[], where: string): Tensor;
  /** The target input's dims, from the statistic's. */
  dims(statistic: Dim[], run: RunShape): Dim[];
}

export const contentSource: TargetSource = {
  name: 'content',
  images: 'content',
  dims: (d) => d,
};

/** T = Σ_i b_i T^(i), b normalised to sum 1 (jcjohnson's -style_blend_weights). */
export const blendedStyles: TargetSource = {
  name: 'style',
  images: 'style',
  combine: (perStyle, weights, where) => {
    sameShapes(perStyle, where);
    return blend(perStyle, weights);
  },
  dims: (d) => d,
};

/** [S, ...dims]: one target per style image, in order. */
export const stackedStyles: TargetSource = {
  name: 'styles',
  images: 'style',
  combine: (perStyle, _weights, where) => {
    sameShapes(perStyle, where);
    const n = perStyle[0]!.data.length;
    const data = new Float32Array(n * perStyle.length);
    perStyle.forEach((t, i) => data.set(t.data, i * n));
    return { dims: [perStyle.length, ...perStyle[0]!.dims], data };
  },
  dims: (d, run) => [run.styles, ...d],
};

export function blend(each: readonly Tensor[], weights: readonly number[]): Tensor {
  const total = weights.reduce((a, b) => a + b, 0);
  const data = new Float32Array(each[0]!.data.length);
  each.forEach((t, i) => {
    const b = weights[i]! / total;
    for (let k = 0; k < data.length; k++) data[k]! += b * t.data[k]!;
  });
  return { dims: each[0]!.dims, data };
}

/**
 * Statistics of several style images combine only when they have one shape: a statistic
 * that keeps positions (a feature map) differs between images of different sizes, and
 * blending those would mix unrelated positions.
 */
function sameShapes(each: readonly Tensor[], where: string): void {
  const first = each[0]!.dims.join('×');
  const other = each.findIndex((t) => t.dims.join('×') !== first);
  if (other > 0) {
    throw new UsageError(
      `${where}: the style images' statistics have different shapes (${first} for style 1, ${each[other]!.dims.join('×')} for style ${other + 1}), ` +
        'so they cannot be combined; give style images of one size',
    );
  }
}
