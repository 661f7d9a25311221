import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { deserializeState, packState, serializeState, unpackState } from '../../src/optim/state-io.js';
import type { OptimizerState, StateValue } from '../../src/optim/types.js';

/** Structural equality that also tells NaN payloads, −0 and Float32Array bits apart. */
function same(a: StateValue, b: StateValue): boolean {
  if (a instanceof Float32Array || b instanceof Float32Array) {
    if (!(a instanceof Float32Array && b instanceof Float32Array) || a.length !== b.length) return false;
    const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
    return ua.every((v, i) => v === ub[i]);
  }
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    const aa = a as readonly StateValue[];
    const bb = b as readonly StateValue[];
    return Array.isArray(a) && Array.isArray(b) && aa.length === bb.length && aa.every((v, i) => same(v, bb[i]!));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ob = b as { [k: string]: StateValue };
  return ka.length === kb.length && ka.every((k) => k in ob && same((a as { [k: string]: StateValue })[k]!, ob[k]!));
}

const float32FromBits = fc
  .array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 })
  .map((u) => new Float32Array(Uint32Array.from(u).buffer));

const stateValue: fc.Arbitrary<StateValue> = fc.letrec<{ v: StateValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.double(),
    fc.constantFrom(NaN, Infinity, -Infinity, -0, 0),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    float32FromBits,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => !k.startsWith('$') && k !== '__proto__'), tie('v'), { maxKeys: 4 }),
  ),
})).v;

const state = fc
  .dictionary(fc.string().filter((k) => !k.startsWith('$') && k !== '__proto__' && k !== 'kind'), stateValue, { maxKeys: 6 })
  .map((d) => ({ kind: 'test', ...d }) as OptimizerState);

describe('serializeState / packState', () => {
  it('round-trip any state exactly (NaN payloads, −0, ±Infinity included)', () => {
    fc.assert(
      fc.property(state, (s) => {
        expect(same(deserializeState(serializeState(s)), s)).toBe(true);
        expect(same(unpackState(packState(s)), s)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keep Float32Array views with an offset and odd lengths (base64 padding)', () => {
    const backing = new Float32Array([1, 2, 3, 4, 5, 6, 7]);
    for (const len of [0, 1, 2, 3, 4]) {
      const v = backing.subarray(2, 2 + len);
      const s: OptimizerState = { kind: 'x', v };
      expect(Array.from(deserializeState(serializeState(s)).v as Float32Array)).toEqual(Array.from(v));
      expect(Array.from(unpackState(packState(s)).v as Float32Array)).toEqual(Array.from(v));
    }
    // Bytes inside a bigger buffer (as a file read might hand them over).
    const packed = packState({ kind: 'x', v: backing });
    const inside = new Uint8Array(packed.length + 3);
    inside.set(packed, 3);
    expect(Array.from(unpackState(inside.subarray(3)).v as Float32Array)).toEqual(Array.from(backing));
  });

  it('give InputError for text or bytes that are not a state', () => {
    const good = serializeState({ kind: 'x', v: new Float32Array([1, 2]) });
    for (const bad of ['', '{', '[]', '{"a":1}', good.replace('"$f32":"', '"$f32":"!'), '{"kind":"x","v":{"$f32":"AAA="}}', '{"kind":"x","n":{"$num":"1"}}']) {
      expect(() => deserializeState(bad), bad).toThrow(InputError);
    }
    const packed = packState({ kind: 'x', v: new Float32Array(100) });
    expect(() => unpackState(packed.subarray(0, packed.length - 4))).toThrow(/truncated/);
    expect(() => unpackState(new Uint8Array(20))).toThrow(/not an optimizer state/);
    expect(() => unpackState(packed.subarray(0, 30))).toThrow(InputError);
  });

  it('refuse bytes changed anywhere, as they refuse a truncated file', () => {
    const state: OptimizerState = { kind: 'lbfgs', k: 3, x: Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i)) };
    const packed = packState(state);
    // The case: four bytes in the middle of the float data, which used to load as a
    // slightly different (and silently wrong) state.
    const flipped = packed.slice();
    const middle = Math.floor(packed.length / 2);
    for (let i = middle; i < middle + 4; i++) flipped[i] ^= 0x5a;
    expect(() => unpackState(flipped)).toThrow(InputError);
    expect(() => unpackState(flipped)).toThrow(/^optimizer checkpoint: damaged \(checksum mismatch/);
    // Any one byte, anywhere — header length, JSON, padding or data — changed to any value.
    fc.assert(
      fc.property(fc.nat(packed.length - 1), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const b = packed.slice();
        b[at] = (b[at]! + delta) & 255;
        expect(() => unpackState(b)).toThrow(InputError);
      }),
      { numRuns: 500 },
    );
    // Bytes added at the end are damage too, not something to ignore.
    const longer = new Uint8Array(packed.length + 4);
    longer.set(packed);
    expect(() => unpackState(longer)).toThrow(InputError);
    expect(same(unpackState(packed), state)).toBe(true);
  });

  it('say clearly that a checkpoint from before checksums cannot be read', () => {
    const old = packState({ kind: 'x', v: new Float32Array(4) });
    old.set(new TextEncoder().encode('NSOPTST1'));
    expect(() => unpackState(old)).toThrow(/written by an older neural-style \(format NSOPTST1, without a checksum\)/);
  });

  it('never throws anything but InputError on random text and mutated bytes', () => {
    const packed = packState({ kind: 'lbfgs', v: new Float32Array([1, 2, 3]), w: [1, NaN] });
    fc.assert(
      fc.property(fc.string(), fc.array(fc.tuple(fc.nat(packed.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }), (text, edits) => {
        try {
          deserializeState(text);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
        const b = packed.slice();
        for (const [i, v] of edits) b[i] = v;
        try {
          unpackState(b);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
