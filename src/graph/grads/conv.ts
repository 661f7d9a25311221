/**
 * Convolution, input gradient only (weights are constants here). Two equivalent forms;
 * which runs faster depends on the provider, so it is an option:
 *  - ConvTranspose(dY, W) with the forward conv's attributes;
 *  - Conv(dY, W') with W' = W transposed to I×O and flipped in space, pads k−1−p.
 */
import { GraphError } from '../../errors.js';
import type { GraphBuilder } from '../builder.js';
import { flipOihw, flippedRecipe } from '../flip.js';
import type { GradientRule } from './rule.js';

// dX = Wᵀ ⋆ dY   (the transposed convolution of dY with the forward weights)
export const convGrad: GradientRule = {
  opType: 'Conv',
  backward: (ctx, node, dY) => {
    const { g, options } = ctx;
    const [, w] = node.inputs as [string, string];
    const strides = (node.attrs.strides as number[] | undefined) ?? [1, 1];
    const group = (node.attrs.group as number | undefined) ?? 1;
    const dilations = (node.attrs.dilations as number[] | undefined) ?? [1, 1];
    const pads = (node.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
    const kernel = node.attrs.kernel_shape as number[] | undefined;
    if (!kernel) throw new GraphError(`${node.name}: Conv needs an explicit kernel_shape for its gradient`);
    const inputGrad = () => {
      if (options.convGrad === 'Conv' && g.isInitializer(w) && strides.every((s) => s === 1) && group === 1 &&
        dilations.every((d) => d === 1)) {
        // Same feature-map size as the forward conv: the lowering pass may give it a Winograd
        // form too (src/graph/passes/conv-facts.ts finds it from the gradient's tag).
        return g.op('Conv', [dY, flippedWeights(g, w)], {
          kernel_shape: kernel,
          strides: [1, 1],
          dilations: [1, 1],
          pads: [kernel[0]! - 1 - pads[0]!, kernel[1]! - 1 - pads[1]!, kernel[0]! - 1 - pads[2]!, kernel[1]! - 1 - pads[3]!],
        });
      }
      // Stride > 1 can leave output_padding ambiguous; VGG never strides its convs.
      if (strides.some((s) => s !== 1)) throw new GraphError(`${node.name}: strided Conv gradient is not supported`);
      return g.op('ConvTranspose', [dY, w], { kernel_shape: kernel, strides, dilations, pads, group });
    };
    return [inputGrad, null, null];
  },
};

/** W' of initializer `w`, made once per graph; lazily, by recipe, when `w` is lazy (src/graph/builder.ts LazyData). */
function flippedWeights(g: GraphBuilder, w: string): string {
  const name = `${w}_flipped`;
  if (g.has(name)) return name;
  const init = g.initializers.get(w)!;
  const [o, i, kh, kw] = init.dims as [number, number, number, number];
  const make = () => flipOihw(init.data as Float32Array, init.dims as [number, number, number, number]);
  return g.addInitializer(name, init.recipe === undefined ? make() : { recipe: flippedRecipe(init.recipe), make }, [i, o, kh, kw]);
}
