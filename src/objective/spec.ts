import type { Pooling } from '../network/vgg.js';

/**
 * What the objective computes, with jcjohnson/neural-style's meanings:
 *   L = content_weight · Σ_l mean((F_l − P_l)²)
 *     + style_weight   · Σ_l mean((G_l − A_l)²)
 *     + tv_weight      · ½ Σ (horizontal² + vertical² differences)
 * all in network-input space (after preprocessing).
 */
export interface ObjectiveSpec {
  contentLayers: string[];
  styleLayers: string[];
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  pooling: Pooling;
  /** jcjohnson's --normalize_gradients: L1-normalise each loss term's gradient. */
  normalizeGradients: boolean;
}

export const DEFAULT_OBJECTIVE: ObjectiveSpec = {
  contentLayers: ['relu4_2'],
  styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'],
  contentWeight: 5,
  styleWeight: 100,
  tvWeight: 1e-3,
  pooling: 'max',
  normalizeGradients: false,
};

/** Graph value names, shared by the graph builders and the runtime that feeds them. */
export const names = {
  image: 'x',
  loss: 'loss',
  grad: 'x_grad',
  content: 'content_loss',
  style: 'style_loss',
  tv: 'tv_loss',
  contentFeature: (layer: string) => `content_${layer}`,
  styleGram: (layer: string) => `gram_${layer}`,
  contentTarget: (layer: string) => `content_target_${layer}`,
  styleTarget: (layer: string) => `style_target_${layer}`,
};
