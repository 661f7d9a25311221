/**
 * Hypercolumns (Kolkin et al., NNST): the feature vectors of ten VGG-16 layers at each
 * position of a grid a quarter of the image's size —
 *
 *   h(x) = concat_l Resize_align_corners( F_l(x) / C_l , ⌊H/4⌋ × ⌊W/4⌋ )
 *
 * each layer divided by its channel count (so wide layers do not outvote narrow ones in a
 * cosine), resized bilinearly with aligned corners, concatenated along the channels in the
 * order below (deepest first; the authors' are shallow first, and a cosine does not care). 2688
 * channels with the real network. conv5 is left out, as the authors' released code does.
 */
import { GraphBuilder } from '../../graph/builder.js';
import { addResize } from '../../graph/resize.js';
import { addNetwork, type NetworkSource } from '../../network/vgg.js';

export const HYPERCOLUMN_LAYERS = ['relu4_3', 'relu4_2', 'relu4_1', 'relu3_3', 'relu3_2', 'relu3_1', 'relu2_2', 'relu2_1', 'relu1_2', 'relu1_1'] as const;

/** The hypercolumn grid of an image: ⌊h/4⌋ × ⌊w/4⌋. */
export function hypercolumnSize(width: number, height: number): { width: number; height: number } {
  return { width: Math.floor(width / 4), height: Math.floor(height / 4) };
}

/** [1, C, ⌊H/4⌋, ⌊W/4⌋] from the layers' values; `image` gives the grid's size. */
export function addHypercolumns(g: GraphBuilder, image: string, feature: (layer: string) => string, channels: (layer: string) => number): string {
  const size = g.op('Div', [g.op('Slice', [g.op('Shape', [image]), g.constantI64([2]), g.constantI64([4])]), g.constantI64([4])]);
  const parts = HYPERCOLUMN_LAYERS.map((l) => addResize(g, g.op('Div', [feature(l), g.constant(channels(l))]), size, 'align_corners'));
  return g.op('Concat', parts, { axis: 1 });
}

/** Channels of the hypercolumn: the layers' channel counts summed. */
export function hypercolumnChannels(channels: (layer: string) => number): number {
  return HYPERCOLUMN_LAYERS.reduce((n, l) => n + channels(l), 0);
}

/**
 * A forward-only graph: a network-input image [1, 3, H, W] → its hypercolumns, named
 * `hypercolumns`. The features of the style images and of the query are made with it.
 */
export function hypercolumnGraph(net: NetworkSource): GraphBuilder {
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, 3, 'H', 'W']);
  const { values, channels } = addNetwork(g, x, net, [...HYPERCOLUMN_LAYERS], 'max');
  const h = addHypercolumns(g, x, (l) => values.get(l)!, (l) => channels.get(l)!);
  g.addOutput(g.op('Identity', [h], {}, 'hypercolumns'), [1, hypercolumnChannels((l) => channels.get(l)!), 'h', 'w']);
  return g;
}
