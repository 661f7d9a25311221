/**
 * web-dist/ built from the current sources: what the browser test and `npm run bench:web`
 * both drive. Rebuilt (vite, as `npm run build:web`) when index.html or onnxruntime-web's
 * WASM is missing, or when anything under web/ or src/ (or package.json) is newer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const WEB_DIST = join(REPO, 'web-dist');
/** The build copies onnxruntime-web's runtime to web-dist/ort/<this>/ (web/vite.config.ts). */
const ORT_VERSION = (JSON.parse(readFileSync(join(REPO, 'node_modules/onnxruntime-web/package.json'), 'utf8')) as { version: string }).version;

/** Newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    else if (entry.isFile()) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Build web-dist/ unless it is current; `onBuild` hears when a build starts. */
export function ensureWebBuilt(onBuild: () => void = () => {}): void {
  const index = join(WEB_DIST, 'index.html');
  const wasm = join(WEB_DIST, 'ort', ORT_VERSION, 'ort-wasm-simd-threaded.jsep.wasm');
  const sources = Math.max(newest(join(REPO, 'web')), newest(join(REPO, 'src')), statSync(join(REPO, 'package.json')).mtimeMs);
  if (existsSync(index) && existsSync(wasm) && statSync(index).mtimeMs >= sources) return;
  onBuild();
  const run = spawnSync(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'], { cwd: REPO, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vite build failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
}
