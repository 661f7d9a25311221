/**
 * `neural-style/browser`: the browser's side of the library. Importing it registers the
 * browser's backends (src/backends: wasm, and webgpu where the page gets an adapter); it
 * brings image decoding through the browser and weight files read from a Blob. Use with
 * the platform-neutral API from `neural-style` and `onnxruntime-web`.
 */
import { registerBrowserBackends } from './backends/register-browser.js';

registerBrowserBackends();

export { browserWebgpuBackend, probeBrowserWebgpu, registerBrowserBackends } from './backends/register-browser.js';
export { decodeImageBlob, SUPPORTED_IMAGE_TYPES } from './platform/browser-image.js';
export { blobSource } from './platform/browser-byte-source.js';
