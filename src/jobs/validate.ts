/**
 * A submission checked before anything is queued, with the stylize command's own rules and
 * messages: the options through the same parser, preset and `resolveOptions`; the images
 * through the same decoder; the layers and sizes through the same pre-flight. A bad image
 * or option is refused in milliseconds at the submitter (exit 2 / HTTP 400), not found by
 * a worker an hour later. (The memory check is the worker's: only it knows its memory.)
 */
import { fingerprint } from '../checkpoint/index.js';
import { msg, opt, OptionError, UsageError } from '../errors.js';
import { decodeImage } from '../image/decode-node.js';
import type { ImageFormat } from '../image/encode-node.js';
import type { RgbImage } from '../image/types.js';
import { layerTableFor } from '../models/layers.js';
import { getModelEntry } from '../models/registry.js';
import { applyPreset, parseOptionValues, pickValues, resolveOptions, stylizeOptionSpecs, type StylizeOptions } from '../options/index.js';
import { preflight } from '../stylize/preflight.js';
import { jobOptionSpecs, REFUSED_OPTIONS } from './job-options.js';
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

/** What a server allows one job (undefined: no limit beyond the options table's). */
export interface SubmitLimits {
  maxPixels?: number;
  maxIterations?: number;
  maxImageSize?: number;
}

export interface ValidatedSubmission {
  spec: Omit<JobSpec, 'inputs'>;
  images: { content: RgbImage; styles: RgbImage[]; initImage?: RgbImage };
}

export async function validateSubmission(sub: Submission, limits: SubmitLimits = {}): Promise<ValidatedSubmission> {
  const specs = jobOptionSpecs();
  for (const key of Object.keys(sub.options)) {
    if (sub.options[key] !== undefined && sub.options[key] !== null && !specs.some((s) => s.key === key)) throw refused(key, specs.map((s) => s.key));
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

  if (limits.maxIterations !== undefined && options.numIterations > limits.maxIterations) {
    throw new OptionError('numIterations', options.numIterations, `at most ${limits.maxIterations} on this server`);
  }
  if (limits.maxImageSize !== undefined && options.imageSize > limits.maxImageSize) {
    throw new OptionError('imageSize', options.imageSize, `at most ${limits.maxImageSize} on this server`);
  }

  const entry = getModelEntry(values.model as string);
  const decode = (i: NamedImage) => decodeImage(i.bytes, i.name, { maxPixels: limits.maxPixels });
  const content = await decode(sub.content);
  const styles: RgbImage[] = [];
  for (const s of sub.styles) styles.push(await decode(s));
  const initImage = sub.initImage ? await decode(sub.initImage) : undefined;
  preflight({
    table: layerTableFor(entry.architecture),
    options,
    content,
    styles,
    extraImages: initImage ? [initImage] : [],
    checkpoint: true,
  });
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

function refused(key: string, accepted: string[]): UsageError {
  if (key === 'content' || key === 'style' || key === 'initImage') {
    return new UsageError(msg`${opt(key)} is sent as an image file with the job, not as an option`);
  }
  if (REFUSED_OPTIONS.has(key)) return new UsageError(msg`${opt(key)} cannot be set for a queued job: the worker chooses it`);
  return new UsageError(`unknown option '${key}'; a job takes ${accepted.join(', ')}`);
}
