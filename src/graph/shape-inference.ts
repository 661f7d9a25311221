/**
 * What can be known about a value's shape without running the graph: its rank and, per
 * axis, its size where that is a constant (a unit axis a broadcast stretches, a channel
 * count from conv weights). Spatial sizes are usually symbolic — one session serves every
 * image size — and stay unknown. Gradient rules need this to tell which axes a broadcast
 * stretched (they sum over them) and to build static attribute vectors.
 *
 * Small int64 vectors (shapes, sizes, axes) are followed by value as well, as far as their
 * entries are known: Shape(x) of a [1, 3, H, W] value is [1, 3, ?, ?], and a Resize or
 * Reshape to a size built from it keeps the known entries.
 *
 * Written against a minimal view of the graph (no import of the builder), so the builder
 * can use it without an import cycle.
 */

/** Per axis: its size when known at build time, else undefined. */
export type StaticDims = Array<number | undefined>;

/** A node as far as shape inference reads it. */
export interface ShapeNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, unknown>;
}

export interface ShapeGraph {
  /** The node producing `value`, if any. */
  producer(value: string): ShapeNode | undefined;
  /** Declared dims of a graph input or initializer (string dims as undefined); undefined for other values. */
  declaredDims(value: string): StaticDims | undefined;
  /** The values of an int64 (or float) initializer. */
  constantValues(value: string): number[] | undefined;
  /** Whether a graph input or initializer holds integers; undefined for other values. */
  declaredInteger(value: string): boolean | undefined;
  /** Memoised inference, for the recursion. */
  dimsOf(value: string): StaticDims | undefined;
  intsOf(value: string): StaticDims | undefined;
}

const UNARY = new Set([
  'Identity', 'Relu', 'Neg', 'Sign', 'Abs', 'Sqrt', 'Exp', 'Log', 'Cast', 'Clip', 'Not', 'Floor', 'Ceil', 'Sigmoid',
  'Tanh', 'Reciprocal', 'Softmax', 'LeakyRelu', 'Erf', 'Round',
]);
const BROADCASTING = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Equal', 'Greater', 'Less', 'GreaterOrEqual',
  'LessOrEqual', 'And', 'Or', 'Xor', 'Where', 'Mod', 'PRelu',
]);
const REDUCTIONS = new Set(['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare']);

const known = (d: number | undefined): d is number => d !== undefined;
const ints = (v: unknown): number[] | undefined => (Array.isArray(v) ? (v as number[]) : undefined);

/** numpy broadcasting of static dims; undefined when a rank is unknown. */
export function broadcastDims(all: Array<StaticDims | undefined>): StaticDims | undefined {
  if (all.some((d) => d === undefined)) return undefined;
  const list = all as StaticDims[];
  const rank = Math.max(0, ...list.map((d) => d.length));
  const out: StaticDims = [];
  for (let i = 0; i < rank; i++) {
    let size: number | undefined = 1;
    let unknownSeen = false;
    for (const d of list) {
      const k = i - (rank - d.length);
      if (k < 0) continue;
      const s = d[k];
      if (s === undefined) unknownSeen = true;
      else if (s !== 1) size = s;
    }
    // An unknown axis may be 1 or the others' size: known only where some operand is > 1.
    out.push(size !== 1 ? size : unknownSeen ? undefined : 1);
  }
  return out;
}

/** The node's reduction axes as constants (normalised), 'all', or undefined when not constant. */
export function reductionAxes(s: ShapeGraph, node: ShapeNode, rank: number): number[] | undefined {
  const input = node.inputs[1];
  let axes: number[] | undefined;
  if (input !== undefined && input !== '') {
    const v = s.constantValues(input);
    if (!v) return undefined;
    axes = v;
  } else axes = ints(node.attrs.axes);
  if (!axes || axes.length === 0) {
    // ReduceSum's noop_with_empty_axes (opset 13+) makes an empty list the identity.
    if (node.attrs.noop_with_empty_axes === 1) return [];
    return [...Array(rank).keys()];
  }
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

function sliceDims(s: ShapeGraph, node: ShapeNode, x: StaticDims): StaticDims {
  const [, st, en, ax, sp] = node.inputs;
  const starts = st ? s.intsOf(st) : undefined;
  const ends = en ? s.intsOf(en) : undefined;
  const axesIn = ax ? s.intsOf(ax) : undefined;
  const steps = sp ? s.intsOf(sp) : undefined;
  if (ax && (!axesIn || !axesIn.every(known))) return x.map(() => undefined);
  const axes = (axesIn as number[] | undefined) ?? (starts ? starts.map((_, i) => i) : undefined);
  if (!axes) return x.map(() => undefined);
  const out = x.slice();
  axes.forEach((a0, k) => {
    const a = a0 < 0 ? a0 + x.length : a0;
    const dim = x[a];
    const [b, e, step] = [starts?.[k], ends?.[k], steps ? steps[k] : 1];
    if (dim === undefined || b === undefined || e === undefined || step === undefined) {
      out[a] = undefined;
      return;
    }
    out[a] = sliceLength(dim, b, e, step);
  });
  return out;
}

/** How many elements Slice(start, end, step) takes from an axis of `dim` (ONNX clamping). */
export function sliceLength(dim: number, start: number, end: number, step: number): number {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let b = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    b = clamp(b, 0, dim);
    e = clamp(e, 0, dim);
    return Math.max(0, Math.ceil((e - b) / step));
  }
  b = clamp(b, -1, dim - 1);
  e = clamp(e, -1, dim - 1);
  return Math.max(0, Math.ceil((b - e) / -step));
}

