/** The image's pixels are the parameters (Gatys): the graph's input is the image itself. */
import { names } from '../objective/names.js';
import type { Parameterisation } from './types.js';

export const pixels: Parameterisation = {
  name: 'pixels',
  key: 'pixels',
  addToGraph(g) {
    const x = g.addInput(names.image, [1, 3, 'H', 'W']);
    return { inputs: [x], image: x };
  },
  shapes: (width, height) => [[1, 3, height, width]],
  toImage: (params) => params,
  fromImage: (image) => image,
  clampable: true,
  tileable: true,
};
