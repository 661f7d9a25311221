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
export { threadedOrt, type ThreadedOrt } from './runtime/ort-thread-node.js';

// Video on files: ffmpeg for clips, OpenCV's Farnebäck for optical flow
export { decodeClip, encodeClip, frameName, probeClip, type ClipInfo } from './video/ffmpeg-node.js';
export { nodeFlowProvider } from './video/flow/opencv-node.js';

// The job service: submit, follow and fetch jobs; run a worker in this process
export { JobClient, QueueFullError } from './jobs/client.js';
export type { JobState, JobStatus, SubmitContext } from './jobs/client.js';
export type { Submission, SubmitLimits } from './jobs/validate.js';
export type { JobProgress, JobSummary } from './jobs/spec.js';
export { runWorker, type WorkerSettings } from './jobs/worker.js';
