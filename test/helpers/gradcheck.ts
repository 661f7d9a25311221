/**
 * Finite-difference check of a gradient graph: builds `loss = build(x)` plus our
 * gradient, runs it on onnxruntime's CPU provider, and compares with central differences
 * of a float64 reference interpreter (reference-ops.ts) at the same point.
 */
import * as ort from 'onnxruntime-node';
import { addGradient } from '../../src/graph/backward.js';
import { GraphBuilder, type BackwardFn, type Dim } from '../../src/graph/builder.js';
import { encodeModel } from '../../src/graph/encode.js';
import { gradientRuleFor, type GradientLookup } from '../../src/graph/grads/index.js';
import { applyPasses, type GraphForms, type PassReport } from '../../src/graph/passes/index.js';
import { Rng } from '../../src/util/random.js';
import { evaluateReference } from './reference-ops.js';

export interface GradcheckResult {
  maxAbsError: number;
  maxAbsGrad: number;
  /** Direction only: a gradient scaled by any positive factor has cosine 1. */
  cosine: number;
  /** ‖ours‖ / ‖finite differences‖ over the checked entries: the size the cosine ignores. */
  normRatio: number;
  checked: number;
  opTypes: string[];
  /** The rules of the table (or registered ones) that built this gradient, by op type. */
  rules: Map<string, RuleUse>;
  /** What the rewrite passes did to the graph onnxruntime ran. */
  passes: PassReport;
}

/** How addGradient used one op type's rule: input positions it offered a gradient for, and those emitted. */
export interface RuleUse {
  offered: Set<number>;
  emitted: Set<number>;
}

export interface GradcheckOptions {
  seed?: number;
  eps?: number;
  samples?: number;
  symbolic?: boolean;
  /** Gradient forms, rule overrides and pass settings; the passes run after the gradient unless `passes` is false. */
  grad?: Partial<GraphForms>;
  passes?: boolean;
  /** The point x to check at; standard normal values by default. */
  input?: (rng: Rng, count: number) => Float32Array;
  /**
   * A pass applied to the graph onnxruntime runs (e.g. the Winograd lowering), after the
   * gradient is built; the float64 reference still evaluates the graph as built.
   */
  lower?: (g: GraphBuilder) => void;
}

type Build = (g: GraphBuilder, x: string, rng: Rng) => string;

/**
 * `loss = build(x)` followed by our gradient of it and the rewrite passes, recording which
 * rules built the gradient (through addGradient's rule lookup: each rule wrapped in a
 * recording one).
 */
export function buildGradientGraph(build: Build, xDims: number[], options: GradcheckOptions = {}) {
  const rng = new Rng(options.seed ?? 1);
  const g = new GraphBuilder();
  const shape: Dim[] = options.symbolic && xDims.length === 4 ? [xDims[0]!, xDims[1]!, 'H', 'W'] : xDims;
  const x = g.addInput('x', shape);
  const loss = build(g, x, rng);
  const forwardCount = g.nodes.length;
  const rules = new Map<string, RuleUse>();
  const recording: GradientLookup = (opType) => {
    const rule = gradientRuleFor(opType, options.grad?.rules);
    if (!rule) return undefined;
    const recorded: BackwardFn = (ctx, n, dY) => {
      let use = rules.get(n.opType);
      if (!use) rules.set(n.opType, (use = { offered: new Set(), emitted: new Set() }));
      return rule(ctx, n, dY).map((thunk, k) => {
        if (!thunk) return null;
        use.offered.add(k);
        return () => {
          use.emitted.add(k);
          return thunk();
        };
      });
    };
    return recorded;
  };
  const grad = g.op('Identity', [addGradient(g, loss, x, options.grad, recording)], {}, 'x_grad');
  g.addOutput(loss, []);
  g.addOutput(grad, shape);
  // The peepholes only: a lowering would replace forward nodes the reference evaluates (`lower` lowers a copy).
  const passes = applyPasses(g, { skipPasses: options.passes === false ? ['reluMaskBeforeUnpool'] : options.grad?.skipPasses });
  return { g, rng, loss, forwardCount, rules, passes };
}

export async function gradcheck(build: Build, xDims: number[], options: GradcheckOptions = {}): Promise<GradcheckResult> {
  const { g, rng, loss, forwardCount, rules, passes } = buildGradientGraph(build, xDims, options);
  const count = xDims.reduce((a, b) => a * b, 1);
  const xData = options.input ? options.input(rng, count) : rng.fillNormal(new Float32Array(count));
  if (xData.length !== count) throw new Error(`input gave ${xData.length} values for ${count}`);
  let run = g;
  if (options.lower) {
    // The same seed builds the same graph again; only this copy is lowered.
    run = buildGradientGraph(build, xDims, options).g;
    options.lower(run);
  }
  const session = await ort.InferenceSession.create(encodeModel(run));
  const out = await session.run({ x: new ort.Tensor('float32', xData, xDims) });
  const ours = out['x_grad']!.data as Float32Array;
  await session.release();

  const x64 = Float64Array.from(xData);
  const f = (v: Float64Array) => evaluateReference(g, { x: { dims: xDims, data: v } }, loss, forwardCount).data[0]!;
  const eps = options.eps ?? 1e-4;
  const n = x64.length;
  const samples = options.samples ?? 400;
  const indices = n <= samples ? [...Array(n).keys()] : Array.from({ length: samples }, () => Math.floor(rng.next() * n));
  let maxAbsError = 0;
  let maxAbsGrad = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const i of indices) {
    const orig = x64[i]!;
    x64[i] = orig + eps;
    const up = f(x64);
    x64[i] = orig - eps;
    const down = f(x64);
    x64[i] = orig;
    const numeric = (up - down) / (2 * eps);
    const mine = ours[i]!;
    maxAbsError = Math.max(maxAbsError, Math.abs(numeric - mine));
    maxAbsGrad = Math.max(maxAbsGrad, Math.abs(numeric));
    dot += numeric * mine;
    na += numeric * numeric;
    nb += mine * mine;
  }
  return {
    maxAbsError,
    maxAbsGrad,
    cosine: dot / Math.sqrt(na * nb),
    normRatio: Math.sqrt(nb / na),
    checked: indices.length,
    opTypes: [...new Set(g.nodes.map((node) => node.opType))],
    rules,
    passes,
  };
}

/** Turn any tensor into a scalar with a random linear functional, so every output element's gradient matters. */
export function randomProjection(g: GraphBuilder, y: string, dims: number[], rng: Rng): string {
  const r = g.constant(rng.fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1))), dims);
  return g.op('ReduceSum', [g.op('Mul', [y, r])], { keepdims: 0 });
}

/** Random conv weights as initializers. */
export function randomConv(g: GraphBuilder, x: string, cin: number, cout: number, rng: Rng): string {
  const w = g.addInitializer(g.fresh('w'), rng.fillNormal(new Float32Array(cout * cin * 9), Math.sqrt(2 / (cin * 9))), [cout, cin, 3, 3]);
  const b = g.addInitializer(g.fresh('b'), rng.fillNormal(new Float32Array(cout), 0.1), [cout]);
  return g.op('Conv', [x, w, b], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1] });
}
