/**
 * A submission checked before anything is queued, with the stylize command's own rules and
 * messages: the options through the same parser, preset and `resolveOptions`; the images
 * through the same decoder; the layers, sizes and memory through the same pre-flight; and
 * the server's own caps (server-caps.ts). A bad image or option is refused in milliseconds
 * at the submitter (exit 2 / HTTP 400), not found by a worker an hour later. The memory is
 * checked against the server's limit for a job (or the submitting machine's memory): the
 * worker checks again against its own.
 */
import { fingerprint } from '../checkpoint/index.js';
import { msg, opt, OutOfMemoryError, UsageError } from '../errors.js';
import { decodeImage } from '../image/decode-node.js';
import type { ImageFormat } from '../image/encode-node.js';
import type { RgbImage } from '../image/types.js';
import { layerTableFor } from '../models/layers.js';
import { methodOf } from '../methods/index.js';
import { getModelEntry } from '../models/registry.js';
import { applyPreset, parseOptionValues, pickValues, resolveOptions, stylizeOptionSpecs, type StylizeOptions } from '../options/index.js';
import { preflight } from '../stylize/preflight.js';
import { jobOptionSpecs, REFUSED_OPTIONS } from './job-options.js';
import { checkOptionCaps, type SubmitLimits } from './server-caps.js';
import { JOB_SPEC_VERSION, type JobSpec } from './spec.js';

export interface NamedImage {
  /** How messages name it: the submitter's path, or an upload's file name. Never opened. */
  name: string;
  bytes: Buffer;
}

export interface Submission {
  content: NamedImage;
  styles: NamedImage[];
  initImage?: NamedImage;
  /**
   * Option key → value: text as on the command line (`'0.5'`, `'relu4_2,relu5_1'`), or JSON
   * numbers, booleans and arrays, which are read as that text.
   */
  options: Record<string, unknown>;
}

export type { SubmitLimits };

export interface ValidatedSubmission {
  spec: Omit<JobSpec, 'inputs'>;
  images: { content: RgbImage; styles: RgbImage[]; initImage?: RgbImage };
}

export async function validateSubmission(sub: Submission, limits: SubmitLimits = {}): Promise<ValidatedSubmission> {
  const specs = jobOptionSpecs();
  for (const key of Object.keys(sub.options)) {
    if (sub.options[key] !== undefined && sub.options[key] !== null && !specs.some((s) => s.key === key)) throw refused(key, specs.map((s) => s.key));
  }

  checkOptionCaps(sub.options, limits, 'options');
  if (limits.maxStyles !== undefined && sub.styles.length > limits.maxStyles) {
    throw new UsageError(`give at most ${limits.maxStyles} style images on this server, got ${sub.styles.length}`);
  }

  // The library's parsing, preset and combination rules, as every front end's.
  const { values, given } = parseOptionValues(specs, sub.options);
  applyPreset(values, given);
  if (values.multires !== undefined) {
    throw new UsageError(msg`${opt('multires')} cannot be used for a queued job: a job is checkpointed, and coarse-to-fine runs cannot be`);
  }
  if (sub.initImage) {
    if (given.has('init') && values.init !== 'image') throw new UsageError(msg`an init image needs ${opt('init')} image (or leave ${opt('init')} out)`);
    values.init = 'image';
  }
  if (sub.styles.length === 0) throw new UsageError('no style image: give one or more');
  const options = resolveOptions(pickValues(values, stylizeOptionSpecs()) as Partial<StylizeOptions>, sub.styles.length);
  const job = { previewEvery: values.previewEvery as number, format: values.format as ImageFormat };

  // Again once the preset and method have filled in their values.
  checkOptionCaps(options as unknown as Record<string, unknown>, limits, 'options');
  // A worker runs every job with checkpoints: what cannot be checkpointed cannot be queued.
  methodOf(options).checkCheckpoints?.(options);

  const entry = getModelEntry(values.model as string);
  const content = await decode(sub.content, limits.maxPixels, 'an image');
  const styles: RgbImage[] = [];
  const stylePixels = Math.min(limits.maxPixels ?? Infinity, limits.maxStylePixels ?? Infinity);
  for (const s of sub.styles) styles.push(await decode(s, Number.isFinite(stylePixels) ? stylePixels : undefined, 'a style image'));
  const initImage = sub.initImage ? await decode(sub.initImage, limits.maxPixels, 'an image') : undefined;
  try {
    preflight({
      table: layerTableFor(entry.architecture),
      options,
      content,
      styles,
      initImage,
      checkpoint: true,
      availableBytes: limits.maxJobBytes,
      availableMeans: limits.maxJobBytesMeans ?? "this server's limit for a job",
    });
  } catch (e) {
    // More than a job may have here is a request to change, not a fault: exit 2 / HTTP 400.
    if (e instanceof OutOfMemoryError) throw new UsageError(e.parts, { cause: e, suggestion: e.suggestion });
    throw e;
  }
  checkOptionCaps(options as unknown as Record<string, unknown>, limits, 'run');
  return {
    spec: {
      version: JOB_SPEC_VERSION,
      model: entry.name,
      options,
      checkpointEvery: values.checkpointEvery as number,
      previewEvery: job.previewEvery,
      format: job.format,
      fingerprint: await fingerprint({ options, content, styles, model: entry.name }),
    },
    images: { content, styles, initImage },
  };
}

/** An upload decoded with the server's pixel limit, which its refusal names as the server's. */
function decode(i: NamedImage, maxPixels: number | undefined, what: string): Promise<RgbImage> {
  const means = maxPixels !== undefined ? `this server's limit of ${maxPixels.toLocaleString('en-US')} pixels for ${what}` : undefined;
  return decodeImage(i.bytes, i.name, { maxPixels, ...(means ? { maxPixelsMeans: means } : {}) });
}

function refused(key: string, accepted: string[]): UsageError {
  if (key === 'content' || key === 'style' || key === 'initImage') {
    return new UsageError(msg`${opt(key)} is sent as an image file with the job, not as an option`);
  }
  if (REFUSED_OPTIONS.has(key)) return new UsageError(msg`${opt(key)} cannot be set for a queued job: the worker chooses it`);
  return new UsageError(`unknown option '${key}'; a job takes ${accepted.join(', ')}`);
}
