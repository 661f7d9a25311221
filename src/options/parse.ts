/**
 * Raw values as a front end collects them → typed values, with the records' rules: the
 * command line's strings (string[] for a repeatable flag, true for a bare switch), or a
 * JSON client's numbers, booleans and arrays, read as the text the command line would
 * have given. Every failure is an OptionError naming the option by key; each front end
 * renders the key in its own words (a flag, a form label, a JSON key).
 */
import { OptionError } from '../errors.js';
import { allowedText, parseOptionText } from './kinds.js';
import type { OptionSpec } from './types.js';

export interface ParsedValues {
  /** Every spec's key: the parsed value, or the spec's default when not given. */
  values: Record<string, unknown>;
  /** The keys that were given. */
  given: Set<string>;
}

export function parseOptionValues(specs: readonly OptionSpec[], raw: Record<string, unknown>): ParsedValues {
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const spec of specs) {
    const value = raw[spec.key];
    if (value === undefined || value === null) {
      values[spec.key] = spec.default;
      continue;
    }
    given.add(spec.key);
    if (spec.repeatable && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      values[spec.key] = value.flatMap((v) => parseOptionText(spec, v) as unknown[]);
    } else {
      values[spec.key] = parseOptionText(spec, asText(spec, value));
    }
  }
  return { values, given };
}

/** A JSON value as the text the command line would have given. */
export function asText(spec: OptionSpec, value: unknown): string | true {
  if (typeof value === 'string') return value;
  if (value === true) return true;
  if (value === false || typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join(',');
  throw new OptionError(spec.key, JSON.stringify(value), allowedText(spec.kind));
}

/** The values of `specs`' keys only (a front end's full set → the library's StylizeOptions). */
export function pickValues(values: Record<string, unknown>, specs: readonly OptionSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) if (values[spec.key] !== undefined) out[spec.key] = values[spec.key];
  return out;
}
