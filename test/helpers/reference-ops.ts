/**
 * A float64 interpreter for the forward ops our graphs use, written plainly from the
 * ONNX spec. Gradient tests differentiate this reference by central finite differences
 * and compare with what onnxruntime computes from our gradient graph, so a wrong rule
 * and a misread op semantic both show up.
 */
import type { GraphBuilder, GraphNode } from '../../src/graph/builder.js';

export interface T64 {
  dims: number[];
  data: Float64Array;
  /** Holds integers (int64 in the graph): Div truncates, Cast to float clears it. */
  int?: boolean;
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function broadcast2(a: T64, b: T64, f: (x: number, y: number) => number): T64 {
  if (size(a.dims) === 1 && size(b.dims) !== 1 && a.dims.length <= b.dims.length) return { dims: b.dims, data: b.data.map((y) => f(a.data[0]!, y)) };
  if (size(b.dims) === 1 && b.dims.length <= a.dims.length) return { dims: a.dims, data: a.data.map((x) => f(x, b.data[0]!)) };
  if (a.dims.join() === b.dims.join()) return { dims: a.dims, data: a.data.map((x, i) => f(x, b.data[i]!)) };
  // General (numpy) broadcasting: align from the right, size-1 axes stretch.
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const [da, db] = [pad(a.dims), pad(b.dims)];
  const dims = da.map((n, i) => {
    const m = db[i]!;
    if (n !== m && n !== 1 && m !== 1) throw new Error(`reference: broadcast of [${a.dims}] and [${b.dims}]`);
    return Math.max(n, m);
  });
  const strides = (d: number[]) => {
    const s = new Array<number>(rank).fill(0);
    let step = 1;
    for (let i = rank - 1; i >= 0; i--) {
      s[i] = d[i] === 1 ? 0 : step;
      step *= d[i]!;
    }
    return s;
  };
  const [sa, sb] = [strides(da), strides(db)];
  const data = new Float64Array(size(dims));
  const index = new Array<number>(rank).fill(0);
  for (let k = 0; k < data.length; k++) {
    let ia = 0, ib = 0;
    for (let i = 0; i < rank; i++) {
      ia += index[i]! * sa[i]!;
      ib += index[i]! * sb[i]!;
    }
    data[k] = f(a.data[ia]!, b.data[ib]!);
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < dims[i]!) break;
      index[i] = 0;
    }
  }
  return { dims, data };
}

function conv(x: T64, w: T64, b: T64 | undefined, node: GraphNode): T64 {
  const [n, c, h, wd] = x.dims as [number, number, number, number];
  const [o, , kh, kw] = w.dims as [number, number, number, number];
  const pads = (node.attrs.pads as number[]) ?? [0, 0, 0, 0];
  const oh = h + pads[0]! + pads[2]! - kh + 1;
  const ow = wd + pads[1]! + pads[3]! - kw + 1;
  const out = new Float64Array(n * o * oh * ow);
  for (let oc = 0; oc < o; oc++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let s = b ? b.data[oc]! : 0;
        for (let ic = 0; ic < c; ic++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = y + ky - pads[0]!;
              const ix = xx + kx - pads[1]!;
              if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
              s += x.data[(ic * h + iy) * wd + ix]! * w.data[((oc * c + ic) * kh + ky) * kw + kx]!;
            }
        out[(oc * oh + y) * ow + xx] = s;
      }
  return { dims: [n, o, oh, ow], data: out };
}

function pool(x: T64, node: GraphNode, kind: 'max' | 'avg'): T64 {
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const [kh, kw] = node.attrs.kernel_shape as [number, number];
  const oh = Math.floor(h / kh);
  const ow = Math.floor(w / kw);
  const out = new Float64Array(n * c * oh * ow);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let acc = kind === 'max' ? -Infinity : 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const v = x.data[(ch * h + y * kh + ky) * w + xx * kw + kx]!;
            acc = kind === 'max' ? Math.max(acc, v) : acc + v / (kh * kw);
          }
        out[(ch * oh + y) * ow + xx] = acc;
      }
  return { dims: [n, c, oh, ow], data: out };
}

