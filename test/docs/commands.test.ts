/**
 * The user docs' commands run as written — as far as a test can tell in a few seconds each,
 * without doing their long work. Every command in a `sh` block of README.md and docs/*.md:
 *
 * Checked
 * - The program is one a fresh clone has after `npm ci` (`npx` of this package's command or of
 *   a bin in node_modules/.bin, `npm run` of a script in package.json, `bash`/`node` of a file
 *   in the repository) or one of the few system programs the pages name (redis-server, ffmpeg,
 *   curl, …). A bare `neural-style` fails: it is not on the PATH of a fresh clone.
 * - Every input file a command reads (images, masks, weight files, clips, checkpoints, curl
 *   uploads, interpreted scripts) exists relative to the repository root, or is made by an
 *   earlier command on the same page (its path appears there), as with a checkpoint written by
 *   one command and resumed by the next. The sample images are `../shared/images/*`, beside a
 *   clone on this project's machines; where that folder is absent the checks that read them
 *   are skipped, saying so.
 * - `npx neural-style …` is parsed by the real command definitions (src/cli/commands), so an
 *   unknown command or flag, or a missing value, fails. Then, without loading weights or
 *   optimising:
 *     - the stylize command goes through its whole pre-flight (`planRun`: every option value and
 *       combination, paths, every input image decoded, layers, sizes, masks, the memory
 *       estimate against this machine's free memory, the backend choice), with `/tmp/` paths
 *       moved into a fresh temporary folder. A command whose inputs an earlier command makes
 *       gets the flag checks only (`parseFlags`);
 *     - the video command's options are parsed and resolved with the library's rules;
 *     - `submit`, and the HTTP API's `curl -F options=…` uploads, go through the job service's
 *       own validation (`validateSubmission`: options, images, pre-flight);
 *     - other commands (serve, worker, jobs, models, fetch) are parsed only.
 *
 * Not checked: that the long work succeeds (a real run is minutes to hours; the CLI's own tests
 * run the pipeline), downloads, anything that needs Redis, ffmpeg, a GPU or a network (the pages
 * say so in words before such commands), and commands in other code blocks (ts, nginx).
 */
import { Command, CommanderError } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import type { CommandContext } from '../../src/cli/commands/types.js';
import { parseFlags } from '../../src/cli/plan/flags.js';
import { planRun } from '../../src/cli/plan/index.js';
import { parseVideoOptions } from '../../src/cli/video/options.js';
import { jobOptionSpecs } from '../../src/jobs/job-options.js';
import { validateSubmission } from '../../src/jobs/validate.js';
import { applyPreset, resolveOptions, stylizeOptionSpecs, type StylizeOptions } from '../../src/options/index.js';
import { pageCommands, ROOT, userPages, type ShellCommand } from './markdown.js';

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; scripts: Record<string, string> };
const SAMPLES = join(ROOT, '../shared/images');
const haveSamples = existsSync(SAMPLES);

/** System programs a page may use, having said in words what they need. */
const SYSTEM = new Set(['mkdir', 'export', 'curl', 'openssl', 'ffmpeg', 'redis-server', 'redis-cli', 'docker']);

/** Flags whose values are files the command reads. */
const INPUT_FLAGS = new Set(['-c', '--content', '-s', '--style', '--content-masks', '--style-masks', '--init-image', '--model-file', '--resume', '--frames-in']);

