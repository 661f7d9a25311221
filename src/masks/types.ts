/**
 * A mask: one value per pixel in [0, 1], row-major; 1 where a style applies (a content
 * mask) or where a style image provides its statistics (a style mask).
 */
export interface Mask {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * How a mask follows the network down (Gatys et al. 2017, NeuralImageSynthesis):
 * `simple` average-pools it 2×2 at every pooling layer; `inside` also erodes it at every
 * conv (3×3 minimum) and pools by the minimum, so only units whose whole receptive field
 * lies inside the region keep weight.
 */
export type MaskMode = 'simple' | 'inside';