/** numpy matmul: the last two axes multiply, leading (batch) axes broadcast; rank ≥ 2. */
function matmul(a: T64, b: T64): T64 {
  if (a.dims.length < 2 || b.dims.length < 2) throw new Error('reference: MatMul of rank < 2');
  const [m, k] = a.dims.slice(-2) as [number, number];
  const [k2, n] = b.dims.slice(-2) as [number, number];
  if (k !== k2) throw new Error(`reference: MatMul of [${a.dims}] and [${b.dims}]`);
  const rank = Math.max(a.dims.length, b.dims.length) - 2;
  const pad = (d: number[]) => [...new Array<number>(rank - (d.length - 2)).fill(1), ...d.slice(0, -2)];
  const [ba, bb] = [pad(a.dims), pad(b.dims)];
  const batch = ba.map((p, i) => Math.max(p, bb[i]!));
  const out = new Float64Array(size(batch) * m * n);
  const idx = new Array<number>(rank).fill(0);
  for (let bi = 0; bi < size(batch); bi++) {
    let rem = bi;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = rem % batch[i]!;
      rem = Math.floor(rem / batch[i]!);
    }
    // A size-1 batch axis of an operand repeats its only matrix.
    const offset = (dims: number[]) => idx.reduce((o, v, i) => o * dims[i]! + (dims[i] === 1 ? 0 : v), 0);
    const [pa, pb] = [offset(ba), offset(bb)];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let t = 0; t < k; t++) sum += a.data[(pa * m + i) * k + t]! * b.data[(pb * k + t) * n + j]!;
        out[(bi * m + i) * n + j] = sum;
      }
  }
  return { dims: [...batch, m, n], data: out };
}

/** Edge (replicate) padding of a 4-D value. */
function padEdge(x: T64, pads: number[]): T64 {
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const [pt, pl, pb, pr] = [pads[2]!, pads[3]!, pads[6]!, pads[7]!];
  if (pads[0] || pads[1] || pads[4] || pads[5]) throw new Error('reference: Pad only on the spatial axes');
  const H = h + pt + pb, W = w + pl + pr;
  const data = new Float64Array(n * c * H * W);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        const sy = Math.min(h - 1, Math.max(0, y - pt)), sx = Math.min(w - 1, Math.max(0, xx - pl));
        data[(p * H + y) * W + xx] = x.data[(p * h + sy) * w + sx]!;
      }
    }
  }
  return { dims: [n, c, H, W], data };
}

/** ONNX Slice: per listed axis, start/end clamped to the axis (negative counts from the end), any nonzero step. */
function slice(x: T64, starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined): T64 {
  const rank = x.dims.length;
  const first = x.dims.map(() => 0);
  const step = x.dims.map(() => 1);
  const dims = x.dims.slice();
  (axes ?? starts.map((_, i) => i)).forEach((a0, k) => {
    const a = a0 < 0 ? a0 + rank : a0;
    const d = x.dims[a]!;
    const s = steps?.[k] ?? 1;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let b = starts[k]! < 0 ? starts[k]! + d : starts[k]!;
    let e = ends[k]! < 0 ? ends[k]! + d : ends[k]!;
    if (s > 0) [b, e] = [clamp(b, 0, d), clamp(e, 0, d)];
    else [b, e] = [clamp(b, -1, d - 1), clamp(e, -1, d - 1)];
    first[a] = b;
    step[a] = s;
    dims[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const strides = x.dims.map((_, i) => size(x.dims.slice(i + 1)));
  return gatherIndex(x, dims, (idx) => idx.reduce((src, v, i) => src + (first[i]! + v * step[i]!) * strides[i]!, 0));
}

/** A tensor of `dims` whose element at each index is x's element at `source(index)` (a flat offset). */
function gatherIndex(x: T64, dims: number[], source: (index: number[]) => number): T64 {
  const out = new Float64Array(size(dims));
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let i = dims.length - 1; i >= 0; i--) {
      idx[i] = rem % dims[i]!;
      rem = Math.floor(rem / dims[i]!);
    }
    out[o] = x.data[source(idx)]!;
  }
  return { dims, data: out, int: x.int };
}

const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

function concat(parts: T64[], axis0: number): T64 {
  const rank = parts[0]!.dims.length;
  const axis = normAxis(axis0, rank);
  const dims = parts[0]!.dims.slice();
  dims[axis] = parts.reduce((s, p) => s + p.dims[axis]!, 0);
  const outer = size(dims.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const run = size(p.dims.slice(axis));
      for (let i = 0; i < run; i++) out.push(p.data[o * run + i]!);
    }
  }
  return { dims, data: Float64Array.from(out), int: parts.every((p) => p.int) };
}

