/**
 * The page's side of onnxruntime-web's backends: how many WASM threads the page allows,
 * and how to name the WASM backend. The backends themselves (their probes, forms and
 * memory budgets) are the library's records (src/backends/register-browser.ts).
 */
import * as ort from 'onnxruntime-web';

const scope = self as unknown as DedicatedWorkerGlobalScope;

export function wasmThreads(): number {
  // Threads need SharedArrayBuffer, which needs a cross-origin isolated page (COOP/COEP).
  if (!scope.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
}

export function wasmLabel(): string {
  const n = ort.env.wasm.numThreads ?? 1;
  return `WASM (${n} thread${n === 1 ? '' : 's'}${scope.crossOriginIsolated ? '' : '; page not cross-origin isolated'})`;
}
