export type { Mask, MaskMode } from './types.js';
export { fullMask, maskAtLayer, sumOfSquares } from './layer-masks.js';
export { isEmptyMask, maskFromImage, resizeMask } from './from-image.js';
export { checkMasks, checkMasksReachLayers } from './check.js';