function gather(x: T64, indices: T64, axis0: number): T64 {
  const axis = normAxis(axis0, x.dims.length);
  const n = x.dims[axis]!;
  const outer = size(x.dims.slice(0, axis));
  const inner = size(x.dims.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const i0 of indices.data) {
      const i = i0 < 0 ? i0 + n : i0;
      if (i < 0 || i >= n) throw new Error(`reference: Gather index ${i0} out of range ${n}`);
      for (let j = 0; j < inner; j++) out.push(x.data[(o * n + i) * inner + j]!);
    }
  return { dims: [...x.dims.slice(0, axis), ...indices.dims, ...x.dims.slice(axis + 1)], data: Float64Array.from(out), int: x.int };
}

/** Reductions over constant axes (ReduceSum: second input; the others: `axes` attribute), keepdims as given (default 1). */
function reduce(x: T64, node: GraphNode, axesInput: T64 | undefined, f: (values: number[]) => number): T64 {
  const rank = x.dims.length;
  let axes = axesInput ? Array.from(axesInput.data) : (node.attrs.axes as number[] | undefined);
  if (!axes || axes.length === 0) axes = node.attrs.noop_with_empty_axes === 1 ? [] : [...Array(rank).keys()];
  const at = new Set(axes.map((a) => normAxis(a, rank)));
  const keptDims = x.dims.map((d, i) => (at.has(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  const strides = keptDims.map((_, i) => size(keptDims.slice(i + 1)));
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < x.data.length; k++) {
    let rem = k;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = rem % x.dims[i]!;
      rem = Math.floor(rem / x.dims[i]!);
    }
    const key = idx.reduce((s, v, i) => s + (at.has(i) ? 0 : v * strides[i]!), 0);
    const list = groups.get(key) ?? [];
    list.push(x.data[k]!);
    groups.set(key, list);
  }
  const data = Float64Array.from({ length: size(keptDims) }, (_, key) => f(groups.get(key)!));
  const dims = node.attrs.keepdims === 0 ? x.dims.filter((_, i) => !at.has(i)) : keptDims;
  return { dims, data };
}

/**
 * ONNX Resize, linear mode, from the spec: per output coordinate x_resized, the source
 * coordinate x_original by coordinate_transformation_mode (scale = output / input size,
 * from `sizes`), then interpolation between its two neighbours floor(x_original) and +1,
 * indices outside the input taking the nearest edge value (the spec's edge padding).
 */
function resizeLinear(x: T64, sizes: number[], node: GraphNode): T64 {
  const mode = (node.attrs.coordinate_transformation_mode as string | undefined) ?? 'half_pixel';
  const coeffs = (inSize: number, outSize: number): Array<Array<[number, number]>> =>
    Array.from({ length: outSize }, (_, o) => {
      const scale = outSize / inSize;
      let src: number;
      if (mode === 'align_corners') src = outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
      else if (mode === 'half_pixel') src = (o + 0.5) / scale - 0.5;
      else if (mode === 'pytorch_half_pixel') src = outSize > 1 ? (o + 0.5) / scale - 0.5 : -0.5;
      else if (mode === 'asymmetric') src = o / scale;
      else throw new Error(`reference: Resize mode ${mode}`);
      const lo = Math.floor(src);
      const t = src - lo;
      const edge = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
      return [[edge(lo), 1 - t], [edge(lo + 1), t]];
    });
  const rank = x.dims.length;
  const perAxis = x.dims.map((d, i) => coeffs(d, sizes[i]!));
  const out = new Float64Array(size(sizes));
  const strides = x.dims.map((_, i) => size(x.dims.slice(i + 1)));
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = rem % sizes[i]!;
      rem = Math.floor(rem / sizes[i]!);
    }
    // Σ over the 2^rank corners (axes not resized have one corner of weight 1 … and t = 0).
    let sum = 0;
    const corners = 1 << rank;
    for (let c = 0; c < corners; c++) {
      let w = 1, src = 0;
      for (let i = 0; i < rank; i++) {
        const [at, weight] = perAxis[i]![idx[i]!]![(c >> i) & 1]!;
        w *= weight;
        src += at * strides[i]!;
      }
      if (w !== 0) sum += w * x.data[src]!;
    }
    out[o] = sum;
  }
  return { dims: sizes, data: out };
}

