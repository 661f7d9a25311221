/**
 * Typed reads of fields from an OptimizerState that came from outside (a checkpoint
 * file), so that a damaged checkpoint gives an InputError naming the field instead of a
 * NaN trajectory or a TypeError deep inside a step.
 */
import { InputError } from '../errors.js';
import type { OptimizerState } from './types.js';

export class StateReader {
  constructor(
    private readonly state: OptimizerState,
    private readonly kind: string,
  ) {
    if (state === null || typeof state !== 'object') {
      throw new InputError(`${kind} optimizer state: expected an object, got ${describe(state)}`);
    }
    if (state.kind !== kind) {
      throw new InputError(
        `${kind} optimizer state: the state is of kind ${JSON.stringify(state.kind)}; ` +
          `a ${kind} optimizer can only restore a "${kind}" state`,
      );
    }
  }

  number(key: string): number {
    const v = this.state[key];
    if (typeof v !== 'number') this.fail(key, 'a number', v);
    return v;
  }

  integer(key: string, min: number): number {
    const v = this.number(key);
    if (!Number.isInteger(v) || v < min) this.fail(key, `an integer ≥ ${min}`, v);
    return v;
  }

  boolean(key: string): boolean {
    const v = this.state[key];
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  /** A Float32Array of length n (copied), or null when `nullable`. */
  vector(key: string, n: number | null, nullable: true): Float32Array | null;
  vector(key: string, n: number | null, nullable?: false): Float32Array;
  vector(key: string, n: number | null, nullable = false): Float32Array | null {
    const v = this.state[key];
    if (v === null && nullable) return null;
    if (!(v instanceof Float32Array)) this.fail(key, nullable ? 'a Float32Array or null' : 'a Float32Array', v);
    if (n !== null && v.length !== n) this.fail(key, `a Float32Array of length ${n}`, v);
    return v.slice();
  }

  /** An array of Float32Array, each of length n (copied). */
  vectors(key: string, n: number | null): Float32Array[] {
    const v = this.state[key];
    if (!Array.isArray(v)) this.fail(key, 'an array of Float32Array', v);
    return (v as readonly unknown[]).map((e, i) => {
      if (!(e instanceof Float32Array) || (n !== null && e.length !== n)) {
        this.fail(`${key}[${i}]`, n === null ? 'a Float32Array' : `a Float32Array of length ${n}`, e);
      }
      return e.slice();
    });
  }

  numbers(key: string): number[] {
    const v = this.state[key];
    if (!Array.isArray(v) || !(v as readonly unknown[]).every((e) => typeof e === 'number')) {
      this.fail(key, 'an array of numbers', v);
    }
    return (v as readonly number[]).slice();
  }

  fail(key: string, expected: string, got: unknown): never {
    throw new InputError(`${this.kind} optimizer state: field "${key}" should be ${expected}, got ${describe(got)}`);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (v instanceof Float32Array) return `a Float32Array of length ${v.length}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v;
}
