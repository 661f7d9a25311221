/**
 * GraphBuilder → ONNX ModelProto bytes, through the protobuf schema generated from
 * proto/onnx.proto. onnxruntime 1.30 accepts IR versions up to 13 but rejects newer
 * ones; IR 8 with opset 17 is what every provider we use (CPU, WebGPU, WASM) runs.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttrType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType as DataType,
  TensorShapeProtoSchema,
  TensorShapeProto_DimensionSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto/onnx_pb.js';
import type { AttrValue, ElemType, GraphBuilder, GraphNode, Initializer, ValueInfo } from './builder.js';

export const IR_VERSION = 8n;
export const OPSET_VERSION = 17n;

const ELEM_TYPES: Record<ElemType, DataType> = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
  bool: DataType.BOOL,
  float16: DataType.FLOAT16,
};

function encodeAttr(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'number') {
    return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(value) });
  }
  if (typeof value === 'string') {
    return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: new TextEncoder().encode(value) });
  }
  if (Array.isArray(value)) {
    return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: value.map((v) => BigInt(v)) });
  }
  if ('f' in value) return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: value.f });
  return create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: value.floats });
}

/**
 * An initializer's TensorProto without its data: encodeModel appends the raw_data field
 * (little-endian; typed arrays are in platform order, which is little-endian on every
 * platform onnxruntime supports).
 */
function encodeInitializer(init: Initializer): TensorProto {
  return create(TensorProtoSchema, {
    name: init.name,
    dims: init.dims.map((d) => BigInt(d)),
    dataType: init.elemType === 'float32' ? DataType.FLOAT : DataType.INT64,
  });
}

function encodeValueInfo(v: ValueInfo): ValueInfoProto {
  const dims = v.shape.map((d) =>
    create(
      TensorShapeProto_DimensionSchema,
      typeof d === 'number' ? { value: { case: 'dimValue', value: BigInt(d) } } : { value: { case: 'dimParam', value: d } },
    ),
  );
  return create(ValueInfoProtoSchema, {
    name: v.name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: ELEM_TYPES[v.elemType],
          shape: create(TensorShapeProtoSchema, { dim: dims }),
        }),
      },
    }),
  });
}

/**
 * The graph's nodes with Identity nodes removed (their consumers read the source
 * directly; an Identity that names a graph output renames its source instead). Builders
 * use Identity freely to name values and to hang custom gradients on; no provider needs
 * to see them, and the WebGPU provider has no Identity kernel. Nodes no output depends on
 * are left out too: a rewrite pass may supersede nodes a rule made (src/graph/passes:
 * the ReLU mask moved before a max-unpool), and onnxruntime would still run them.
 */
export function exportedNodes(g: GraphBuilder): GraphNode[] {
  const outputs = new Set(g.outputs.map((o) => o.name));
  const rename = new Map<string, string>();
  const resolve = (v: string): string => {
    let cur = v;
    for (let next = rename.get(cur); next !== undefined; next = rename.get(cur)) cur = next;
    return cur;
  };
  const kept: GraphNode[] = [];
  for (const node of g.nodes) {
    if (node.opType === 'Identity') {
      const src = resolve(node.inputs[0]!);
      const dst = node.outputs[0]!;
      const srcIsProduced = g.producer(src) !== undefined;
      if (!outputs.has(dst)) {
        rename.set(dst, src);
        continue;
      }
      if (srcIsProduced && !outputs.has(src)) {
        rename.set(src, dst);
        continue;
      }
    }
    kept.push(node);
  }
  const renamed = kept.map((n) => ({ ...n, inputs: n.inputs.map((i) => (i === '' ? i : resolve(i))), outputs: n.outputs.map(resolve) }));
  return withoutDeadNodes(renamed, new Set([...outputs].map(resolve)));
}

/** The nodes some graph output depends on, in their order. */
function withoutDeadNodes(nodes: GraphNode[], outputs: Set<string>): GraphNode[] {
  const needed = new Set(outputs);
  const live = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    live[i] = true;
    for (const v of n.inputs) if (v !== '') needed.add(v);
  }
  return nodes.filter((_, i) => live[i]);
}

/**
 * Encode the graph as ONNX bytes, ready for `InferenceSession.create`.
 *
 * The schema library encodes everything but the initializers' bytes; those are copied into
 * the result once, by hand. Why: VGG's weights make a graph of 50–100 MB, and the library's
 * writer grows its buffer and copies each chunk several times (1.5 s of a 4 s start-up for
 * the features and objective graphs, measured with NEURAL_STYLE_TIMING; bench/RESULTS.md).
 * Protobuf lets a message's fields come in any order and a repeated field's entries be
 * appended, so the bytes are the library's message followed by the fields it left out.
 */
export function encodeModel(g: GraphBuilder, graphName = 'neural_style'): Uint8Array {
  return joinParts(encodeModelParts(g, graphName));
}

/**
 * The same bytes as consecutive parts, not yet joined.
 *
 * `identity`: bytes that say which model this is without its weights' bytes: each
 * initializer with a recipe (LazyData in builder.ts: a weight of a file, a transform of
 * one) holds its recipe's text where its data would be, so the lazy data is neither made
 * nor read. Two graphs with the same identity have the same bytes, as long as a recipe
 * names its values (a weight file's recipe holds the file's identity). Not an ONNX model:
 * only the optimised-model cache's key is made from it (src/runtime/model-source.ts).
 */
export function encodeModelParts(g: GraphBuilder, graphName = 'neural_style', identity = false): Uint8Array[] {
  const graph = create(GraphProtoSchema, {
    name: graphName,
    node: exportedNodes(g).map((n) =>
      create(NodeProtoSchema, {
        name: n.name,
        opType: n.opType,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => encodeAttr(k, v)),
      }),
    ),
    input: g.inputs.map(encodeValueInfo),
    output: g.outputs.map(encodeValueInfo),
  });
  const model = create(ModelProtoSchema, {
    irVersion: IR_VERSION,
    producerName: 'neural-style',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: OPSET_VERSION })],
  });
  // Each initializer: its TensorProto without the data, then the data as its raw_data field.
  const initializers = [...g.initializers.values()].map((init) => {
    const raw = identity && init.recipe !== undefined ? new TextEncoder().encode(init.recipe) : new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength);
    return [toBinary(TensorProtoSchema, encodeInitializer(init)), fieldHeader(TensorProtoSchema.field.rawData!.number, raw.byteLength), raw];
  });
  const graphParts: Uint8Array[] = [toBinary(GraphProtoSchema, graph)];
  for (const parts of initializers) graphParts.push(fieldHeader(GraphProtoSchema.field.initializer!.number, totalLength(parts)), ...parts);
  return [toBinary(ModelProtoSchema, model), fieldHeader(ModelProtoSchema.field.graph!.number, totalLength(graphParts)), ...graphParts];
}

/** Parts of bytes as one buffer. */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(totalLength(parts));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

const totalLength = (parts: readonly Uint8Array[]) => parts.reduce((n, p) => n + p.byteLength, 0);

/** A length-delimited field's tag (wire type 2) and length, as protobuf writes them: varints. */
function fieldHeader(field: number, length: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = field * 8 + 2; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      bytes.push(v);
      break;
    }
    bytes.push((v % 128) | 128);
  }
  for (let v = length; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      bytes.push(v);
      break;
    }
    bytes.push((v % 128) | 128);
  }
  return Uint8Array.from(bytes);
}