/** Y[i_perm[0], …] = X[i_0, …]: output axis k is input axis perm[k]. */
function transpose(a: T64, perm: number[]): T64 {
  const dims = perm.map((p) => a.dims[p]!);
  const strides = a.dims.map((_, k) => a.dims.slice(k + 1).reduce((p, q) => p * q, 1));
  const out = new Float64Array(a.data.length);
  const index = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < dims.length; k++) src += index[k]! * strides[perm[k]!]!;
    out[o] = a.data[src]!;
    for (let k = dims.length - 1; k >= 0 && ++index[k]! === dims[k]; k--) index[k] = 0;
  }
  return { dims, data: out };
}

/** Evaluate `target` at the given inputs, running only the graph's forward nodes. */
export function evaluateReference(g: GraphBuilder, feeds: Record<string, T64>, target: string, nodeCount = g.nodes.length): T64 {
  const env = new Map<string, T64>(Object.entries(feeds));
  for (const init of g.initializers.values()) {
    env.set(init.name, { dims: init.dims, data: Float64Array.from(init.data as ArrayLike<number | bigint>, Number), int: init.elemType === 'int64' });
  }
  const get = (name: string) => {
    const v = env.get(name);
    if (!v) throw new Error(`reference: ${name} undefined`);
    return v;
  };
  const unary = (a: T64, f: (v: number) => number): T64 => ({ dims: a.dims, data: a.data.map(f), int: a.int });
  const ints = (t: T64 | undefined) => (t ? Array.from(t.data) : undefined);
  for (const node of g.nodes.slice(0, nodeCount)) {
    const ins = node.inputs.map((i) => (i === '' ? undefined : get(i)));
    const [a, b] = ins as [T64, T64];
    const bothInt = a?.int === true && b?.int === true;
    let out: T64;
    switch (node.opType) {
      case 'Conv': out = conv(a, b, ins[2], node); break;
      case 'Relu': out = unary(a, (v) => Math.max(v, 0)); break;
      case 'MaxPool': out = pool(a, node, 'max'); break;
      case 'AveragePool': out = pool(a, node, 'avg'); break;
      case 'MatMul': out = matmul(a, b); break;
      case 'Transpose': out = transpose(a, (node.attrs.perm as number[] | undefined) ?? a.dims.map((_, i) => a.dims.length - 1 - i)); break;
      case 'Reshape': {
        const shape = Array.from(b.data).map((s, i) => (s === 0 && node.attrs.allowzero !== 1 ? a.dims[i]! : s));
        const known = shape.filter((s) => s !== -1).reduce((p, q) => p * q, 1);
        out = { dims: shape.map((s) => (s === -1 ? size(a.dims) / known : s)), data: a.data, int: a.int };
        break;
      }
      case 'Unsqueeze': {
        const axes = ints(b) ?? (node.attrs.axes as number[]);
        const rank = a.dims.length + axes.length;
        const at = new Set(axes.map((x) => normAxis(x, rank)));
        const rest = a.dims.slice();
        out = { dims: Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : rest.shift()!)), data: a.data, int: a.int };
        break;
      }
      case 'Squeeze': {
        const axes = ints(b) ?? (node.attrs.axes as number[] | undefined);
        const at = new Set((axes ?? a.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((x) => normAxis(x, a.dims.length)));
        out = { dims: a.dims.filter((_, i) => !at.has(i)), data: a.data, int: a.int };
        break;
      }
      case 'Slice': out = slice(a, ints(b)!, ints(ins[2])!, ints(ins[3]), ints(ins[4])); break;
      case 'Concat': out = concat(ins as T64[], node.attrs.axis as number); break;
      case 'Gather': out = gather(a, b, (node.attrs.axis as number | undefined) ?? 0); break;
      case 'ReduceSum': out = reduce(a, node, ins[1], (v) => v.reduce((p, q) => p + q, 0)); break;
      case 'ReduceMean': out = reduce(a, node, ins[1], (v) => v.reduce((p, q) => p + q, 0) / v.length); break;
      case 'ReduceMax': out = reduce(a, node, ins[1], (v) => Math.max(...v)); break;
      case 'ReduceMin': out = reduce(a, node, ins[1], (v) => Math.min(...v)); break;
      case 'ReduceProd': out = reduce(a, node, ins[1], (v) => v.reduce((p, q) => p * q, 1)); break;
      case 'Add': out = { ...broadcast2(a, b, (x, y) => x + y), int: bothInt }; break;
      case 'Sub': out = { ...broadcast2(a, b, (x, y) => x - y), int: bothInt }; break;
      case 'Mul': out = { ...broadcast2(a, b, (x, y) => x * y), int: bothInt }; break;
      case 'Div': out = { ...broadcast2(a, b, (x, y) => (bothInt ? Math.trunc(x / y) : x / y)), int: bothInt }; break;
      case 'Pow': out = broadcast2(a, b, (x, y) => Math.pow(x, y)); break;
      case 'Max': out = (ins as T64[]).reduce((p, q) => broadcast2(p, q, Math.max)); break;
      case 'Min': out = (ins as T64[]).reduce((p, q) => broadcast2(p, q, Math.min)); break;
      case 'Clip': {
        const lo = ins[1]?.data[0] ?? -Infinity, hi = ins[2]?.data[0] ?? Infinity;
        out = unary(a, (v) => Math.min(Math.max(v, lo), hi));
        break;
      }
      case 'Neg': out = unary(a, (v) => -v); break;
      case 'Abs': out = unary(a, Math.abs); break;
      case 'Exp': out = unary(a, Math.exp); break;
      case 'Sqrt': out = unary(a, Math.sqrt); break;
      case 'Pad': {
        if (node.attrs.mode !== 'edge') throw new Error('reference: only edge Pad');
        out = padEdge(a, Array.from(b.data));
        break;
      }
      case 'Resize': {
        if (node.attrs.mode !== 'linear' || !ins[3]) throw new Error('reference: Resize is linear, with sizes');
        out = resizeLinear(a, Array.from(ins[3].data), node);
        break;
      }
      case 'Range': {
        const [start, limit, delta] = [a.data[0]!, b.data[0]!, ins[2]!.data[0]!];
        const n = Math.max(0, Math.ceil((limit - start) / delta));
        out = { dims: [n], data: Float64Array.from({ length: n }, (_, i) => start + i * delta), int: a.int };
        break;
      }
      case 'Identity': out = a; break;
      case 'Sum': out = (ins as T64[]).reduce((p, q) => broadcast2(p, q, (x, y) => x + y)); break;
      case 'Size': out = { dims: [], data: Float64Array.of(size(a.dims)), int: true }; break;
      case 'Shape': out = { dims: [a.dims.length], data: Float64Array.from(a.dims), int: true }; break;
      case 'Cast': {
        const toInt = node.attrs.to === 7 || node.attrs.to === 6;
        out = { dims: a.dims, data: toInt ? a.data.map(Math.trunc) : a.data, int: toInt };
        break;
      }
      default: throw new Error(`reference: no forward for ${node.opType}`);
    }
    env.set(node.outputs[0]!, out);
  }
  return get(target);
}
