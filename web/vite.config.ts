/**
 * The browser app: `npm run build:web` → web-dist/ (a plain static site, relative base).
 *
 * onnxruntime-web is used in its "extern wasm" build (dist/ort.min.mjs): the runtime's
 * Emscripten glue (.mjs) and binary (.wasm) stay separate files that this config copies to
 * web-dist/ort/<onnxruntime-web's version>/, and the worker points `ort.env.wasm.wasmPaths`
 * there (its `env.versions.web`). The version in the path lets the server send them as
 * immutable (src/web-server/serve-node.ts): Chromium then keeps V8's compiled WASM in its
 * code cache between visits, where a revalidated file measured a new compile each visit
 * (bench/RESULTS.md, "The tab on a second visit"). Unlike the default
 * bundle, this keeps WASM threads working after bundling (the pthread workers load the
 * glue file by its own URL) and keeps the 28 MB binary out of Vite's asset pipeline.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
const ORT_DIST = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
/** What dist/ort.min.mjs loads at run time (the JSEP build: WASM and WebGPU in one binary). */
const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];
/** web-dist/ort/<version>: the worker finds it by onnxruntime-web's `env.versions.web`. */
const ORT_VERSION = (JSON.parse(readFileSync(join(ORT_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version;
const ORT_DIR = `ort/${ORT_VERSION}`;
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'web-dist');

/** Same headers as src/web-server/serve-node.ts: cross-origin isolation for WASM threads. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function ortRuntimeFiles(): Plugin {
  return {
    name: 'neural-style:ort-runtime-files',
    // Dev server: serve them from node_modules under the same path.
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /^\/ort\/[\w.-]+\/([\w.-]+)(?:\?|$)/.exec(req.url ?? '');
        if (!m || !ORT_FILES.includes(m[1]!)) return next();
        res.setHeader('Content-Type', m[1]!.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
        createReadStream(join(ORT_DIST, m[1]!)).pipe(res);
      });
    },
    async writeBundle() {
      await mkdir(join(outDir, ORT_DIR), { recursive: true });
      await Promise.all(ORT_FILES.map((f) => copyFile(join(ORT_DIST, f), join(outDir, ORT_DIR, f))));
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    alias: [{ find: /^onnxruntime-web$/, replacement: join(ORT_DIST, 'ort.min.mjs') }],
  },
  worker: { format: 'es' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Minification of our ~150 kB is cheap; ort.min.mjs is minified already.
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
  },
  server: { headers: ISOLATION },
  preview: { headers: ISOLATION },
  plugins: [ortRuntimeFiles()],
});
