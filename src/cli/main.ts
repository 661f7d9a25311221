/**
 * `neural-style`: the command line. `main(argv, io)` runs one command and resolves to the
 * process exit code, so tests can run it in-process; bin/neural-style.js calls it with the
 * real process streams and signal handling.
 *
 *   neural-style -c photo.jpg -s painting.jpg [options]   stylize (the default command)
 *   neural-style models                                   list models and cache status
 *   neural-style fetch NAME                               download a model's weights
 *   neural-style serve [--port N]                         serve the browser app
 *
 * Exit codes: 0 done; 2 usage error; 1 runtime error; 130/143 interrupted by
 * SIGINT/SIGTERM (after saving the image so far).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { registerNodeBackends } from '../backends/register-node.js';
import { NeuralStyleError, UsageError } from '../errors.js';
import { COMMANDS } from './commands/index.js';
import type { CliIo, CommandContext } from './commands/types.js';

export type { CliIo } from './commands/types.js';
import { flagOf } from './options.js';
import { refuseRepeatedOptions } from './repeated-options.js';
import type { OutStream } from './progress.js';
import { exitCodeFor } from './run.js';


// The command runs on Node's backends (src/backends): cpu, and webgpu where a GPU answers.
registerNodeBackends();

const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

/** jcjohnson's single-dash spellings, so their users get pointed at ours. */
const JCJOHNSON_FLAGS: Record<string, string> = {
  content_image: '--content',
  style_image: '--style',
  output_image: '--output',
  gpu: '--backend',
  init_image: '--init-image',
  proto_file: '--model-file',
  model_file: '--model-file',
  backend: '--backend',
  cudnn_autotune: '--backend',
};

/** Their flags without an underscore; any single-dash word with one is theirs too. */
const JCJOHNSON_PLAIN = new Set(['gpu', 'init', 'optimizer', 'pooling', 'backend', 'seed']);

function jcjohnsonHint(argv: readonly string[]): void {
  for (const arg of argv) {
    if (arg === '--') return;
    const m = /^-([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(=.*)?$/.exec(arg);
    if (!m || !(m[1]!.includes('_') || JCJOHNSON_PLAIN.has(m[1]!))) continue;
    const name = m[1]!;
    const ours = JCJOHNSON_FLAGS[name] ?? `--${name.replace(/_/g, '-')}`;
    throw new UsageError(`unknown option '${arg}': jcjohnson/neural-style's -${name} is ${ours} here (two dashes, kebab-case)`);
  }
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const controller = new AbortController();
  const forward = () => controller.abort(io.signal!.reason ?? 'SIGINT');
  if (io.signal?.aborted) forward();
  io.signal?.addEventListener('abort', forward, { once: true });
  const removeHandlers = io.handleSignals ? installSignalHandlers(controller, io.stderr) : () => {};
  try {
    jcjohnsonHint(argv);
    let exitCode = 0;
    await buildProgram(io, controller.signal, (code) => (exitCode = code), argv.length === 0).parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    return report(err, io.stderr, controller.signal.reason);
  } finally {
    io.signal?.removeEventListener('abort', forward);
    removeHandlers();
  }
}

/** Error → stderr line(s) → exit code. Ours: the message; anything else: the stack (a bug). */
function report(err: unknown, stderr: OutStream, signalReason: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has already written its message (through configureOutput); help/version are 0.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof NeuralStyleError) {
    // The core names options by key; here they are flags.
    stderr.write(`error: ${err.render(flagOf)}\n`);
    return err.exitCode;
  }
  if (err instanceof Error && err.name === 'AbortError') {
    stderr.write('interrupted\n');
    return exitCodeFor(signalReason);
  }
  stderr.write(`neural-style: unexpected error (a bug; please report it with this text):\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

function installSignalHandlers(controller: AbortController, stderr: OutStream): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      stderr.write(`${signal} again: quitting without saving\n`);
      process.exit(exitCodeFor(signal));
    }
    stderr.write(`${signal}: stopping cleanly (send it again to quit at once)\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function buildProgram(io: CliIo, signal: AbortSignal, setExitCode: (code: number) => void, argvIsEmpty: boolean): Command {
  const program = new Command('neural-style');
  const output = {
    writeOut: (s: string) => void io.stdout.write(s),
    writeErr: (s: string) => void io.stderr.write(s),
    // One line: commander's "(Did you mean …?)" suggestion joins the message.
    outputError: (s: string, write: (s: string) => void) => write(s.replace(/\n\((Did you mean [^)]*)\)/, (_m, d: string) => ` (${d.toLowerCase()})`)),
  };
  const setup = (cmd: Command) => cmd.exitOverride().configureOutput(output).showSuggestionAfterError(true);

  setup(program)
    .description(
      'Neural style transfer (Gatys et al.; the flags and defaults of jcjohnson/neural-style) on onnxruntime.\n' +
        'Example: neural-style -c photo.jpg -s painting.jpg -o out.png',
    )
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'Show this help.')
    // Stray words are reported by the action, naming a likely mistyped command.
    .allowExcessArguments(true)
    // `models --cache-dir X`: options after a subcommand are the subcommand's own.
    .enablePositionalOptions();
  const ctx: CommandContext = { io, signal, setExitCode, argvIsEmpty, setup };
  for (const command of COMMANDS) command.register(program, ctx);
  refuseRepeatedOptions(program);
  // Before any command's action (and its report of stray words): an option given no value
  // takes the next flag as its value in commander; say that, not what it leads to.
  program.hook('preAction', (_program, action) => rejectFlagsAsValues(action));
  return program;
}

/** `--content-weight --style-weight 5`: --content-weight got '--style-weight' as its value. */
function rejectFlagsAsValues(cmd: Command): void {
  for (const option of cmd.options) {
    if (!(option.required || option.optional) || cmd.getOptionValueSource(option.attributeName()) !== 'cli') continue;
    const value: unknown = cmd.getOptionValue(option.attributeName());
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && /^--[a-z]/.test(v)) throw new UsageError(`option '${option.long ?? option.flags}' needs a value; it was followed by the flag '${v}'`);
    }
  }
}

/**
 * The process entry point (bin/neural-style.js): real streams, signal handling, exit code.
 * A closed stdout pipe (`neural-style --json … | head`) stops output, not the run: the
 * image being made is the product.
 */
export async function runFromProcess(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let stdoutOpen = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stdoutOpen = false;
  });
  const stdout: OutStream = process.stdout.isTTY ? process.stdout : { write: (s: string) => stdoutOpen && process.stdout.write(s) };
  process.exitCode = await main(argv, { stdout, stderr: process.stderr, handleSignals: true });
}
