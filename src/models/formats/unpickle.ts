/**
 * A small, defensive reader for Python pickles: exactly the opcodes PyTorch state dicts use
 * (protocol 2, as torch.save writes them, plus the protocol 3–5 binary opcodes that are
 * trivial to add), nothing that executes code.
 *
 * Why not the `pickleparser` package: it is not installed here, and what torch needs is
 * hooks rather than a general object model: BINPERSID (storages live outside the pickle),
 * REDUCE of `torch._utils._rebuild_tensor_v2` and `collections.OrderedDict`, BUILD of an
 * OrderedDict's `_metadata`. Those are ~300 lines to do strictly, with our own errors.
 *
 * Safety: the reader walks the buffer forward only (every opcode consumes at least one
 * byte, so it always terminates), caps the stack, the memo and the number of opcodes, and
 * every failure is a WeightsError (truncation is the subclass PickleTruncatedError, so a
 * caller reading a prefix of a file can fetch more and retry). Globals are never imported:
 * REDUCE hands `module.name` and the arguments to the caller's hook, and anything the hook
 * does not recognise becomes an inert PyObject record.
 */
import { WeightsError } from '../../errors.js';

/** A Python `module.name` reference (the GLOBAL opcode). */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A tuple (lists are plain JS arrays, so the two stay distinguishable). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** Result of REDUCE / NEWOBJ on a callable the caller did not interpret, plus BUILD state. */
export class PyObject {
  state: PyValue = null;
  /** Items appended / set on it (pickle lets any object receive APPENDS / SETITEMS). */
  readonly listItems: PyValue[] = [];
  readonly dictItems = new Map<PyKey, PyValue>();
  constructor(readonly callable: PyValue, readonly args: PyValue[]) {}
}

/** Something the caller's hooks produced (a storage reference, a tensor reference…). */
export class PyOpaque<T = unknown> {
  constructor(readonly tag: string, readonly value: T) {}
}

/** A dict; OrderedDict unpickles to this too. Keys are primitives or (by identity) objects. */
export type PyDict = Map<PyKey, PyValue>;
export type PyKey = PyValue;

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | PyObject
  | PyOpaque;

export interface UnpickleOptions {
  /** Name for messages, e.g. "vgg19.pth (data.pkl)". */
  description: string;
  /** BINPERSID: turn a persistent id into a value (torch: a storage reference). */
  persistentLoad?: (pid: PyValue) => PyValue;
  /**
   * REDUCE / NEWOBJ of `fn(args)`: return the value, or undefined to get an inert
   * PyObject. Throw WeightsError for arguments that make no sense.
   */
  reduce?: (fn: PyGlobal, args: PyValue[]) => PyValue | undefined;
  /** Caps (defaults suit state dicts of any real model). */
  maxStack?: number;
  maxMemo?: number;
  maxOps?: number;
}

export interface UnpickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode (where the next pickle or raw data starts). */
  end: number;
}

/** The pickle ran off the end of the bytes it was given (a caller may retry with more). */
export class PickleTruncatedError extends WeightsError {}

// Opcodes, named as in CPython's Lib/pickle.py.
const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32,
  BINFLOAT: 0x47, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, NONE: 0x4e,
  BINPERSID: 0x51, REDUCE: 0x52, BINSTRING: 0x54, SHORT_BINSTRING: 0x55, BINUNICODE: 0x58,
  EMPTY_LIST: 0x5d, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, APPENDS: 0x65,
  BINGET: 0x68, LONG_BINGET: 0x6a, LIST: 0x6c, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, TUPLE: 0x74, SETITEMS: 0x75, EMPTY_DICT: 0x7d, EMPTY_TUPLE: 0x29,
  // protocol 2
  PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b,
  // protocol 3
  BINBYTES: 0x42, SHORT_BINBYTES: 0x43,
  // protocol 4
  SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f,
  ADDITEMS: 0x90, FROZENSET: 0x91, NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95,
  // protocol 5
  BYTEARRAY8: 0x96,
} as const;

/** Marks the stack position of a MARK opcode. */
const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  }
  return s;
}

/** Longest LONG1/LONG4 accepted: torch's largest is the 10-byte legacy magic number. */
const MAX_LONG_BYTES = 64;

/**
 * Reads one pickle starting at `start` and returns its value and where it ended.
 * Throws WeightsError (PickleTruncatedError when the bytes end mid-pickle).
 */
