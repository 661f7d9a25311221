/**
 * `npm run bench:summary`: every headline ratio of issue 27 from one command. It runs the
 * existing benches one after another, each as its own process with `--json` (so each is
 * exactly the command a user could repeat, and a crash in one is a row, not the end), and
 * prints one markdown table — what was compared, ours, the reference, the ratio, the goal
 * met or not (computed), when and under what load, and the sub-command — the performance
 * table of docs/performance.md.
 *
 *   npm run bench:summary -- [--quick] [--only eval,lbfgs,startup,tab,revisit] [--write docs/performance.md]
 *                            [--neural-style-pt PATH/neural_style.py --neural-style-pt-model PATH.pth [--python python3]]
 *
 * Steps (bench/summary-plan.ts): per evaluation at 512², 512×384, 384×512 and Adam per
 * iteration at 512×384 and 384×512 against the faster PyTorch (bench.ts); 10 L-BFGS steps
 * at 512 px against neural-style-pt's own script when given, else torch.optim.LBFGS as that
 * script configures it (bench.ts); start-up at 64 and 256 px (startup.ts); the tab against
 * the CLI at 128 and 256 px (web.ts, needs Debian's chromium); the tab's second visit at
 * 128 px, after a first visit with a whole run (web-revisit.ts). The sub-benches' own tables
 * go to stderr as they run; the summary goes to stdout. Exit code 1 when any step failed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgsError, custom, flag, readArgs, str } from './args.js';
import { commandLine, makePlan, STEP_IDS, type NeuralStylePt, type Step, type StepId } from './summary-plan.js';
import { errorLine, header, markdownTable, rowsOf, type StepRun } from './summary-rows.js';
import { writeBlock } from './summary-write.js';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '..');

function stepList(raw: string, flag: string): StepId[] {
  const list = raw.split(',');
  for (const s of list) if (!(STEP_IDS as readonly string[]).includes(s)) throw new ArgsError(`${flag} wants names from ${STEP_IDS.join(',')}, not '${s}'`);
  return list as StepId[];
}

const COMMAND = {
  usage: 'npm run bench:summary -- [options]',
  flags: {
    quick: flag('small sizes and few reps: for trying the command, not the headline numbers'),
    only: custom([...STEP_IDS], 'the steps to run', 'LIST', stepList, STEP_IDS.join(',')),
    write: str(undefined, 'replace the block between <!-- bench:summary start --> and <!-- bench:summary end --> in FILE', 'FILE'),
    'neural-style-pt': str(undefined, "neural-style-pt's neural_style.py: time it against our CLI for the L-BFGS row (else torch.optim.LBFGS stands in)", 'PATH'),
    'neural-style-pt-model': str(undefined, 'the VGG-19 .pth both neural_style.py and our CLI load (with --neural-style-pt)', 'PATH'),
    python: str('python3', 'the Python that runs neural_style.py', 'PATH'),
    reports: str(undefined, "also keep each step's JSON report (and when and under what load it ran) as DIR/NN-STEP.json", 'DIR'),
  },
};

function readOptions() {
  return readArgs(COMMAND, (v) => {
    let neuralStylePt: NeuralStylePt | undefined;
    if (v['neural-style-pt']) {
      if (!v['neural-style-pt-model']) throw new ArgsError('--neural-style-pt needs --neural-style-pt-model (the VGG-19 .pth it loads)');
      neuralStylePt = { script: v['neural-style-pt'], modelFile: v['neural-style-pt-model'], python: v.python };
    }
    return { quick: v.quick, only: v.only, write: v.write, reports: v.reports, neuralStylePt };
  });
}

/** The summary's own command line, for the header: what to type to make this table again. */
function ownCommand(): string {
  const args = process.argv.slice(2);
  return `npm run bench:summary${args.length ? ` -- ${args.join(' ')}` : ''}`;
}

/** One step as a child process: its stderr passed through, its stdout's JSON line kept; the last error line if it fails. */
function runStep(step: Step): Promise<StepRun> {
  const command = commandLine(step);
  const run: StepRun = { step, command, startedAt: new Date(), loadBefore: loadavg()[0]!, loadAfter: NaN };
  process.stderr.write(`\n== bench:summary: ${command}\n`);
  return new Promise((done) => {
    // The same tsx as this process (its execArgv): `npm run` would add a shell and npm's start-up to nothing.
    const child = spawn(process.execPath, [...process.execArgv, join(REPO, step.script), ...step.args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let lastLines = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      lastLines = (lastLines + d.toString()).slice(-4000);
    });
    const finish = (error?: string) => {
      run.loadAfter = loadavg()[0]!;
      if (error === undefined) {
        const json = stdout.split('\n').reverse().find((l) => l.startsWith('{'));
        try {
          if (json) run.report = JSON.parse(json);
          else run.error = 'the bench printed no JSON report';
        } catch (err) {
          run.error = `its JSON report does not parse: ${(err as Error).message}`;
        }
      } else run.error = error;
      done(run);
    };
    child.on('error', (err) => finish(err.message));
    child.on('close', (code, signal) => {
      if (code === 0) return finish();
      const why = errorLine(lastLines);
      finish(`exited with ${code ?? signal}${why ? `: ${why}` : ''}`);
    });
  });
}

async function main(): Promise<void> {
  const o = readOptions();
  const plan = makePlan(o);
  const runs: StepRun[] = [];
  for (const step of plan) runs.push(await runStep(step));
  // The raw reports, for bench/RESULTS.md and for the summary's test fixtures (test/bench/fixtures/summary/).
  if (o.reports) {
    mkdirSync(o.reports, { recursive: true });
    for (const [i, r] of runs.entries()) writeFileSync(join(o.reports, `${String(i).padStart(2, '0')}-${r.step.id}.json`), `${JSON.stringify(r, null, 1)}\n`);
  }
  const rows = runs.flatMap((r) => rowsOf(r, o.quick));
  const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}`;
  const block = `${header({ quick: o.quick, machine, command: ownCommand() })}\n\n${markdownTable(rows)}`;
  console.log(`\n${block}`);
  if (o.write) {
    await writeBlock(o.write, block);
    process.stderr.write(`bench:summary: wrote the table into ${o.write}\n`);
  }
  const failed = runs.filter((r) => r.error !== undefined || rows.some((row) => row.failed && row.command === r.command));
  if (failed.length) {
    process.stderr.write(`bench:summary: ${failed.length} of ${runs.length} steps failed: ${failed.map((r) => r.step.id).join(', ')}\n`);
    process.exitCode = 1;
  }
}

await main();
