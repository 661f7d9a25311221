/**
 * Every test file runs with the backends a Node program has (src/node.ts registers the
 * same) plus WASM, which the onnxruntime-web tests run in Node: tests import the modules
 * under src/ directly, not through a platform entry.
 */
import { registerBackend } from '../src/backends/index.js';
import { registerNodeBackends } from '../src/backends/register-node.js';
import { wasmBackend } from '../src/backends/wasm.js';

registerNodeBackends();
registerBackend(wasmBackend);
