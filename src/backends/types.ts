/**
 * A backend is a record: how onnxruntime is asked to run our graphs somewhere (the CPU,
 * a GPU through WebGPU, WebAssembly in a browser), and everything the run needs to know
 * about that place — which gradient forms and convolution forms are fastest there (each
 * measured on it), which ops its provider runs, how much memory a run may take, and
 * whether it works on this machine at all. Profiles are registered per platform entry
 * (registry.ts; Node: cpu and webgpu, browsers: wasm and webgpu), and a run names one by
 * its `backend` option. Nothing else in the library switches on a backend's name.
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { GradOptions } from '../graph/builder.js';
import type { ConvFormRow } from '../graph/winograd/table.js';
import type { WinogradOutputName } from '../graph/winograd/output.js';
import type { OrtModule } from '../runtime/ort.js';

export type SessionOptions = InferenceSession.SessionOptions;

/** What a probe found: the backend works here (and what it found), or why not. */
export type BackendProbe =
  | { available: true; /** One line for people: the adapter, the thread count. */ detail?: string; /** A GPU's largest buffer, when the platform tells. */ maxBufferSize?: number }
  | { available: false; reason: string };

/**
 * The conv forms measured on a backend (src/graph/winograd): rows of the form that was
 * fastest per shape, and what a shape never measured takes — 'direct' (nothing measured
 * yet: onnxruntime's own Conv) or the conservative rule of winograd/table.ts.
 */
export interface ConvFormTable {
  rows: readonly ConvFormRow[];
  unmeasured: 'direct' | 'rule';
}

export interface BackendProfile {
  /** The `backend` option's value: 'cpu', 'webgpu', 'wasm'. */
  name: string;
  /** For people: 'CPU', 'WebGPU', 'WASM'. */
  label: string;
  /** onnxruntime's execution provider for every session of a run. */
  executionProvider: string;
  /** Session options for every session of a run (objective, features, tiles); `extra` wins. */
  sessionOptions(extra?: SessionOptions): SessionOptions;
  /** How the gradient rules emit their ops here (src/graph/builder.ts GradOptions). */
  gradients: Partial<GradOptions>;
  /** Which form each 3×3 convolution takes with `convAlgorithm: 'auto'`. */
  convForms: ConvFormTable;
  /** The Winograd forms' output transform (src/graph/winograd/output.ts), measured per backend. */
  winogradOutput: WinogradOutputName;
  /**
   * Ops the provider runs itself; others fall back to the CPU (slower) or fail. Undefined:
   * every op onnxruntime's CPU provider has. Tests check each graph we build against it.
   */
  ops?: ReadonlySet<string>;
  /** Whether it works here. Cheap to call again: platforms remember the answer. */
  probe(ort: OrtModule): Promise<BackendProbe>;
  /**
   * Bytes a run may use here, from what the probe found; undefined: unknown (no memory
   * check). Node's CPU asks the operating system for its free memory.
   */
  memoryBudget?(probe: BackendProbe): number | undefined;
  /** `backend: 'auto'` tries the available profiles from the highest preference down. */
  preference: number;
}
