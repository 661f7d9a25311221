/**
 * From the sub-benches' JSON reports to the rows of `npm run bench:summary`'s markdown table,
 * apart from the running so it can be tested on canned reports. Every goal mark is computed
 * from the numbers here, never written by hand.
 */
import type { Step, StepId } from './summary-plan.js';

/** One sub-bench run as the summary saw it: when, under what load, and its report or error. */
export interface StepRun {
  step: Step;
  /** The command as a user would type it. */
  command: string;
  startedAt: Date;
  /** The 1-minute load average just before and just after. */
  loadBefore: number;
  loadAfter: number;
  /** The parsed `--json` report, when the bench finished. */
  report?: unknown;
  /** The bench's last error line, when it failed. */
  error?: string;
}

export interface Row {
  compared: string;
  ours: string;
  reference: string;
  ratio: string;
  goal: string;
  measured: string;
  command: string;
  failed: boolean;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
const seconds = (x: number) => `${(x / 1000).toFixed(2)} s`;
const times = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

/** `≤ 0.6×: met` or `not met` from the value; `not measured` without one. Quick runs say the size is not the goal's. */
export function goalMark(value: number | undefined, max: number | undefined, unit: string, quick: boolean): string {
  if (max === undefined) return '—';
  const bound = `≤ ${max}${unit}`;
  const mark = value === undefined || !Number.isFinite(value) ? 'not measured' : value <= max ? '**met**' : 'not met';
  return `${bound}: ${mark}${quick ? ' (quick run: not the goal’s size or reps)' : ''}`;
}

/** "2026-12-06 05:31 UTC, load 1.20 → 1.45": when the sub-bench started and the load around it. */
export function measuredCell(run: StepRun): string {
  const at = run.startedAt.toISOString().slice(0, 16).replace('T', ' ');
  return `${at} UTC, load ${run.loadBefore.toFixed(2)} → ${run.loadAfter.toFixed(2)}`;
}

// ---------------------------------------------------------------------------------------
// The reports' shapes, as far as the summary reads them

interface Side {
  name?: string;
  median: number;
}
interface BenchReport {
  results: { backend: string; size: string; ours: Side; references: Side[]; faster?: string; ratio?: { ofMedians: number } }[];
  stylize: { size: string; steps: number; ours: { totalMs: number; perStepMs: number }; references: { name: string; totalMs: number; perStepMs: number }[]; faster?: string; ratio?: number }[];
  options: { stylizeOptimizer: 'adam' | 'lbfgs' };
}
interface StartupReport {
  size: number;
  runs: number;
  commands: { coldMs: number; warmMedianMs: number }[];
}
interface WebReport {
  rows: { size: number; backend: string; tabMs: number; cliMs: number; note?: string; startToFirstMs?: number[] }[];
  skipped: Record<string, string>;
  options: { baselines: Record<string, string> };
}
interface RevisitReport {
  options: { size: number; think: number; iterations: number; firstIterations: number };
  visits: { visit: number; iterations: number; startToFirstMs: number | null; iterationMs: number[] }[];
}
interface NeuralStylePtReport {
  size: number;
  steps: number;
  ours: { wallMs: number };
  reference: { wallMs: number; script: string };
  ratio: number;
}

/** A report that lacks what the summary reads: the row says so rather than printing NaN. */
class MissingResult extends Error {}

type Cells = Omit<Row, 'measured' | 'command' | 'failed'>;

function evalCells(r: BenchReport, goals: Record<string, number>, quick: boolean): Cells[] {
  const out: Cells[] = [];
  const cpu = r.results.filter((x) => x.backend === 'cpu');
  if (cpu.length === 0) throw new MissingResult('no cpu result in the report');
  for (const x of cpu) {
    const ref = x.references.find((t) => t.name === x.faster);
    out.push({
      compared: `One evaluation at ${x.size}, ours / the faster PyTorch${x.faster ? ` (${x.faster})` : ''}`,
      ours: ms(x.ours.median),
      reference: ref ? ms(ref.median) : 'no PyTorch found',
      ratio: times(x.ratio?.ofMedians),
      goal: '—',
    });
  }
  if (r.stylize.length === 0) throw new MissingResult('no stylize-like run in the report');
  for (const s of r.stylize) {
    const ref = s.references.find((t) => t.name === s.faster);
    out.push({
      compared: `Adam per iteration (${s.steps} steps) at ${s.size}, ours / the faster PyTorch${s.faster ? ` (${s.faster})` : ''}`,
      ours: `${ms(s.ours.perStepMs)}/step`,
      reference: ref ? `${ms(ref.perStepMs)}/step` : 'no PyTorch found',
      ratio: times(s.ratio),
      goal: goalMark(s.ratio, goals[s.size], '×', quick),
    });
  }
  return out;
}

/** The torch fallback: bench.ts's L-BFGS run (torch.optim.LBFGS configured as neural-style-pt configures it). */
function lbfgsTorchCells(r: BenchReport): Cells[] {
  const s = r.stylize[0];
  if (!s || r.options.stylizeOptimizer !== 'lbfgs') throw new MissingResult('no L-BFGS stylize-like run in the report');
  const ref = s.references.find((t) => t.name === s.faster);
  return [
    {
      compared:
        `${s.steps} L-BFGS steps at ${s.size} (history 100), ours / torch.optim.LBFGS as neural-style-pt configures it` +
        `${s.faster ? ` (${s.faster})` : ''}; neural_style.py itself not given (--neural-style-pt), so torch stands in`,
      ours: ms(s.ours.totalMs),
      reference: ref ? ms(ref.totalMs) : 'no PyTorch found',
      ratio: times(s.ratio),
      goal: '—',
    },
  ];
}

function lbfgsScriptCells(r: NeuralStylePtReport): Cells[] {
  return [
    {
      compared: `${r.steps} L-BFGS steps at ${r.size} px, whole runs (start-up included), our CLI / neural-style-pt's ${r.reference.script}`,
      ours: seconds(r.ours.wallMs),
      reference: seconds(r.reference.wallMs),
      ratio: times(r.ratio),
      goal: '—',
    },
  ];
}

function startupCells(r: StartupReport, goals: Record<string, number>, quick: boolean): Cells[] {
  const c = r.commands[0];
  if (!c) throw new MissingResult('no command in the report');
  return [
    {
      compared: `A 1-iteration CLI run at ${r.size} px: wall, median of ${r.runs} warm-cache runs (first run, empty cache)`,
      ours: `${seconds(c.warmMedianMs)} (first run ${seconds(c.coldMs)})`,
      reference: '—',
      ratio: '—',
      goal: goalMark(c.warmMedianMs / 1000, goals[String(r.size)], ' s', quick),
    },
  ];
}

function tabCells(r: WebReport, goals: Record<string, number>, quick: boolean): Cells[] {
  // This build's WASM tabs ('WASM (2 threads)'), not a --baseline app's ('… (main)').
  const baselineTags = Object.keys(r.options?.baselines ?? {}).map((name) => ` (${name})`);
  const rows = r.rows.filter((x) => x.backend.toLowerCase().includes('wasm') && !baselineTags.some((tag) => x.backend.endsWith(tag)));
  if (rows.length === 0) throw new MissingResult(`no WASM tab row${Object.keys(r.skipped).length ? ` (skipped: ${Object.entries(r.skipped).map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''}`);
  return rows.map((x) => {
    const ratio = x.tabMs / x.cliMs;
    const first = x.startToFirstMs?.filter(Number.isFinite) ?? [];
    return {
      compared: `Browser tab on ${x.backend} / the CLI, time per Adam iteration at ${x.size} px${x.note ? ` (tab failed: ${x.note})` : ''}`,
      ours: `${Number.isFinite(x.tabMs) ? ms(x.tabMs) : '—'}/it${first.length ? `; Start → iteration 1: ${first.map(seconds).join(', ')}` : ''}`,
      reference: `${ms(x.cliMs)}/it (CLI)`,
      ratio: times(ratio),
      goal: goalMark(ratio, goals[String(x.size)], '×', quick),
    };
  });
}

function revisitCells(r: RevisitReport, goals: Record<string, number>, quick: boolean): Cells[] {
  const [first, ...later] = r.visits;
  if (!first || later.length === 0) throw new MissingResult('fewer than two visits in the report');
  const o = r.options;
  // JSON writes a visit without a first iteration (NaN) as null.
  const startToFirst = (v: { startToFirstMs: number | null }) => v.startToFirstMs ?? NaN;
  return later.map((v) => {
    const its = v.iterationMs;
    const s = startToFirst(v);
    return {
      compared:
        `The tab on visit ${v.visit} at ${o.size} px: Start (${o.think} s after the weights) → first iteration; ` +
        `the first visit ran ${first.iterations} iterations (its Start → first iteration: ${Number.isFinite(startToFirst(first)) ? seconds(startToFirst(first)) : '—'})`,
      ours: `${Number.isFinite(s) ? seconds(s) : '—'}${its.length ? `; iterations after it ${its.map(ms).join(', ')}` : ''}`,
      reference: '—',
      ratio: '—',
      goal: goalMark(Number.isFinite(s) ? s / 1000 : undefined, goals[String(o.size)], ' s', quick),
    };
  });
}

/** How each step's report becomes cells; the L-BFGS step reads neural-style-pt's report when it ran the script. */
const cellsByStep: Record<StepId, (run: StepRun, goals: Record<string, number>, quick: boolean) => Cells[]> = {
  eval: (run, goals, quick) => evalCells(run.report as BenchReport, goals, quick),
  lbfgs: (run) => (run.step.script.endsWith('neural-style-pt.ts') ? lbfgsScriptCells(run.report as NeuralStylePtReport) : lbfgsTorchCells(run.report as BenchReport)),
  startup: (run, goals, quick) => startupCells(run.report as StartupReport, goals, quick),
  tab: (run, goals, quick) => tabCells(run.report as WebReport, goals, quick),
  revisit: (run, goals, quick) => revisitCells(run.report as RevisitReport, goals, quick),
};

/** The table rows of one sub-bench run: its results, or one row with its error. */
export function rowsOf(run: StepRun, quick: boolean): Row[] {
  const common = { measured: measuredCell(run), command: run.command };
  const failedRow = (why: string): Row[] => [{ compared: `${run.step.id}: failed`, ours: why, reference: '—', ratio: '—', goal: '—', ...common, failed: true }];
  if (run.error !== undefined || run.report === undefined) return failedRow(run.error ?? 'no JSON report');
  try {
    const cells = cellsByStep[run.step.id](run, run.step.goals, quick);
    return cells.map((c) => ({ ...c, ...common, failed: false }));
  } catch (err) {
    // A report of another shape (a bench changed its JSON) is a failed row too, not a crash.
    if (err instanceof MissingResult || err instanceof TypeError) return failedRow(`unexpected report: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * The line that says why a bench failed, from the end of its stderr: the last `…Error: …` line
 * (Node prints the stack and its version after it), else the last line that is not a stack frame.
 */
export function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ') && !/^Node\.js v/.test(l));
  const error = [...lines].reverse().find((l) => /^[\w.]*Error\b.*:/.test(l));
  return (error ?? lines.at(-1) ?? '').slice(0, 300);
}

/** A markdown cell: pipes escaped, newlines flattened. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** The markdown table of every row, one line each. */
export function markdownTable(rows: readonly Row[]): string {
  const head = ['Compared', 'Ours', 'Reference', 'Ratio', 'Goal (issue 27)', 'Measured', 'Command'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.compared, r.ours, r.reference, r.ratio, r.goal, r.measured, `\`${r.command}\``].map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** The lines above the table: what made it and, for --quick, that these are not the headline sizes. */
export function header(o: { quick: boolean; machine: string; command: string }): string {
  const made = `Made by \`${o.command}\` on ${o.machine}.`;
  return o.quick
    ? `**Quick run (--quick): small sizes and few reps, not the headline sizes — for trying the command, not for quoting.** ${made}`
    : made;
}
