import type { GraphBuilder } from '../graph/builder.js';
import { addSum } from './sum.js';
import { defineTerm } from './types.js';

/**
 * Ruder, Dosovitskiy & Brox, "Artistic style transfer for videos" (GCPR 2016), eq. (3)/(4):
 *
 *   temporal_weight · Σ_j (1/D) Σ_k c_jk (x_k − ω_jk)²,   D = 3·H·W
 *
 * ω_j is an earlier stylised frame (j frames back) warped into this one by optical flow and
 * c_j ∈ {0,1} its per-pixel reliability (src/video/consistency.ts), both in network-input
 * space. They change with every frame, so they are per-run inputs (`RunInput.feeds`), not
 * per-size `feeds`: a run without them fails with a message saying so. The weight's default
 * here is 0 (a still image has no previous frame); video runs take theirs from
 * src/video/options.ts.
 */
export function addTemporalLoss(g: GraphBuilder, x: string, warped: string, reliability: string): string {
  const diff = g.op('Sub', [x, warped]);
  // c is [1,3,H,W] like x (a pixel's reliability repeated per channel: the gradient rules
  // avoid broadcasting); ReduceMean over it divides by D = 3·H·W.
  return g.op('ReduceMean', [g.op('Mul', [g.op('Mul', [diff, diff]), reliability])], { keepdims: 0 });
}

/** The graph inputs that hold the frame `back` frames earlier, warped, and its reliability. */
export const temporalInputs = {
  warped: (back: number) => `temporal_warped_${back}`,
  reliability: (back: number) => `temporal_reliability_${back}`,
};

export const temporalTerm = defineTerm({
  name: 'temporal',
  label: 'Temporal',
  options: [
    {
      key: 'temporalWeight',
      kind: { type: 'number', min: 0 },
      default: 0,
      label: 'Temporal weight',
      help:
        'Weight of the temporal loss (Ruder et al.): how strongly each frame keeps to the previous stylised frame ' +
        'warped by optical flow, where the flow is reliable; 0 stylises every frame independently.',
      group: 'Optimisation',
      scope: 'video',
      objective: true,
      valueName: '<w>',
    },
    {
      key: 'temporalFrames',
      kind: { type: 'ints', min: 1 },
      default: [1],
      label: 'Temporal frames',
      help:
        'Which earlier frames the temporal loss looks back to (comma-separated, e.g. 1,2,4 for long-term consistency); ' +
        'each pixel keeps to the most recent one whose flow is reliable there.',
      group: 'Optimisation',
      scope: 'video',
      objective: true,
      valueName: '<offsets>',
    },
  ],
  weight: 'temporalWeight',
  omitWhenOff: true,
  layers: () => [],
  // Each frame's: the video run gives them (src/video/stylize-video.ts).
  inputs: (o) =>
    (o.temporalFrames ?? [1]).flatMap((back) => [
      { name: temporalInputs.warped(back), dims: [1, 3, 'H', 'W'], per: 'run' as const },
      { name: temporalInputs.reliability(back), dims: [1, 3, 'H', 'W'], per: 'run' as const },
    ]),
  loss: (b) =>
    addSum(
      b.g,
      (b.options.temporalFrames ?? [1]).map((back) => addTemporalLoss(b.g, b.image, b.input(temporalInputs.warped(back)), b.input(temporalInputs.reliability(back)))),
    ),
});
