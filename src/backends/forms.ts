/**
 * The graph forms a run takes on a backend: the backend's gradient forms, and each 3×3
 * convolution's form (direct or Winograd, with the backend's output transform) as the
 * `convAlgorithm` option says, chosen per layer for the run's image size.
 */
import type { GraphForms } from '../graph/passes/index.js';
import type { ConvFormPicker } from '../graph/winograd/lower.js';
import type { ImageShape } from '../graph/winograd/lower.js';
import { pickFromTable, type ConvAlgorithm } from '../graph/winograd/table.js';
import type { BackendProfile } from './types.js';

/** The conv-form picker for an algorithm on a backend; undefined: every conv direct. */
export function convFormPicker(profile: BackendProfile, algorithm: ConvAlgorithm): ConvFormPicker | undefined {
  if (algorithm === 'direct') return undefined;
  // Asked for by name: F(4×4, 3×3) wherever a conv can take it, whatever was measured.
  if (algorithm === 'winograd') return () => 'F4';
  const { rows, unmeasured } = profile.convForms;
  if (rows.length === 0 && unmeasured === 'direct') return undefined;
  const table = pickFromTable(rows);
  return unmeasured === 'rule' ? table : (s) => (rows.some((r) => r.inChannels === s.inChannels && r.outChannels === s.outChannels) ? table(s) : 'direct');
}

/**
 * The forms for a run: `options.convAlgorithm` (default auto) and, for the per-layer
 * choice, `shape` — the image shape the graph will see (default a square of
 * `options.imageSize`, when the run's photo is not known yet).
 */
export function graphForms(profile: BackendProfile, options: { convAlgorithm?: unknown; imageSize?: unknown }, shape?: ImageShape): Partial<GraphForms> {
  const algorithm = (options.convAlgorithm as ConvAlgorithm | undefined) ?? 'auto';
  const convForm = convFormPicker(profile, algorithm);
  const side = typeof options.imageSize === 'number' ? options.imageSize : undefined;
  const convShape = shape ?? (side !== undefined ? { width: side, height: side } : undefined);
  return { ...profile.gradients, ...(convForm ? { convForm, convShape, winogradOutput: profile.winogradOutput } : {}) };
}
