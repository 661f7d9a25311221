/**
 * A small typed graph builder: values are named strings, nodes are appended in
 * topological order (a node can only use values that already exist), and the result is
 * encoded to ONNX ModelProto bytes by `encode.ts`. Keeping the graph as plain records
 * lets `backward.ts` walk it and append gradient nodes to the same builder.
 */
import { GraphError } from '../errors.js';
import { inferInts, inferNodeDims, type StaticDims } from './shape-inference.js';

export type { StaticDims } from './shape-inference.js';

/** A dimension: a number, or a symbolic name so one session serves every image size. */
export type Dim = number | string;

export type ElemType = 'float32' | 'int64' | 'bool' | 'float16';

/**
 * Attribute values. A plain number is an INT attribute and a number[] INTS; floats are
 * spelled `{ f }` / `{ floats }` because JavaScript cannot tell 1 from 1.0.
 */
export type AttrValue = number | number[] | string | { f: number } | { floats: number[] };

export interface GraphNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  name: string;
  /**
   * Optional custom backward for this node, used in place of the op's rule from the
   * table (e.g. gradient normalisation, which is an identity in the forward pass).
   * Same contract as a rule's backward.
   */
  backwardOverride?: BackwardFn;
  /**
   * What a network builder knows about a forward convolution that its attributes do not
   * say: how far the network has downsampled at this layer, for a per-layer choice of
   * form by feature-map size (src/graph/passes/conv-facts.ts carries it over to the conv's
   * input gradient).
   */
  convHint?: ConvHint;
  /**
   * Set by addGradient on every node a gradient rule's thunk emitted: which forward node
   * and input it is the gradient of. Rules know nothing of it; rewrite passes read it to
   * find the gradient of a node (src/graph/passes).
   */
  gradientOf?: GradientTag;
}

export interface ConvHint {
  /** Image side ÷ this layer's feature-map side (1, 2, 4, …). */
  featureScale: number;
}

/** The nodes one thunk of a rule emitted share one tag: the gradient of `of`'s input `input`. */
export interface GradientTag {
  of: GraphNode;
  input: number;
  /** The gradient of `of`'s output 0 that the rule was given. */
  dY: string;
  /** The value the thunk returned. */
  dX: string;
}

export interface ValueInfo {
  name: string;
  elemType: ElemType;
  shape: Dim[];
}

export interface Initializer {
  name: string;
  elemType: 'float32' | 'int64';
  dims: number[];
  /** The values; for lazy data (LazyData), made on first read. */
  readonly data: Float32Array | BigInt64Array;
  /** For lazy data: what the values are (LazyData.recipe). */
  readonly recipe?: string;
}

/**
 * Float data made only when read, named by what it is made of: a network weight
 * (`<file identity>#<tensor>`, src/models) or a transform of another recipe
 * (`flip(...)`). The optimised-model cache (Node) keys a graph by its recipes instead of
 * its bytes, so a run whose model onnxruntime already optimised never reads the weights,
 * nor builds their flipped or Winograd copies, nor encodes them (src/runtime/model-source.ts).
 * Two initializers with one recipe hold the same values.
 */
export interface LazyData {
  recipe: string;
  make: () => Float32Array;
}

/** The recipe of a transform of `source`: its name and its code, so an edited transform is another recipe. */
export function derivedRecipe(transform: (...args: never[]) => unknown, source: string): string {
  return `${transform.name}[${transform.toString()}](${source})`;
}

/**
 * A gradient rule's body: given the node and the name of ∂L/∂(output 0), return one
 * entry per input: a thunk that emits the nodes for that input's gradient and returns
 * its value name, or null where the input has no gradient. Thunks are only called for
 * inputs on a path to the variable we differentiate with respect to, so unneeded
 * gradients are never emitted.
 */
export type BackwardFn = (ctx: GradContext, node: GraphNode, dY: string) => Array<(() => string) | null>;

/** How the conv input-gradient is emitted; which is faster differs by provider. */
export type ConvGradMode = 'ConvTranspose' | 'Conv';

/**
 * How the max-pool gradient is emitted:
 *  - 'mask': Resize/Equal/Pad only, ties split evenly; every provider runs it (WebGPU has
 *    no MaxPool `Indices` output);
 *  - 'indices': MaxPool's `Indices` output scattered back with MaxUnpool, the first
 *    maximum taking the gradient as PyTorch does; two ops instead of ~11 (CPU only).
 */
export type MaxPoolGradMode = 'mask' | 'indices';

