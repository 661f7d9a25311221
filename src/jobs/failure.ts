/**
 * Why a job failed, kept as message parts (option references as data) in BullMQ's one
 * failure string, so each client renders it in its own words: the HTTP API with the JSON
 * keys its callers send (`imageSize`), the submit and jobs commands with flags
 * (`--image-size`). A reason that is not ours (BullMQ's own, a stalled job) stays as text.
 */
import { renderParts, type MessagePart, type OptionNamer } from '../errors.js';

const PREFIX = 'neural-style-failure:';

export function encodeFailure(parts: readonly MessagePart[]): string {
  return PREFIX + JSON.stringify(parts);
}

export function failureParts(reason: string): MessagePart[] {
  if (!reason.startsWith(PREFIX)) return [reason];
  try {
    const parts = JSON.parse(reason.slice(PREFIX.length)) as unknown;
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string' || (typeof p === 'object' && p !== null && typeof (p as { option?: unknown }).option === 'string'))) {
      return parts as MessagePart[];
    }
  } catch {
    // Not ours after all: show it as it is.
  }
  return [reason];
}

export function renderFailure(reason: string, name: OptionNamer): string {
  return renderParts(failureParts(reason), name);
}
