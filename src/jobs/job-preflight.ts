/**
 * The stylize command's pre-flight (src/stylize/preflight.ts: layers, sizes, memory) for a
 * queued job, on the worker that is to run it, before it loads weights or computes
 * anything: only the worker knows its memory, and a job that cannot fit (a large
 * styleScale makes style images of tens of thousands of pixels) must fail in
 * milliseconds with the command's message, not grow the worker until the system kills it.
 */
import type { BackendChoice } from '../backends/index.js';
import type { RgbImage } from '../image/types.js';
import { layerTableFor } from '../models/layers.js';
import { getModelEntry } from '../models/registry.js';
import { preflight } from '../stylize/preflight.js';
import type { JobSpec } from './spec.js';

/** The memory budget the job was checked against (what `tile: 'auto'` sizes tiles by); throws the pre-flight's error when it does not pass. */
export function preflightJob(spec: JobSpec, images: { content: RgbImage; styles: RgbImage[]; initImage?: RgbImage }, backend: BackendChoice): number | undefined {
  const availableBytes = backend.profile.memoryBudget?.(backend.probe);
  preflight({
    table: layerTableFor(getModelEntry(spec.model).architecture),
    options: { ...spec.options, backend: backend.profile.name },
    content: images.content,
    styles: images.styles,
    initImage: images.initImage,
    // A job always checkpoints (to the store).
    checkpoint: true,
    availableBytes,
  });
  return availableBytes;
}
