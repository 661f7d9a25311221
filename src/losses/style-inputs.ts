/** Graph input names of the style term's own values (its `feeds`), per region and layer: shared by its loss and its tilings. */
export const regionInputs = {
  mask: (r: number, layer: string) => `style_mask_r${r}_${layer}`,
  count: (r: number, layer: string) => `style_count_r${r}_${layer}`,
  weight: (r: number, layer: string) => `style_region_weight_r${r}_${layer}`,
  mean: (layer: string) => `style_w2_mean_${layer}`,
};