/**
 * How the ReLU mask is applied: 'where' as Where(Y > 0, dY, 0), one kernel fewer;
 * 'mul' as dY · float(Y > 0), which onnxruntime's CPU provider runs ~4× faster than its
 * broadcasting Where.
 */
export type ReluGradMode = 'where' | 'mul';

/**
 * The forms gradient rules emit. How the finished graph is lowered afterwards (Winograd
 * convolutions) is not a rule's business: see `GraphForms` in src/graph/passes.
 */
export interface GradOptions {
  convGrad: ConvGradMode;
  maxPoolGrad: MaxPoolGradMode;
  reluGrad: ReluGradMode;
}

/** What a gradient rule gets: the builder to append to, options, and memoised helpers. */
export interface GradContext {
  g: GraphBuilder;
  options: GradOptions;
  /** Shape(x), emitted once per value. */
  shapeOf(x: string): string;
}

export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly known = new Set<string>();
  private readonly producers = new Map<string, GraphNode>();
  private readonly dims = new Map<string, StaticDims | undefined>();
  private readonly intValues = new Map<string, StaticDims | undefined>();
  private readonly scalarCache = new Map<string, string>();
  private counter = 0;

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.known.has(name));
    return name;
  }

  has(name: string): boolean {
    return this.known.has(name);
  }

  isInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  addInput(name: string, shape: Dim[], elemType: ElemType = 'float32'): string {
    this.declare(name);
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  addOutput(name: string, shape: Dim[] = [], elemType: ElemType = 'float32'): void {
    if (!this.known.has(name)) throw new GraphError(`output ${name} is not a value of this graph`);
    this.outputs.push({ name, elemType, shape });
  }

  addInitializer(name: string, data: Float32Array | BigInt64Array | LazyData, dims: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (!ArrayBuffer.isView(data)) {
      this.declare(name);
      this.initializers.set(name, lazyInitializer(name, dims, count, data));
      return name;
    }
    if (count !== data.length) {
      throw new GraphError(`initializer ${name}: dims [${dims}] hold ${count} values, data has ${data.length}`);
    }
    this.declare(name);
    this.initializers.set(name, {
      name,
      elemType: data instanceof Float32Array ? 'float32' : 'int64',
      dims,
      data,
    });
    return name;
  }

  /** A float constant (scalar when dims is []); scalars are shared by value. */
  constant(values: number | number[] | Float32Array, dims?: number[]): string {
    const arr = typeof values === 'number' ? Float32Array.of(values) : Float32Array.from(values);
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    if (shape.length === 0) {
      const key = `f:${arr[0]}`;
      const hit = this.scalarCache.get(key);
      if (hit) return hit;
      const name = this.addInitializer(this.fresh('const'), arr, shape);
      this.scalarCache.set(key, name);
      return name;
    }
    return this.addInitializer(this.fresh('const'), arr, shape);
  }

  /** An int64 constant vector (shapes, axes, pads, slice bounds). */
  constantI64(values: number[], dims: number[] = [values.length]): string {
    const key = `i:${dims.join('x')}:${values.join(',')}`;
    const hit = this.scalarCache.get(key);
    if (hit) return hit;
    const name = this.addInitializer(this.fresh('const_i64'), BigInt64Array.from(values.map(BigInt)), dims);
    this.scalarCache.set(key, name);
    return name;
  }

  /** Append a single-output node and return its output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    return this.opMulti(opType, inputs, 1, attrs, outputName ? [outputName] : undefined)[0]!;
  }

  /**
   * An identity whose backward pass is `backward(dY)` instead of dY: how a loss term
   * reshapes the gradient it sends back (jcjohnson's normalised gradients) without
   * touching the gradient-rule table or patching nodes from outside.
   */
  customGradient(input: string, backward: (ctx: GradContext, dY: string) => string): string {
    const out = this.op('Identity', [input]);
    this.nodes[this.nodes.length - 1]!.backwardOverride = (ctx, _node, dY) => [() => backward(ctx, dY)];
    return out;
  }

  /** Append a node with several outputs. */
  opMulti(
    opType: string,
    inputs: string[],
    outputCount: number,
    attrs: Record<string, AttrValue> = {},
    outputNames?: string[],
  ): string[] {
    for (const input of inputs) {
      // '' marks an omitted optional input in ONNX.
      if (input !== '' && !this.known.has(input)) {
        throw new GraphError(`${opType} uses ${input}, which is not defined yet`);
      }
    }
    const outputs = outputNames ?? Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()));
    for (const o of outputs) this.declare(o);
    const node: GraphNode = { opType, inputs, outputs, attrs, name: `${opType}_${this.nodes.length}` };
    this.nodes.push(node);
    for (const o of outputs) this.producers.set(o, node);
    return outputs;
  }

  /**
   * A value's shape as far as it is known without running the graph (shape-inference.ts):
   * its rank, and each axis's size where that is a constant. Undefined when even the rank
   * is unknown. Gradient rules read it to tell broadcast axes and to build static
   * attribute vectors.
   */
  dimsOf(value: string): StaticDims | undefined {
    // Values never change once defined, so results are remembered: a Newton–Schulz chain
    // reaches each value along exponentially many paths.
    if (this.dims.has(value)) return this.dims.get(value);
    const declared = this.declaredDims(value);
    let dims = declared;
    if (!declared) {
      const node = this.producer(value);
      dims = node ? inferNodeDims(this.shapeGraph, node, node.outputs.indexOf(value)) : undefined;
    }
    this.dims.set(value, dims);
    return dims;
  }

  /** The rank of a value where it can be known without running the graph. */
  rankOf(value: string): number | undefined {
    return this.dimsOf(value)?.length;
  }

  /** The known entries of a small int64 vector (a shape, sizes, axes), as shape-inference.ts follows them. */
  intsOf(value: string): StaticDims | undefined {
    if (this.intValues.has(value)) return this.intValues.get(value);
    const v = inferInts(this.shapeGraph, value);
    this.intValues.set(value, v);
    return v;
  }

  private declaredDims(value: string): StaticDims | undefined {
    const init = this.initializers.get(value);
    if (init) return init.dims;
    const input = this.inputs.find((v) => v.name === value);
    return input?.shape.map((d) => (typeof d === 'number' ? d : undefined));
  }

  private readonly shapeGraph = {
    producer: (v: string) => this.producer(v),
    declaredDims: (v: string) => this.declaredDims(v),
    declaredInteger: (v: string) => {
      const init = this.initializers.get(v);
      if (init) return init.elemType === 'int64';
      const input = this.inputs.find((i) => i.name === v);
      return input ? input.elemType === 'int64' : undefined;
    },
    constantValues: (v: string) => {
      // Shape-like constants are short; weights are never read as values (lazy ones are not even made).
      const init = this.initializers.get(v);
      return init && init.recipe === undefined && init.data.length <= 64 ? Array.from(init.data as ArrayLike<number | bigint>, Number) : undefined;
    },
    dimsOf: (v: string) => this.dimsOf(v),
    intsOf: (v: string) => this.intsOf(v),
  };

  /** The node that produces `value`, if any (inputs and initializers have none). */
  producer(value: string): GraphNode | undefined {
    return this.producers.get(value);
  }

  /** Remove initializers no node reads any more (e.g. weights a lowering pass transformed). */
  dropUnusedInitializers(candidates: Iterable<string>): void {
    const used = new Set(this.nodes.flatMap((n) => n.inputs));
    for (const name of candidates) if (!used.has(name)) this.initializers.delete(name);
  }

  /**
   * Rebuild the node list in order, letting `lower` replace a node: it returns undefined
   * to keep the node, or a function that appends the replacement's nodes, which must
   * define the node's outputs (they are released first). Nodes are renumbered after.
   */
  rewrite(lower: (node: GraphNode) => (() => void) | undefined): void {
    const old = this.nodes.splice(0);
    for (const node of old) {
      const emit = lower(node);
      if (!emit) {
        this.nodes.push(node);
        continue;
      }
      for (const o of node.outputs) this.known.delete(o);
      emit();
      for (const o of node.outputs) {
        if (!this.known.has(o)) throw new GraphError(`the replacement of ${node.name} does not define ${o}`);
      }
    }
    this.dims.clear();
    this.intValues.clear();
    this.producers.clear();
    for (const n of this.nodes) for (const o of n.outputs) this.producers.set(o, n);
    this.nodes.forEach((n, i) => (n.name = `${n.opType}_${i}`));
  }

  private declare(name: string): void {
    if (this.known.has(name)) throw new GraphError(`value ${name} is defined twice`);
    this.known.add(name);
  }
}

/** An initializer whose data is made on first read, and checked against its dims then. */
function lazyInitializer(name: string, dims: number[], count: number, lazy: LazyData): Initializer {
  let data: Float32Array | undefined;
  return {
    name,
    elemType: 'float32',
    dims,
    recipe: lazy.recipe,
    get data() {
      if (data) return data;
      const made = lazy.make();
      if (made.length !== count) throw new GraphError(`initializer ${name}: dims [${dims}] hold ${count} values, its data has ${made.length}`);
      return (data = made);
    },
  };
}
