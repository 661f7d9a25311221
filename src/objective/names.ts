/** Graph value names, shared by the graph builders and the runtime that feeds them. */
export const names = {
  image: 'x',
  loss: 'loss',
  grad: 'x_grad',
  /** A term's weighted part: content_loss, style_loss, tv_loss. */
  part: (term: string) => `${term}_loss`,
  /** The graph input holding a term's target at a layer: content_target_relu4_2. */
  target: (term: string, layer: string) => `${term}_target_${layer}`,
  /** The features graph's output of a term's statistic at a layer. */
  statistic: (term: string, layer: string) => `${term}_statistic_${layer}`,
  /** An input a statistic declares in the features graph (a style mask at a layer). */
  statisticInput: (term: string, input: string, layer: string) => `${term}_statistic_${input}_${layer}`,
  /** The derivation graph's output for a term's blended statistic at a layer. */
  derived: (term: string, layer: string) => `${term}_derived_${layer}`,
};
