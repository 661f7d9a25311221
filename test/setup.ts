/**
 * Every test file runs with the backends a Node program has (src/node.ts registers the
 * same) plus WASM, which the onnxruntime-web tests run in Node: tests import the modules
 * under src/ directly, not through a platform entry.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerBackend } from '../src/backends/index.js';
import { registerNodeBackends } from '../src/backends/register-node.js';
import { wasmBackend } from '../src/backends/wasm.js';

registerNodeBackends();
registerBackend(wasmBackend);

// The CLI keeps onnxruntime's optimised models in the cache folder (about 100 MB each for
// VGG-19): tests keep theirs out of the user's ~/.cache, in one folder all test files share.
process.env.NEURAL_STYLE_CACHE ??= join(tmpdir(), 'neural-style-test-cache');
// Short runs keep them by default (src/cli/keep-optimized.ts), which every CLI test is: the
// test files would write models into that shared folder and evict each other's in parallel.
// The tests of the kept models (test/cli/optimized-models.test.ts, test/runtime/) ask for them.
process.env.NEURAL_STYLE_KEEP_OPTIMIZED ??= '0';