const scratch = mkdtempSync(join(tmpdir(), 'ns-docs-commands-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
/** `/tmp/x` → a fresh folder of this test's, so nothing depends on what /tmp holds. */
const sandbox = (s: string) => s.replace(/(^|[,=@])\/tmp\//g, `$1${scratch}/`);

const fromRoot = (p: string) => (isAbsolute(p) ? p : join(ROOT, p));

interface Located {
  command: ShellCommand;
  /** Every word of the earlier commands on the same page. */
  earlier: string;
}

function commandsByPage(): Located[] {
  return userPages().flatMap((page) => {
    const commands = pageCommands(page);
    return commands.map((command, i) => ({ command, earlier: commands.slice(0, i).map((c) => [...c.argv, ...c.redirects].join(' ')).join('\n') }));
  });
}

/** Where an input path stands: in the repository (or beside it), made by an earlier command, or missing. */
function inputState(path: string, earlier: string): 'exists' | 'made earlier' | 'missing' | 'sample images absent' {
  // /tmp paths are looked up in the (empty) sandbox: what this machine's /tmp holds proves nothing.
  if (existsSync(fromRoot(sandbox(path)))) return 'exists';
  if (earlier.split(/[\s,=@]/).includes(path)) return 'made earlier';
  if (path.startsWith('../shared/') && !haveSamples) return 'sample images absent';
  return 'missing';
}

/** The files a command reads, by the flags and forms the pages use. */
function inputsOf(argv: string[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    const eq = /^(--[a-z-]+)=(.*)$/.exec(w);
    const [flag, value] = eq ? [eq[1]!, eq[2]] : [w, argv[i + 1]];
    if (value !== undefined && (INPUT_FLAGS.has(flag) || (argv[0] === 'ffmpeg' && flag === '-i'))) files.push(...value.split(','));
    const upload = /^[A-Za-z]+=@(.+)$/.exec(w);
    if (argv[0] === 'curl' && argv[i - 1] === '-F' && upload) files.push(upload[1]!);
  }
  if (['bash', 'node'].includes(argv[0]!) && argv[1] !== undefined) files.push(argv[1]);
  if (/python\d*$/.test(argv[0]!)) files.push(argv[1]!);
  return files;
}

/** The commands as `neural-style` registers them, each action replaced by one that records what it got. */
function parseNeuralStyle(args: string[]): Promise<{ cmd: Command; path: string[] }> {
  let got: { cmd: Command; path: string[] } | undefined;
  const errors: string[] = [];
  const output = { writeOut: () => {}, writeErr: (s: string) => void errors.push(s.trim()) };
  const setup = (cmd: Command) => cmd.exitOverride().configureOutput(output);
  const quiet = { write: () => true };
  const ctx: CommandContext = { io: { stdout: quiet, stderr: quiet }, signal: new AbortController().signal, setExitCode: () => {}, argvIsEmpty: false, setup };
  const program = setup(new Command('neural-style')).allowExcessArguments(true).enablePositionalOptions();
  for (const c of COMMANDS) c.register(program, ctx);
  const all = (c: Command, path: string[]): void => {
    c.action((...a: unknown[]) => void (got = { cmd: a.at(-1) as Command, path }));
    for (const sub of c.commands) all(sub, [...path, sub.name()]);
  };
  all(program, []);
  return program.parseAsync(args, { from: 'user' }).then(
    () => {
      if (!got) throw new Error('no command ran');
      // The real actions report stray words (a mistyped command lands in the default one).
      const extra = got.cmd.args.slice(got.cmd.registeredArguments.length);
      if (extra.length > 0) throw new Error(`stray argument '${extra[0]}'`);
      return got;
    },
    (e: unknown) => {
      if (e instanceof CommanderError && e.exitCode === 0) return { cmd: program, path: ['--help'] };
      throw new Error(errors.join(' ') || String(e));
    },
  );
}

const named = (p: string) => ({ name: p, bytes: readFileSync(fromRoot(p)) });

async function checkNeuralStyle(args: string[], madeEarlier: boolean): Promise<void> {
  const { cmd, path } = await parseNeuralStyle(args.map(sandbox));
  const opts = cmd.opts<Record<string, unknown>>();
  const command = path.join(' ') || 'stylize';
  if (command === 'stylize') {
    if (madeEarlier) parseFlags(opts);
    else await planRun(opts);
  } else if (command === 'video') {
    const { values, given } = parseVideoOptions(opts);
    applyPreset(values, given);
    const library: Record<string, unknown> = {};
    for (const s of stylizeOptionSpecs()) if (values[s.key] !== undefined) library[s.key] = values[s.key];
    resolveOptions(library as Partial<StylizeOptions>, (values.style as string[]).length);
  } else if (command === 'submit' && !madeEarlier) {
    const options: Record<string, unknown> = {};
    for (const s of jobOptionSpecs()) if (opts[s.key] !== undefined) options[s.key] = opts[s.key];
    const styles = (opts.style as string[]).flatMap((s) => s.split(','));
    await validateSubmission({ content: named(opts.content as string), styles: styles.map(named), options });
  }
}

/** `curl -F content=@… -F style=@… -F 'options={…}'`: the upload the HTTP API would validate. */
async function checkUpload(argv: string[]): Promise<void> {
  const fields = argv.flatMap((w, i) => (argv[i - 1] === '-F' ? [w] : []));
  if (fields.length === 0) return;
  const files = (name: string) => fields.filter((f) => f.startsWith(`${name}=@`)).map((f) => named(f.slice(name.length + 2)));
  const options = fields.find((f) => f.startsWith('options='));
  await validateSubmission({
    content: files('content')[0]!,
    styles: files('style'),
    options: options ? (JSON.parse(options.slice('options='.length)) as Record<string, unknown>) : {},
  });
}

const located = commandsByPage();

describe("the docs' commands run as written", () => {
  it('finds the commands (README.md and docs/*.md)', () => {
    expect(located.filter((l) => l.command.page === 'README.md').length).toBeGreaterThan(5);
    expect(located.some((l) => l.command.argv[1] === 'neural-style' && l.command.page.startsWith('docs/'))).toBe(true);
  });

  it.each(located.map((l) => [`${l.command.page}:${l.command.line} ${l.command.argv.slice(0, 3).join(' ')}`, l] as const))('%s', async (_name, { command, earlier }) => {
    const { argv } = command;
    const where = `${command.page}:${command.line}: ${command.source}`;
    const program = argv[0]!;

    // 1. The program exists on a fresh clone after `npm ci`.
    if (program === 'neural-style') expect.fail(`${where}\n'neural-style' is not on the PATH of a fresh clone: write 'npx neural-style'`);
    if (program === 'npx') {
      const bin = argv[1]!;
      const ok = bin in PACKAGE.bin || existsSync(join(ROOT, 'node_modules/.bin', bin));
      expect(ok, `${where}\nnpx ${bin}: neither this package's command nor a bin in node_modules/.bin (npx would fetch it from the registry)`).toBe(true);
    } else if (program === 'npm') {
      const sub = argv[1]!;
      expect(['ci', 'test', 'run'], `${where}\nnpm ${sub}`).toContain(sub);
      if (sub === 'run') expect(PACKAGE.scripts, `${where}\nno npm script '${argv[2]}'`).toHaveProperty([argv[2]!]);
    } else if (program.includes('/')) {
      // An interpreter a setup script on the same page makes (the torch venv under node_modules/.cache).
      const made = program.startsWith('node_modules/.cache/') && /bench\/setup-/.test(earlier);
      expect(made || existsSync(fromRoot(program)), `${where}\n${program} does not exist`).toBe(true);
    } else if (!['bash', 'node'].includes(program)) {
      expect(SYSTEM, `${where}\n'${program}' is not a program this test knows a page may use`).toContain(program);
    }

    // 2. Every file it reads is there, or made by an earlier command on the page.
    const states = inputsOf(argv).map((p) => [p, inputState(p, earlier)] as const);
    const missing = states.filter(([, s]) => s === 'missing').map(([p]) => p);
    expect(missing, `${where}\nmissing input files`).toEqual([]);
    const skip = states.some(([, s]) => s === 'sample images absent');
    const madeEarlier = states.some(([, s]) => s === 'made earlier');

    // 3. The command accepts it, up to the long work.
    if (skip) return console.log(`${where}: deep checks skipped, ${SAMPLES} is absent`);
    if (program === 'npx' && argv[1] === PACKAGE.name) {
      await checkNeuralStyle(argv.slice(2), madeEarlier).catch((e: unknown) => {
        throw new Error(`${where}\n${e instanceof Error ? e.message : String(e)}`);
      });
    } else if (program === 'curl' && !madeEarlier) {
      await checkUpload(argv).catch((e: unknown) => {
        throw new Error(`${where}\n${e instanceof Error ? e.message : String(e)}`);
      });
    }
  });
});
