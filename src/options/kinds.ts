/**
 * The rules of each option type, once: what a value must be (`allowed`, in words), how a
 * typed value is checked (the library's callers hand in numbers and arrays), and how text
 * is read (the CLI's arguments and the web form's fields are strings). Every front end
 * goes through `parseOptionText` and `checkOptionValue`, so the limits cannot drift apart.
 */
import { OptionError } from '../errors.js';
import type { OptionKind, OptionSpec } from './types.js';

const wholeRange = (min: number, max?: number) => (max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`);

/** What a value of this kind must be, as words after "must be". */
export function allowedText(kind: OptionKind): string {
  switch (kind.type) {
    case 'int':
      return wholeRange(kind.min, kind.max);
    case 'number':
      return `a number ${kind.exclusiveMin ? '>' : '≥'} ${kind.min}${kind.max !== undefined ? ` and ≤ ${kind.max}` : ''}`;
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${kind.choices.join(', ')}`;
    case 'intOr':
      return `${kind.words.join(', ')} or a whole number ≥ ${kind.min}`;
    case 'layers':
      return 'a comma-separated list of layer names, e.g. relu4_2, with no empty items';
    case 'ints':
      return `a comma-separated list of whole numbers ≥ ${kind.min}`;
    case 'weights':
      return 'a comma-separated list of numbers ≥ 0, at least one above 0';
    case 'text':
      return kind.what;
    case 'texts':
      return `a comma-separated list of ${kind.what} with no empty items`;
  }
}

function inRange(kind: { min: number; max?: number; exclusiveMin?: boolean }, v: number): boolean {
  return (kind.exclusiveMin ? v > kind.min : v >= kind.min) && (kind.max === undefined || v <= kind.max);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Is a typed value allowed? (Duplicated layer names get their own message below.) */
function valueOk(kind: OptionKind, v: unknown): boolean {
  switch (kind.type) {
    case 'int':
      return isInt(v) && inRange(kind, v);
    case 'number':
      return isNum(v) && inRange(kind, v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'choice':
      return typeof v === 'string' && kind.choices.includes(v);
    case 'intOr':
      return (typeof v === 'string' && kind.words.includes(v)) || (isInt(v) && v >= kind.min);
    case 'layers':
    case 'texts':
      return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.trim() !== '');
    case 'ints':
      return Array.isArray(v) && v.length > 0 && v.every((n) => isInt(n) && n >= kind.min);
    case 'weights':
      return Array.isArray(v) && v.length > 0 && v.every((n) => isNum(n) && n >= 0) && v.some((n) => (n as number) > 0);
    case 'text':
      return typeof v === 'string' && v.trim() !== '';
  }
}

/** OptionError unless `value` is allowed for `spec`. Undefined is allowed where the default is. */
export function checkOptionValue(spec: OptionSpec, value: unknown): void {
  if (value === undefined && spec.default === undefined) return;
  if (!valueOk(spec.kind, value)) throw new OptionError(spec.key, value, allowedText(spec.kind));
  if (spec.kind.type === 'layers') {
    const items = value as string[];
    const dup = items.find((l, i) => items.indexOf(l) !== i);
    if (dup) throw new OptionError(spec.key, value, 'a list without repeats', { problem: [{ option: spec.key }, ` lists ${dup} twice`] });
  }
}

/** Text (a CLI argument, a form field) → typed value, checked. `true` stands for a bare switch. */
export function parseOptionText(spec: OptionSpec, raw: string | true): unknown {
  const kind = spec.kind;
  const fail = () => new OptionError(spec.key, raw, allowedText(kind));
  if (kind.type === 'boolean') {
    if (raw === true || raw === 'true') return true;
    if (raw === 'false') return false;
    throw fail();
  }
  if (raw === true) throw fail();
  const items = () => {
    const parts = raw.split(',').map((s) => s.trim());
    if (parts.some((s) => s === '')) throw fail();
    return parts;
  };
  let value: unknown;
  switch (kind.type) {
    case 'int':
      value = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      break;
    case 'number':
      value = raw.trim() === '' ? NaN : Number(raw);
      break;
    case 'choice':
    case 'text':
      value = raw;
      break;
    case 'intOr':
      value = /^\d+$/.test(raw.trim()) ? Number(raw) : raw.trim();
      break;
    case 'layers':
    case 'texts':
      value = items();
      break;
    case 'ints':
      value = items().map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
      break;
    case 'weights':
      value = items().map(Number);
      break;
  }
  if (!valueOk(kind, value)) throw fail();
  checkOptionValue(spec, value);
  return value;
}

/** An option's value as text (`--help` defaults, the README table, form fields). */
export function optionText(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
