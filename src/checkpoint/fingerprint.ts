/**
 * A checkpoint's fingerprint: what the run it belongs to was a run *of* — every setting
 * that shapes the trajectory from the checkpoint on (each option marked `objective` in the
 * options table, so a new option with that mark is checked on resume without being listed
 * here), the model, and hashes of the decoded inputs. Settings that only matter at the
 * start (seed, init) or outside the maths (paths, progress, the iteration count, the
 * backend) are left out, so a run can be resumed with more iterations or elsewhere.
 */
import { msg, opt, type MessagePart } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import type { Mask } from '../masks/index.js';
import { defaultStylizeOptions, objectiveSettings, type StylizeOptions } from '../options/index.js';

export type Fingerprint = Record<string, unknown>;

/**
 * Short SHA-256 of decoded pixels (a re-saved but identical image still matches), by the
 * platform's Web Crypto (Node ≥ 20 and browsers alike).
 */
export async function imageHash(img: { width: number; height: number; data: Float32Array }): Promise<string> {
  const header = new TextEncoder().encode(`${img.width}x${img.height}:`);
  const pixels = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const bytes = new Uint8Array(header.length + pixels.length);
  bytes.set(header);
  bytes.set(pixels, header.length);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface FingerprintInput {
  options: StylizeOptions;
  content: RgbImage;
  styles: RgbImage[];
  model: string;
  /** What identifies a user's own weight file's contents. */
  modelFile?: string;
  /** Content and style masks, when the run has them. */
  masks?: Mask[];
}

export async function fingerprint({ options, content, styles, model, modelFile, masks }: FingerprintInput): Promise<Fingerprint> {
  return {
    content: await imageHash(content),
    styles: await Promise.all(styles.map(imageHash)),
    ...(objectiveSettings(options, styles.length) as Fingerprint),
    model,
    modelFile: modelFile ?? null,
    // Only when there are masks, so checkpoints of unmasked runs keep their fingerprint.
    ...(masks && masks.length > 0 ? { masks: await Promise.all(masks.map(imageHash)) } : {}),
  };
}

/**
 * The first difference between two fingerprints, as message parts naming the option;
 * undefined when equal. An option a checkpoint does not mention (it was made before the
 * option existed) had its default then: that is what it is compared as.
 */
export function fingerprintDifference(saved: Fingerprint, current: Fingerprint): MessagePart[] | undefined {
  const defaults = defaultStylizeOptions() as Record<string, unknown>;
  for (const key of new Set([...Object.keys(current), ...Object.keys(saved)])) {
    const was = key in saved ? saved[key] : defaults[key];
    if (JSON.stringify(was ?? null) === JSON.stringify(current[key] ?? null)) continue;
    if (key === 'masks') return ["the masks differ from the checkpoint's"];
    if (key === 'content') return ["the content image differs from the checkpoint's"];
    if (key === 'styles') return ["the style image(s) differ from the checkpoint's"];
    return msg`it was made with ${opt(key)} ${show(was)}, this run has ${show(current[key])}`;
  }
  return undefined;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  return Array.isArray(v) ? v.join(',') : String(v);
}
