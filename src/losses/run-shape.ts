/**
 * What a run brings besides its options, fixed when the graphs are compiled: how many
 * style images, and whether content masks split the image into one region per style.
 */
export interface RunShape {
  styles: number;
  masked: boolean;
}

export const UNMASKED_RUN: RunShape = { styles: 1, masked: false };