function windowed(x: StaticDims, node: ShapeNode, kernel: number[], channels: number | undefined, dilated: boolean): StaticDims {
  const strides = ints(node.attrs.strides) ?? kernel.map(() => 1);
  const pads = ints(node.attrs.pads) ?? kernel.map(() => 0).concat(kernel.map(() => 0));
  const dilations = dilated ? (ints(node.attrs.dilations) ?? kernel.map(() => 1)) : kernel.map(() => 1);
  const autoPad = node.attrs.auto_pad;
  const ceil = node.attrs.ceil_mode === 1;
  const spatial = kernel.map((k, i) => {
    const d = x[2 + i];
    if (d === undefined || (autoPad !== undefined && autoPad !== 'NOTSET')) return undefined;
    const span = d + pads[i]! + pads[i + kernel.length]! - dilations[i]! * (k - 1) - 1;
    return (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
  });
  return [x[0], channels, ...spatial];
}

/** Static dims of output `index` of `node`. */
export function inferNodeDims(s: ShapeGraph, node: ShapeNode, index: number): StaticDims | undefined {
  const op = node.opType;
  const x = node.inputs[0] ? s.dimsOf(node.inputs[0]) : undefined;
  if (UNARY.has(op)) return x;
  if (BROADCASTING.has(op)) return broadcastDims(node.inputs.filter((i) => i !== '').map((i) => s.dimsOf(i)));
  switch (op) {
    case 'Shape': {
      if (!x) return undefined;
      const start = typeof node.attrs.start === 'number' ? node.attrs.start : 0;
      const end = typeof node.attrs.end === 'number' ? node.attrs.end : x.length;
      return [sliceLength(x.length, start, end, 1)];
    }
    case 'Size':
      return [];
    case 'ConstantOfShape':
    case 'Expand': {
      const shape = s.intsOf(node.inputs[op === 'Expand' ? 1 : 0]!);
      if (!shape) return undefined;
      return op === 'Expand' ? broadcastDims([x, shape]) : shape;
    }
    case 'Reshape': {
      const shape = s.intsOf(node.inputs[1]!);
      if (!shape) return undefined;
      const out = shape.map((d, i) => (d === 0 && node.attrs.allowzero !== 1 ? x?.[i] : d === -1 ? undefined : d));
      const wildcard = shape.indexOf(-1);
      if (wildcard >= 0 && x && x.every(known)) {
        const rest = out.filter((_, i) => i !== wildcard);
        if (rest.every(known)) out[wildcard] = x.reduce((a, b) => a * b, 1) / rest.reduce((a, b) => a * b, 1);
      }
      return out;
    }
    case 'Transpose': {
      if (!x) return undefined;
      const perm = ints(node.attrs.perm) ?? x.map((_, i) => x.length - 1 - i);
      return perm.map((p) => x[p]);
    }
    case 'Unsqueeze': {
      if (!x) return undefined;
      const axes = node.inputs[1] ? s.constantValues(node.inputs[1]) : ints(node.attrs.axes);
      if (!axes) return undefined;
      const rank = x.length + axes.length;
      const at = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      const rest = x.slice();
      return Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : rest.shift()));
    }
    case 'Squeeze': {
      if (!x) return undefined;
      const axes = node.inputs[1] ? s.constantValues(node.inputs[1]) : ints(node.attrs.axes);
      if (!axes) return x.every(known) ? x.filter((d) => d !== 1) : undefined;
      const at = new Set(axes.map((a) => (a < 0 ? a + x.length : a)));
      return x.filter((_, i) => !at.has(i));
    }
    case 'Concat': {
      const all = node.inputs.map((i) => s.dimsOf(i));
      if (all.some((d) => d === undefined)) return undefined;
      const list = all as StaticDims[];
      const rank = list[0]!.length;
      const axis = (node.attrs.axis as number) < 0 ? (node.attrs.axis as number) + rank : (node.attrs.axis as number);
      return Array.from({ length: rank }, (_, i) => {
        if (i === axis) return list.every((d) => known(d[i])) ? list.reduce((a, d) => a + d[i]!, 0) : undefined;
        return list.map((d) => d[i]).find(known);
      });
    }
    case 'Slice':
      return x ? sliceDims(s, node, x) : undefined;
    case 'Pad': {
      if (!x) return undefined;
      const pads = node.inputs[1] ? s.intsOf(node.inputs[1]) : undefined;
      return x.map((d, i) => {
        const [before, after] = [pads?.[i], pads?.[i + x.length]];
        if (before === undefined || after === undefined) return undefined;
        if (before === 0 && after === 0) return d;
        return d === undefined ? undefined : d + before + after;
      });
    }
    case 'Gather': {
      const indices = s.dimsOf(node.inputs[1]!);
      if (!x || !indices) return undefined;
      const a = ((node.attrs.axis as number | undefined) ?? 0) < 0 ? (node.attrs.axis as number) + x.length : ((node.attrs.axis as number | undefined) ?? 0);
      return [...x.slice(0, a), ...indices, ...x.slice(a + 1)];
    }
    case 'ScatterND':
    case 'ScatterElements':
      return x;
    case 'ArgMax':
    case 'ArgMin': {
      if (!x) return undefined;
      const a0 = (node.attrs.axis as number | undefined) ?? 0;
      const a = a0 < 0 ? a0 + x.length : a0;
      return node.attrs.keepdims === 0 ? x.filter((_, i) => i !== a) : x.map((d, i) => (i === a ? 1 : d));
    }
    case 'MatMul': {
      const b = s.dimsOf(node.inputs[1]!);
      if (!x || !b) return undefined;
      if (x.length === 1 && b.length === 1) return [];
      if (x.length === 1) return [...b.slice(0, -2), b.at(-1)];
      if (b.length === 1) return x.slice(0, -1);
      const batch = broadcastDims([x.slice(0, -2), b.slice(0, -2)])!;
      return [...batch, x.at(-2), b.at(-1)];
    }
    case 'Conv': {
      const w = s.dimsOf(node.inputs[1]!);
      if (!x || !w) return x?.map(() => undefined);
      return windowed(x, node, ints(node.attrs.kernel_shape) ?? (w.slice(2) as number[]), w[0], true);
    }
    case 'ConvTranspose': {
      const w = s.dimsOf(node.inputs[1]!);
      if (!x) return undefined;
      const group = (node.attrs.group as number | undefined) ?? 1;
      return [x[0], w?.[1] === undefined ? undefined : w[1] * group, ...x.slice(2).map(() => undefined)];
    }
    case 'MaxPool':
    case 'AveragePool':
      return x ? windowed(x, node, node.attrs.kernel_shape as number[], x[1], op === 'MaxPool') : undefined;
    case 'MaxUnpool': {
      const shape = node.inputs[2] ? s.intsOf(node.inputs[2]) : undefined;
      return shape ?? (x ? [x[0], x[1], ...x.slice(2).map(() => undefined)] : undefined);
    }
    case 'Resize': {
      if (!x) return undefined;
      const sizes = node.inputs[3] ? s.intsOf(node.inputs[3]) : undefined;
      if (sizes) return sizes;
      const scales = node.inputs[2] ? s.constantValues(node.inputs[2]) : undefined;
      return x.map((d, i) => (d === undefined || !scales ? undefined : Math.floor(d * scales[i]!)));
    }
    case 'DepthToSpace': {
      if (!x) return undefined;
      const b = node.attrs.blocksize as number;
      return [x[0], x[1] === undefined ? undefined : x[1] / (b * b), x[2] === undefined ? undefined : x[2] * b, x[3] === undefined ? undefined : x[3] * b];
    }
    case 'Range': {
      const [start, limit, delta] = isInteger(s, node.inputs[0]!) ? node.inputs.map((i) => s.intsOf(i)?.[0]) : [];
      return [start !== undefined && limit !== undefined && delta !== undefined ? Math.max(0, Math.ceil((limit - start) / delta)) : undefined];
    }
    default:
      if (REDUCTIONS.has(op)) {
        if (!x) return undefined;
        const axes = reductionAxes(s, node, x.length);
        const keep = node.attrs.keepdims !== 0;
        if (!axes) return keep ? x.map(() => undefined) : undefined;
        const at = new Set(axes);
        return keep ? x.map((d, i) => (at.has(i) ? 1 : d)) : x.filter((_, i) => !at.has(i));
      }
      void index;
      return undefined;
  }
}

