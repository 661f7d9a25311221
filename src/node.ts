/**
 * Node-only helpers: weights by name (download + cache) or from a file, image files
 * through sharp, and the static server for the browser app. Use with the platform-neutral
 * API from `neural-style` and `onnxruntime-node`. Importing it registers Node's backends
 * (src/backends: cpu, and webgpu where a GPU answers).
 */
import { registerNodeBackends } from './backends/register-node.js';

registerNodeBackends();

export { fetchModel, listModels, resolveModel } from './models/resolve-node.js';
export type { FetchOptions, ModelListing, ResolveOptions } from './models/resolve-node.js';
export { resolveCacheDir } from './models/cache-node.js';
export { fileSource } from './models/formats/byte-source-node.js';
export { readImage } from './image/decode-node.js';
export { encodeImage, writeImage } from './image/encode-node.js';
export { serveApp } from './web-server/serve-node.js';
