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

// The job service's HTTP API as a page calls it (the shapes only, and which options a job takes).
export type { JobStatus } from './jobs/client.js';
export type { JobProgress, JobSummary } from './jobs/spec.js';
export { jobOptionSpecs } from './jobs/job-options.js';
