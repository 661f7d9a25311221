/** Winograd convolution forms and the pass that puts them into a built graph. */
import type { GraphBuilder, GradOptions } from '../builder.js';
import { lowerConvolutions } from './lower.js';

export { lowerConvolutions, transientBytes, winogradCandidate, type ConvForm, type ConvFormPicker, type ConvShape } from './lower.js';
export { F2, F4, F6, type WinogradTransform } from './transforms.js';
export { DEFAULT_WINOGRAD_OUTPUT, WINOGRAD_OUTPUT_FORMS, type WinogradOutputName } from './output.js';
export { convFormPicker, CPU_CONV_FORMS, pickFromTable, winogradOutputFor, type ConvAlgorithm, type ConvFormRow } from './table.js';

/** Lower the graph's convolutions as `options.convForm` picks; nothing without a picker. */
export function applyConvForms(g: GraphBuilder, options: Partial<GradOptions>): void {
  if (options.convForm) lowerConvolutions(g, options.convForm, options.convSide, options.winogradOutput);
}
