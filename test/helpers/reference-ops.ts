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
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function broadcast2(a: T64, b: T64, f: (x: number, y: number) => number): T64 {
  if (size(a.dims) === 1 && size(b.dims) !== 1) return { dims: b.dims, data: b.data.map((y) => f(a.data[0]!, y)) };
  if (size(b.dims) === 1) return { dims: a.dims, data: a.data.map((x) => f(x, b.data[0]!)) };
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

function matmul(a: T64, b: T64): T64 {
  const [m, k] = a.dims as [number, number];
  const [, n] = b.dims as [number, number];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a.data[i * k + t]! * b.data[t * n + j]!;
      out[i * n + j] = s;
    }
  return { dims: [m, n], data: out };
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

function slice(x: T64, starts: number[], ends: number[], axes: number[]): T64 {
  const rank = x.dims.length;
  const lo = x.dims.map(() => 0);
  const hi = x.dims.slice();
  axes.forEach((a, k) => {
    lo[a] = starts[k]!;
    hi[a] = ends[k]! < 0 ? x.dims[a]! + ends[k]! : Math.min(ends[k]!, x.dims[a]!);
  });
  const dims = hi.map((h, i) => h - lo[i]!);
  const out = new Float64Array(size(dims));
  const strides = x.dims.map((_, i) => size(x.dims.slice(i + 1)));
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = rem % dims[i]!;
      rem = Math.floor(rem / dims[i]!);
    }
    let src = 0;
    for (let i = 0; i < rank; i++) src += (idx[i]! + lo[i]!) * strides[i]!;
    out[o] = x.data[src]!;
  }
  return { dims, data: out };
}

/** Evaluate `target` at the given inputs, running only the graph's forward nodes. */
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

export function evaluateReference(g: GraphBuilder, feeds: Record<string, T64>, target: string, nodeCount = g.nodes.length): T64 {
  const env = new Map<string, T64>(Object.entries(feeds));
  for (const init of g.initializers.values()) {
    env.set(init.name, { dims: init.dims, data: Float64Array.from(init.data as ArrayLike<number | bigint>, Number) });
  }
  const get = (name: string) => {
    const v = env.get(name);
    if (!v) throw new Error(`reference: ${name} undefined`);
    return v;
  };
  for (const node of g.nodes.slice(0, nodeCount)) {
    const ins = node.inputs.map((i) => (i === '' ? undefined : get(i)));
    const [a, b] = ins as [T64, T64];
    let out: T64;
    switch (node.opType) {
      case 'Conv': out = conv(a, b, ins[2], node); break;
      case 'Relu': out = { dims: a.dims, data: a.data.map((v) => Math.max(v, 0)) }; break;
      case 'MaxPool': out = pool(a, node, 'max'); break;
      case 'AveragePool': out = pool(a, node, 'avg'); break;
      case 'MatMul': out = matmul(a, b); break;
      case 'Transpose': out = transpose(a, (node.attrs.perm as number[] | undefined) ?? a.dims.map((_, i) => a.dims.length - 1 - i)); break;
      case 'Reshape': {
        const shape = Array.from(b.data);
        const known = shape.filter((s) => s !== -1).reduce((p, q) => p * q, 1);
        out = { dims: shape.map((s) => (s === -1 ? size(a.dims) / known : s)), data: a.data };
        break;
      }
      case 'Slice': out = slice(a, Array.from(b.data), Array.from(ins[2]!.data), Array.from(ins[3]!.data)); break;
      case 'ReduceMean': out = { dims: [], data: Float64Array.of(a.data.reduce((p, q) => p + q, 0) / a.data.length) }; break;
      case 'ReduceSum': out = { dims: [], data: Float64Array.of(a.data.reduce((p, q) => p + q, 0)) }; break;
      case 'Add': out = broadcast2(a, b, (x, y) => x + y); break;
      case 'Sub': out = broadcast2(a, b, (x, y) => x - y); break;
      case 'Mul': out = broadcast2(a, b, (x, y) => x * y); break;
      case 'Div': out = broadcast2(a, b, (x, y) => x / y); break;
      case 'Neg': out = { dims: a.dims, data: a.data.map((v) => -v) }; break;
      case 'Pad': {
        if (node.attrs.mode !== 'edge') throw new Error('reference: only edge Pad');
        out = padEdge(a, Array.from(b.data));
        break;
      }
      case 'Sqrt': out = { dims: a.dims, data: a.data.map((v) => Math.sqrt(v)) }; break;
      case 'Identity': out = a; break;
      case 'Sum': out = (ins as T64[]).reduce((p, q) => broadcast2(p, q, (x, y) => x + y)); break;
      case 'Size': out = { dims: [], data: Float64Array.of(size(a.dims)) }; break;
      case 'Shape': out = { dims: [a.dims.length], data: Float64Array.from(a.dims) }; break;
      case 'ReduceProd': out = { dims: [], data: Float64Array.of(a.data.reduce((p, q) => p * q, 1)) }; break;
      case 'Cast': out = a; break;
      default: throw new Error(`reference: no forward for ${node.opType}`);
    }
    env.set(node.outputs[0]!, out);
  }
  return get(target);
}
