/**
 * Turns whatever a run threw into a message a person can act on. The library's own errors
 * (NeuralStyleError subclasses) already say what to do, and are rendered naming options by
 * their form labels ("Size", not `--image-size`), with their advice kept as data;
 * onnxruntime and the browser throw plain Errors whose text is matched here (out of
 * memory, WebGPU device loss).
 */
import { DownloadError, InputError, NeuralStyleError, NumericalError, OutOfMemoryError, UsageError, WeightsError, type Suggestion } from '../../src/index.js';
import type { ErrorKind } from './protocol.js';
import { labelOf } from './settings.js';

/** Text onnxruntime-web, Emscripten and the browsers use when memory runs out. */
const OUT_OF_MEMORY =
  /out of memory|\boom\b|allocation failed|failed to allocate|cannot allocate|bad_alloc|WebAssembly\.Memory|maximum memory size|memory access out of bounds|exceeds the (?:max|limit)|maxBufferSize|maxStorageBufferBindingSize|createBuffer|device (?:was )?lost|Array buffer allocation/i;

export function isOutOfMemory(err: unknown): boolean {
  if (err instanceof OutOfMemoryError) return true;
  if (err instanceof RangeError && /allocat|memory|buffer/i.test(err.message)) return true;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return OUT_OF_MEMORY.test(text);
}

export interface Described {
  kind: ErrorKind;
  message: string;
  suggestion?: Suggestion;
}

/** The library's error kinds, most specific first (OutOfMemoryError before the text match). */
const KINDS: [new (...args: never[]) => NeuralStyleError, ErrorKind][] = [
  [OutOfMemoryError, 'memory'],
  [WeightsError, 'weights'],
  [DownloadError, 'download'],
  [NumericalError, 'numerical'],
  [UsageError, 'usage'],
  [InputError, 'input'],
  [NeuralStyleError, 'internal'],
];

/** How each kind's text is worded on the page. */
const WORDING: Partial<Record<ErrorKind, (text: string) => string>> = {
  weights: (text) => `These weights do not fit: ${text}`,
};

export interface RunContext {
  imageSize?: number;
  backend?: 'webgpu' | 'wasm';
}

export function describeError(err: unknown, ctx: RunContext = {}): Described {
  if (err instanceof DOMException && err.name === 'AbortError') return { kind: 'cancelled', message: 'cancelled' };
  if (err instanceof NeuralStyleError) {
    // The core's pre-flight refusal already names a size that fits: no guessing here.
    const kind = KINDS.find(([type]) => err instanceof type)![1];
    const text = err.render(labelOf);
    return { kind, message: WORDING[kind]?.(text) ?? text, ...(err.suggestion ? { suggestion: err.suggestion } : {}) };
  }
  if (isOutOfMemory(err)) {
    const size = ctx.imageSize;
    const smaller = size ? Math.max(64, Math.round(size / 2 / 16) * 16) : undefined;
    const where = ctx.backend === 'webgpu' ? 'GPU memory' : 'memory (WebAssembly has at most 4 GB)';
    return {
      kind: 'memory',
      message:
        `Ran out of ${where}${size ? ` at ${size} px` : ''}. ` +
        `Try a smaller size${smaller ? ` (e.g. ${smaller} px)` : ''}, fewer style images, or close other tabs.` +
        ` (${firstLine(err)})`,
    };
  }
  return { kind: 'internal', message: `Unexpected error: ${firstLine(err)} (details in the browser console)` };
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.split('\n', 1)[0]!.slice(0, 500);
}
