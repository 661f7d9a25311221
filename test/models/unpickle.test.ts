/** The unpickler on hand-assembled pickles: what torch writes, and what it must refuse. */
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { PickleTruncatedError, PyGlobal, PyObject, PyTuple, unpickle, type PyValue } from '../../src/models/formats/unpickle.js';

const enc = new TextEncoder();
/** Assembles a pickle from opcodes (strings are written as bytes, numbers as one byte). */
function p(...parts: Array<number | string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else if (typeof part === 'string') out.push(...enc.encode(part));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const unicode = (s: string) => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)];
const load = (bytes: Uint8Array, extra = {}) => unpickle(bytes, 0, { description: 'test.pkl', ...extra });

function failure(fn: () => unknown): WeightsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WeightsError);
    return err as WeightsError;
  }
  throw new Error('expected a WeightsError');
}

describe('unpickle', () => {
  it('reads the legacy header pickles torch writes', () => {
    // torch.save(..., _use_new_zipfile_serialization=False) starts with these three pickles.
    const magic = p(0x80, 2, 0x8a, 10, [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], '.');
    expect(load(magic)).toEqual({ value: 0x1950a86a20f9469cfc6cn, end: 15 });
    expect(load(p(0x80, 2, 'M', [0xe9, 0x03], '.')).value).toBe(1001);
    const sysInfo = p(0x80, 2, '}', 'q', 0, '(', unicode('little_endian'), 'q', 1, 0x88, unicode('type_sizes'), '}', '(', unicode('int'), 'K', 4, 'u', 'u', '.');
    const v = load(sysInfo).value as Map<PyValue, PyValue>;
    expect(v.get('little_endian')).toBe(true);
    expect((v.get('type_sizes') as Map<PyValue, PyValue>).get('int')).toBe(4);
  });

  it('hands REDUCE of unknown globals to the hook, else keeps an inert object; OrderedDict is a Map', () => {
    const bytes = p(
      0x80, 2,
      'c', 'collections\nOrderedDict\n', ')', 'R', // OrderedDict()
      'q', 0, '(',
      unicode('w'), 'c', 'torch._utils\n_rebuild_tensor_v2\n', 'K', 3, 0x85, 'R', // f(3)
      unicode('x'), 'c', 'os\nsystem\n', '(', unicode('rm -rf /'), 't', 'R', // never executed
      'u',
      '}', 'b', // BUILD on the dict: state (like _metadata) ignored
      '.',
    );
    const calls: string[] = [];
    const v = load(bytes, {
      reduce: (fn: PyGlobal, args: PyValue[]) => {
        calls.push(fn.qualified);
        return fn.name === '_rebuild_tensor_v2' ? `tensor(${String(args[0])})` : undefined;
      },
    }).value as Map<PyValue, PyValue>;
    expect(v).toBeInstanceOf(Map);
    expect(v.get('w')).toBe('tensor(3)');
    const x = v.get('x') as PyObject;
    expect(x).toBeInstanceOf(PyObject);
    expect((x.callable as PyGlobal).qualified).toBe('os.system');
    expect(calls).toEqual(['torch._utils._rebuild_tensor_v2', 'os.system']);
  });

  it('memo, lists, tuples, floats, negative ints, bytes, persistent ids', () => {
    const bytes = p(
      0x80, 2, ']', 'q', 1, '(',
      'J', u32(-5 >>> 0), // BININT -5
      'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // BINFLOAT 1.5 (big endian)
      'N', 0x89, 'h', 1, // None, False, the list itself (a cycle)
      0x8a, 1, [0xff], // LONG1 -1
      'C', 2, [1, 2], // SHORT_BINBYTES
      unicode('k'), 'Q', // BINPERSID
      ')', 'K', 1, 'K', 2, 0x86, // (), (1, 2)
      'e', '.',
    );
    const v = load(bytes, { persistentLoad: (pid: PyValue) => `pid:${String(pid)}` }).value as PyValue[];
    expect(v.slice(0, 4)).toEqual([-5, 1.5, null, false]);
    expect(v[4]).toBe(v);
    expect(v[5]).toBe(-1);
    expect(v[6]).toEqual(Uint8Array.of(1, 2));
    expect(v[7]).toBe('pid:k');
    expect(v[8]).toEqual(new PyTuple([]));
    expect(v[9]).toEqual(new PyTuple([1, 2]));
  });

  it('reports where the next pickle starts', () => {
    const two = p(0x80, 2, 'K', 1, '.', 0x80, 2, 'K', 2, '.');
    const first = load(two);
    expect(first).toEqual({ value: 1, end: 5 });
    expect(unpickle(two, first.end, { description: 't' }).value).toBe(2);
  });

  it('truncation is a PickleTruncatedError (a WeightsError)', () => {
    for (const bytes of [p(0x80, 2, 'K'), p(0x80, 2, ...unicode('hello').slice(0, 7)), p(0x80, 2, 'K', 1), p(0x80, 2, 'c', 'torch\nFloat')]) {
      const err = failure(() => load(bytes));
      expect(err).toBeInstanceOf(PickleTruncatedError);
      expect(err.message).toMatch(/^test\.pkl: pickle data ends/);
    }
  });

  it.each([
    ['text-mode INT', p(0x80, 2, 'I', '1\n', '.'), /unsupported opcode 0x49 'I'/],
    ['INST (code execution)', p('i', 'os\nsystem\n', '.'), /unsupported opcode 0x69 'i'/],
    ['stack underflow', p(0x80, 2, 't', '.'), /no MARK on the stack/],
    ['STOP on empty stack', p('.'), /stack underflow/],
    ['unknown memo key', p(0x80, 2, 'h', 7, '.'), /memo key 7 was never stored/],
    ['SETITEM on a list', p(0x80, 2, ']', 'K', 1, 'K', 2, 's', '.'), /SETITEM\(S\) on a list/],
    ['APPEND on an int', p(0x80, 2, 'K', 1, 'K', 2, 'a', '.'), /APPEND\(S\) on a number/],
    ['REDUCE with non-tuple args', p(0x80, 2, 'c', 'a\nb\n', 'K', 1, 'R', '.'), /REDUCE arguments are a number/],
    ['protocol 9', p(0x80, 9, '.'), /unsupported pickle protocol 9/],
    ['invalid UTF-8', p(0x80, 2, 0x8c, 1, [0xff], '.'), /not valid UTF-8/],
    ['a huge integer', p(0x80, 2, 0x8b, u32(100000), '.'), /integer of 100000 bytes/],
    ['persistent id without a loader', p(0x80, 2, 'K', 1, 'Q', '.'), /persistent id in a pickle that should have none/],
  ])('refuses %s', (_, bytes, message) => {
    const err = failure(() => load(bytes));
    expect(err.message).toMatch(/^test\.pkl: invalid pickle at byte \d+: /);
    expect(err.message).toMatch(message);
  });

  it('caps the stack, the memo and the opcode count', () => {
    const marks = p(0x80, 2, ...new Array(2000).fill(0x28), '.');
    expect(failure(() => load(marks, { maxStack: 1000 })).message).toMatch(/stack exceeds 1000 items/);
    const puts = p(0x80, 2, 'N', ...Array.from({ length: 300 }, (_, i) => [0x72, ...u32(i)]).flat(), '.');
    expect(failure(() => load(puts, { maxMemo: 100 })).message).toMatch(/memo exceeds 100 entries/);
    const pops = p(0x80, 2, ...new Array(1000).fill([0x4e, 0x30]).flat(), 'N', '.');
    expect(failure(() => load(pops, { maxOps: 500 })).message).toMatch(/more than 500 opcodes/);
    expect(load(pops).value).toBe(null);
  });
});
