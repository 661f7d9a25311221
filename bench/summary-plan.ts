/**
 * What `npm run bench:summary` runs: one step per sub-bench, each an ordinary bench command
 * with `--json`, and the goal (issue 27) each of its rows is checked against. The headline
 * plan is the sizes issue 27 names; `--quick` swaps in small sizes and few reps, one for one,
 * so the whole command can be tried (and its output tested) in minutes — its goal marks then
 * only exercise the code, and the summary says so.
 */

export const STEP_IDS = ['eval', 'lbfgs', 'startup', 'tab', 'revisit'] as const;
export type StepId = (typeof STEP_IDS)[number];

/** neural-style-pt's own script (jcjohnson/neural-style's PyTorch port), when the user has it. */
export interface NeuralStylePt {
  script: string;
  modelFile: string;
  python: string;
}

export interface Step {
  id: StepId;
  /** The npm script a user would type (`bench`, `bench:startup`, …) and the file it runs. */
  npmScript: string;
  script: string;
  args: string[];
  /**
   * Upper bounds on a row's number, by the size the row reports (`512×384` for bench.ts's
   * stylize runs, `64` for start-up and the tab): the ratio, or seconds for start-up.
   */
  goals: Record<string, number>;
}

export interface PlanOptions {
  quick: boolean;
  only: readonly StepId[];
  neuralStylePt?: NeuralStylePt;
}

/** The exact command a user would type to repeat a step. */
export function commandLine(step: Step): string {
  return `npm run ${step.npmScript} -- ${step.args.join(' ')}`;
}

/**
 * Issue 27's goals: Adam per iteration ≤ 0.6× the faster PyTorch; start-up at 64 px ≤ 1.5 s;
 * the tab ≤ 2× the CLI at 128 px, ≤ 1.6× at 256; its first iteration ≤ 3 s after Start on a
 * second visit at 128 px.
 */
export const GOALS = { adam: 0.6, startup64S: 1.5, tab128: 2, tab256: 1.6, revisit128S: 3 };

function evalStep(quick: boolean): Step {
  // Quick: 64 px stands in for 512², 64×48 for 512×384, 48×64 for 384×512.
  const [sizes, stylize, reps, steps] = quick ? ['64,64x48,48x64', '64x48,48x64', '1', '2'] : ['512,512x384,384x512', '512x384,384x512', '5', '10'];
  const [land, port] = stylize.split(',').map((s) => s.replace('x', '×'));
  return {
    id: 'eval',
    npmScript: 'bench',
    script: 'bench/bench.ts',
    args: ['--sizes', sizes, '--reps', reps, '--backends', 'cpu', '--stylize-steps', steps, '--stylize-size', stylize, '--json'],
    goals: { [land!]: GOALS.adam, [port!]: GOALS.adam },
  };
}

function lbfgsStep(quick: boolean, pt: NeuralStylePt | undefined): Step {
  const [size, steps] = quick ? ['64', '2'] : ['512', '10'];
  if (pt) {
    return {
      id: 'lbfgs',
      npmScript: 'bench:neural-style-pt',
      script: 'bench/neural-style-pt.ts',
      args: ['--script', pt.script, '--model-file', pt.modelFile, '--python', pt.python, '--size', size, '--steps', steps, '--json'],
      goals: {},
    };
  }
  // The evaluation part is the smallest bench.ts allows: only the stylize-like run is read.
  return {
    id: 'lbfgs',
    npmScript: 'bench',
    script: 'bench/bench.ts',
    args: ['--sizes', '32', '--reps', '1', '--warmup', '0', '--backends', 'cpu', '--stylize-optimizer', 'lbfgs', '--stylize-steps', steps, '--stylize-size', size, '--json'],
    goals: {},
  };
}

function startupSteps(quick: boolean): Step[] {
  const step = (size: number, runs: number, goals: Record<string, number>): Step => ({
    id: 'startup',
    npmScript: 'bench:startup',
    script: 'bench/startup.ts',
    args: ['--size', String(size), '--runs', String(runs), '--json'],
    goals,
  });
  // Quick: one warm run at 64 px only (64 px is already the small size).
  return quick ? [step(64, 1, { 64: GOALS.startup64S })] : [step(64, 5, { 64: GOALS.startup64S }), step(256, 5, {})];
}

function tabStep(quick: boolean): Step {
  // Quick: 64 px stands in for 128, 96 for 256. Start 20 s after the weights are ready, as a
  // visitor picking images would: the page's warm-up run and V8's tier-up of the WASM runtime
  // happen then, not during the timed iterations (bench/RESULTS.md#tab-forms-cache).
  const [small, large, iterations, warmup, think] = quick ? [64, 96, 4, 1, 0] : [128, 256, 14, 4, 20];
  return {
    id: 'tab',
    npmScript: 'bench:web',
    script: 'bench/web.ts',
    args: ['--sizes', `${small},${large}`, '--iterations', String(iterations), '--warmup', String(warmup), '--rounds', '1', '--think', String(think), '--backends', 'wasm', '--json'],
    goals: { [small]: GOALS.tab128, [large]: GOALS.tab256 },
  };
}

function revisitStep(quick: boolean): Step {
  // Two visits with one browser profile. The first runs a whole run (100 iterations), as a
  // visitor's first visit does: V8 writes its code cache of the WASM runtime as it tiers it
  // up, and a first visit of a few iterations ends before that (bench/RESULTS.md#huge-pages).
  // The second clicks Start 5 s after the weights are ready. Quick: 64 px, a 10-iteration first visit.
  const [size, first] = quick ? [64, 10] : [128, 100];
  return {
    id: 'revisit',
    npmScript: 'bench:revisit',
    script: 'bench/web-revisit.ts',
    args: ['--size', String(size), '--visits', '2', '--think', '5', '--iterations', '4', '--first-iterations', String(first), '--json'],
    goals: { [size]: GOALS.revisit128S },
  };
}

/** The steps to run, in order: evaluations, L-BFGS, start-up, the tab, its second visit (those in `only`). */
export function makePlan(o: PlanOptions): Step[] {
  const all = [evalStep(o.quick), lbfgsStep(o.quick, o.neuralStylePt), ...startupSteps(o.quick), tabStep(o.quick), revisitStep(o.quick)];
  return all.filter((s) => o.only.includes(s.id));
}