/**
 * Known entries of a small int64 vector (or scalar, as one entry): constants, Shape(x)'s
 * static dims, and what Concat, Slice, Gather, Cast, Reshape/Squeeze/Unsqueeze and
 * integer arithmetic make of them. Undefined when even its length is unknown.
 */
export function inferInts(s: ShapeGraph, value: string): StaticDims | undefined {
  const constant = s.constantValues(value);
  if (constant) return constant;
  const node = s.producer(value);
  const fallback = (): StaticDims | undefined => {
    const d = s.dimsOf(value);
    if (!d || d.length > 1) return undefined;
    if (d.length === 0) return [undefined];
    return d[0] === undefined ? undefined : Array.from({ length: d[0] }, () => undefined);
  };
  if (!node) return fallback();
  const arg = (k: number) => (node.inputs[k] ? s.intsOf(node.inputs[k]!) : undefined);
  switch (node.opType) {
    case 'Shape': {
      const x = s.dimsOf(node.inputs[0]!);
      if (!x) return undefined;
      const start = typeof node.attrs.start === 'number' ? node.attrs.start : 0;
      const end = typeof node.attrs.end === 'number' ? node.attrs.end : x.length;
      const [b, e] = [start < 0 ? start + x.length : start, end < 0 ? end + x.length : end];
      return x.slice(Math.max(0, b), Math.min(x.length, e));
    }
    case 'Identity':
    case 'Cast':
    case 'Reshape':
    case 'Squeeze':
    case 'Unsqueeze':
      return arg(0) ?? fallback();
    case 'Concat': {
      const parts = node.inputs.map((i) => s.intsOf(i));
      return parts.every((p) => p !== undefined) ? (parts as StaticDims[]).flat() : fallback();
    }
    case 'Slice': {
      const x = arg(0);
      const [starts, ends, steps] = [arg(1), arg(2), node.inputs[4] ? arg(4) : [1]];
      if (!x || starts?.[0] === undefined || ends?.[0] === undefined || steps?.[0] === undefined) return fallback();
      const [b, e, step] = [starts[0], ends[0], steps[0]];
      const n = sliceLength(x.length, b, e, step);
      const first = b < 0 ? Math.max(0, b + x.length) : step > 0 ? Math.min(b, x.length) : Math.min(b, x.length - 1);
      return Array.from({ length: n }, (_, i) => x[first + i * step]);
    }
    case 'Gather': {
      const x = arg(0);
      const idx = node.inputs[1] ? s.constantValues(node.inputs[1]) : undefined;
      if (!x || !idx) return fallback();
      return idx.map((i) => x[i < 0 ? i + x.length : i]);
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const [a, b] = [arg(0), arg(1)];
      if (!a || !b || !isInteger(s, value)) return fallback();
      const n = Math.max(a.length, b.length);
      if (a.length !== b.length && a.length !== 1 && b.length !== 1) return fallback();
      const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q, Div: (p: number, q: number) => Math.trunc(p / q) }[node.opType];
      return Array.from({ length: n }, (_, i) => {
        const [p, q] = [a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i]];
        return p === undefined || q === undefined ? undefined : f(p, q);
      });
    }
    default:
      return fallback();
  }
}

const INTEGER_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero']);
const SAME_TYPE = new Set(['Identity', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Abs', 'Concat', 'Slice', 'Gather', 'Reshape', 'Squeeze', 'Unsqueeze', 'Expand', 'Range', 'Max', 'Min', 'Transpose']);

/** Whether a value holds integers (int64 shape arithmetic), as far as can be told. */
export function isInteger(s: ShapeGraph, value: string): boolean {
  for (let v = value, depth = 0; depth < 64; depth++) {
    const declared = s.declaredInteger(v);
    if (declared !== undefined) return declared;
    const node = s.producer(v);
    if (!node) return false;
    if (INTEGER_OPS.has(node.opType)) return true;
    if (node.opType === 'Cast') return node.attrs.to === 7 || node.attrs.to === 6;
    if (!SAME_TYPE.has(node.opType) || !node.inputs[0]) return false;
    v = node.inputs[0];
  }
  return false;
}