export function unpickle(bytes: Uint8Array, start: number, options: UnpickleOptions): UnpickleResult {
  const what = options.description;
  const maxStack = options.maxStack ?? 1_000_000;
  const maxMemo = options.maxMemo ?? 1_000_000;
  const maxOps = options.maxOps ?? 50_000_000;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();

  const fail = (msg: string, at = pos): never => {
    throw new WeightsError(`${what}: invalid pickle at byte ${at}: ${msg}`);
  };
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0) fail(`invalid length ${n}`);
    if (pos + n > bytes.length) {
      throw new PickleTruncatedError(`${what}: pickle data ends early (needs byte ${pos + n}, has ${bytes.length})`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)]!;
  const u16 = () => view.getUint16(need(2), true);
  const i32 = () => view.getInt32(need(4), true);
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number) => {
    const at = need(n);
    return bytes.subarray(at, at + n);
  };
  const line = (): string => {
    // GLOBAL's arguments: text up to '\n'. Bounded by the buffer and by a sane length.
    const nl = bytes.subarray(pos, pos + 1025).indexOf(0x0a);
    if (nl < 0) {
      if (bytes.length - pos > 1024) fail('GLOBAL name longer than 1024 bytes');
      throw new PickleTruncatedError(`${what}: pickle data ends inside a GLOBAL name`);
    }
    const end = pos + nl;
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const decodeUtf8 = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };

  const push = (v: StackItem) => {
    if (stack.length >= maxStack) fail(`stack exceeds ${maxStack} items`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop()!;
    if (v === MARK) fail('unexpected MARK on the stack');
    return v as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack[stack.length - 1]!;
    if (v === MARK) fail('unexpected MARK on the stack');
    return v as PyValue;
  };
  /** Pops everything above the last MARK (and the mark itself). */
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('no MARK on the stack');
    const items = stack.splice(i + 1) as PyValue[];
    stack.pop();
    return items;
  };
  const memoPut = (index: number, v: PyValue) => {
    if (!memo.has(index) && memo.size >= maxMemo) fail(`memo exceeds ${maxMemo} entries`);
    memo.set(index, v);
  };
  const memoGet = (index: number): PyValue => {
    if (!memo.has(index)) fail(`memo key ${index} was never stored`);
    return memo.get(index)!;
  };
  const setItems = (target: PyValue, items: PyValue[], at: number) => {
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items', at);
    const dict = target instanceof Map ? target : target instanceof PyObject ? target.dictItems : fail(`SETITEM(S) on a ${typeName(target)}`, at);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
  };
  const appendItems = (target: PyValue, items: PyValue[], at: number) => {
    const list = Array.isArray(target) ? target : target instanceof PyObject ? target.listItems : fail(`APPEND(S) on a ${typeName(target)}`, at);
    if (list.length + items.length > maxStack) fail(`list exceeds ${maxStack} items`, at);
    for (const item of items) list.push(item);
  };
  const callGlobal = (fn: PyValue, args: PyValue[], at: number): PyValue => {
    if (fn instanceof PyGlobal) {
      // The one builtin container torch needs (state_dict() and hook dicts are OrderedDicts).
      if (fn.module === 'collections' && fn.name === 'OrderedDict') {
        if (args.length === 0) return new Map();
        fail('OrderedDict called with arguments', at);
      }
      // Python 3 bytes pickled at protocol 2: _codecs.encode(latin1 text, 'latin1').
      if (fn.module === '_codecs' && fn.name === 'encode' && typeof args[0] === 'string') {
        return Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff);
      }
      const v = options.reduce?.(fn, args);
      if (v !== undefined) return v;
    }
    return new PyObject(fn, args);
  };

  let ops = 0;
  for (;;) {
    if (++ops > maxOps) fail(`more than ${maxOps} opcodes`);
    const at = pos;
    const op = u8();
    switch (op) {
      case OP.PROTO: {
        const v = u8();
        if (v > 5) fail(`unsupported pickle protocol ${v}`, at);
        break;
      }
      case OP.FRAME: u64(); break; // framing is only a buffering hint
      case OP.STOP: {
        const value = pop();
        return { value, end: pos };
      }
      case OP.MARK: push(MARK); break;
      case OP.POP: {
        if (stack.length === 0) fail('stack underflow', at);
        stack.pop();
        break;
      }
      case OP.POP_MARK: popMark(); break;
      case OP.DUP: push(top()); break;

      case OP.NONE: push(null); break;
      case OP.NEWTRUE: push(true); break;
      case OP.NEWFALSE: push(false); break;
      case OP.BININT: push(i32()); break;
      case OP.BININT1: push(u8()); break;
      case OP.BININT2: push(u16()); break;
      case OP.LONG1:
      case OP.LONG4: {
        const n = op === OP.LONG1 ? u8() : i32();
        if (n < 0 || n > MAX_LONG_BYTES) fail(`integer of ${n} bytes (at most ${MAX_LONG_BYTES} accepted)`, at);
        push(readLong(take(n)));
        break;
      }
      case OP.BINFLOAT: push(view.getFloat64(need(8), false)); break;

      case OP.BINUNICODE: push(decodeUtf8(take(u32()))); break;
      case OP.SHORT_BINUNICODE: push(decodeUtf8(take(u8()))); break;
      case OP.BINUNICODE8: push(decodeUtf8(take(u64()))); break;
      // Python 2 str: bytes, decoded as latin-1 the way torch's loader does (encoding='latin1').
      case OP.BINSTRING: {
        const n = i32();
        if (n < 0) fail('negative BINSTRING length', at);
        push(latin1(take(n)));
        break;
      }
      case OP.SHORT_BINSTRING: push(latin1(take(u8()))); break;
      case OP.BINBYTES: push(take(u32()).slice()); break;
      case OP.SHORT_BINBYTES: push(take(u8()).slice()); break;
      case OP.BINBYTES8: case OP.BYTEARRAY8: push(take(u64()).slice()); break;

      case OP.EMPTY_TUPLE: push(new PyTuple([])); break;
      case OP.TUPLE: push(new PyTuple(popMark())); break;
      case OP.TUPLE1: push(new PyTuple([pop()])); break;
      case OP.TUPLE2: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; }
      case OP.TUPLE3: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; }

      case OP.EMPTY_LIST: push([]); break;
      case OP.LIST: push(popMark()); break;
      case OP.APPEND: { const v = pop(); appendItems(top(), [v], at); break; }
      case OP.APPENDS: { const items = popMark(); appendItems(top(), items, at); break; }

      case OP.EMPTY_DICT: push(new Map()); break;
      case OP.DICT: { const d = new Map(); setItems(d, popMark(), at); push(d); break; }
      case OP.SETITEM: { const v = pop(); const k = pop(); setItems(top(), [k, v], at); break; }
      case OP.SETITEMS: { const items = popMark(); setItems(top(), items, at); break; }

      // Sets only occur in exotic checkpoints; keep them as lists so parsing goes on.
      case OP.EMPTY_SET: push([]); break;
      case OP.ADDITEMS: { const items = popMark(); appendItems(top(), items, at); break; }
      case OP.FROZENSET: push(popMark()); break;

      case OP.GLOBAL: { const module = line(); const name = line(); push(new PyGlobal(module, name)); break; }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', at);
        push(new PyGlobal(module as string, name as string));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) fail(`REDUCE arguments are a ${typeName(args)}, not a tuple`, at);
        push(callGlobal(fn, (args as PyTuple).items, at));
        break;
      }
      case OP.NEWOBJ: {
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail(`NEWOBJ arguments are a ${typeName(args)}, not a tuple`, at);
        push(callGlobal(cls, (args as PyTuple).items, at));
        break;
      }
      case OP.NEWOBJ_EX: {
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail(`NEWOBJ_EX arguments are a ${typeName(args)}, not a tuple`, at);
        push(callGlobal(cls, (args as PyTuple).items, at));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        const obj = top();
        // OrderedDict state (state_dict()._metadata) is irrelevant here; objects keep theirs.
        if (obj instanceof PyObject) obj.state = state;
        else if (!(obj instanceof Map) && !(obj instanceof PyOpaque)) fail(`BUILD on a ${typeName(obj)}`, at);
        break;
      }
      case OP.BINPERSID: {
        const pid = pop();
        if (!options.persistentLoad) fail('persistent id in a pickle that should have none', at);
        push(options.persistentLoad!(pid));
        break;
      }

      case OP.BINPUT: memoPut(u8(), top()); break;
      case OP.LONG_BINPUT: memoPut(u32(), top()); break;
      case OP.MEMOIZE: memoPut(memo.size, top()); break;
      case OP.BINGET: push(memoGet(u8())); break;
      case OP.LONG_BINGET: push(memoGet(u32())); break;

      default: {
        const ch = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : '';
        fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}${ch} (text-mode pickles and ` +
          'code-executing opcodes are not supported)', at);
      }
    }
  }
}

/** LONG1/LONG4 payload: little-endian two's complement; a number when it is safe. */
function readLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A short description of a value's type for messages. */
export function typeName(v: PyValue | undefined): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyGlobal) return `global ${v.qualified}`;
  if (v instanceof PyObject) return v.callable instanceof PyGlobal ? `${v.callable.qualified} object` : 'object';
  if (v instanceof PyOpaque) return v.tag;
  return typeof v === 'bigint' ? 'int' : typeof v;
}
