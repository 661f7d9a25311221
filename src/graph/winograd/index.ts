/** Winograd convolution forms and the pass that puts them into a built graph (run by src/graph/passes). */
export { featureMapShape, lowerConvolutions, transientBytes, winogradCandidate, type ConvForm, type ConvFormPicker, type ConvLowering, type ConvShape, type ImageShape } from './lower.js';
export { F2, F4, F6, type WinogradTransform } from './transforms.js';
export { DEFAULT_WINOGRAD_OUTPUT, WINOGRAD_OUTPUT_FORMS, type WinogradOutputName } from './output.js';
export { CPU_CONV_FORMS, WASM_CONV_FORMS, pickFromTable, row, rowWH, type ConvAlgorithm, type ConvFormRow } from './table.js';
