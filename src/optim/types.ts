/**
 * The optimiser contract. Optimisers use reverse communication: the caller evaluates
 * f(x) and ∇f(x) however it likes (onnxruntime session, a test function), hands both to
 * `step`, and the optimiser moves x in place to the next point it wants evaluated. The
 * caller therefore owns the loop: progress output, cancellation, iteration counts and
 * checkpoints need no callbacks.
 *
 *     evaluate x0 → step → evaluate x1 → step → … → step → x_N (the result, not evaluated)
 *
 * For L-BFGS this is the same sequence of evaluated points as one call of
 * torch.optim.LBFGS.step(closure) with max_iter = N (which evaluates x0 … x_{N-1} and
 * leaves x_N in the parameters), so N steps here equal `-num_iterations N` there.
 */
export interface Optimizer {
  /** 'lbfgs', 'adam', 'rmsprop' or a registered optimiser's; the same string is `getState().kind`. */
  readonly kind: string;
  /**
   * Given f(x) and ∇f(x) at the current x, update x in place to the next point to
   * evaluate. Returns false, leaving x untouched, when the optimiser has stopped (L-BFGS's
   * tolerance tests; with neural-style's settings only "the direction is not a descent
   * direction", gtd > 1). Once stopped, every later call returns false.
   */
  step(x: Float32Array, loss: number, grad: Float32Array): boolean;
  /** True once `step` has returned false. */
  readonly stopped: boolean;
  /**
   * A snapshot of everything the next steps depend on, hyperparameters included, as plain
   * data (numbers, booleans, Float32Array, arrays). It is a copy: later steps do not
   * change it. `serializeState`/`packState` turn it into text/bytes.
   */
  getState(): OptimizerState;
  /**
   * Restore a snapshot taken by `getState` of an optimiser of the same kind (copying it).
   * Continuing from here reproduces the uninterrupted run bit for bit. Hyperparameters
   * come from the snapshot, as torch's load_state_dict does. Throws InputError for a
   * snapshot of another kind or with missing/ill-typed fields.
   */
  setState(state: OptimizerState): void;
}

/** The built-in optimisers (src/optim/registry.ts); `registerOptimizer` adds others. */
export type OptimizerKind = 'lbfgs' | 'adam' | 'rmsprop';

/** Values an optimiser state may hold: what serializeState can round-trip exactly. */
export type StateValue =
  | number
  | string
  | boolean
  | null
  | Float32Array
  | readonly StateValue[]
  | { readonly [key: string]: StateValue };

export interface OptimizerState {
  readonly kind: string;
  readonly [key: string]: StateValue;
}
