/**
 * `neural-style/advanced`: the machinery under the public API, for other objectives and
 * tools — graph building and reverse-mode differentiation (the gradient-rule table and the
 * rewrite passes), the objective and features graphs, the compiled objective and its
 * tiled form, parameterisations, the memory model. Less stable than the main entry.
 */

// Graphs and their gradients
export { GraphBuilder } from './graph/builder.js';
export type { AttrValue, Dim, GradOptions, GraphNode } from './graph/builder.js';
export { addGradient, addGradients } from './graph/backward.js';
export { GRADIENT_RULES, gradientRuleFor, registerGradient, unregisterGradient } from './graph/grads/index.js';
export type { GradientRule } from './graph/grads/index.js';
export { applyPasses, convFacts, reluMaskBeforeUnpool } from './graph/passes/index.js';
export type { GraphForms, PassReport } from './graph/passes/index.js';
export { addResize, halfSize, spatialSize, torchResizeMode } from './graph/resize.js';
export { encodeModel } from './graph/encode.js';
export { CPU_CONV_FORMS, lowerConvolutions, pickFromTable } from './graph/winograd/index.js';
export type { ConvAlgorithm, ConvForm, ConvFormPicker, ConvFormRow } from './graph/winograd/index.js';

// The objective as graphs, and compiled
export { buildObjectiveGraph } from './objective/objective-graph.js';
export { buildFeatureGraph } from './objective/features-graph.js';
export { names } from './objective/names.js';
export { CompiledObjective } from './runtime/objective.js';
export { resolveSetup, type GraphSetup } from './runtime/setup.js';
export { FeatureExtractor, blendTargets } from './runtime/features.js';
export type { Targets } from './runtime/features.js';
export { estimateMemory, memoryQueryFor } from './runtime/memory.js';
export { graphForms, convFormPicker } from './backends/index.js';

// The same objective tile by tile, for images too large for one pass (src/tiles)
export { checkTileable, TiledObjective } from './tiles/tiled-objective.js';
export type { TileListener, TileProgress } from './tiles/tiled-objective.js';
export { layoutTiles, tileGeometry } from './tiles/layout.js';
export type { Box, Tile, TileGeometry } from './tiles/layout.js';

// What the optimiser moves
export { levelSizes, maxLevels, parameterCount, pixels, pyramid, resizePlanes } from './parameterisations/index.js';
