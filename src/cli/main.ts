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
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { NeuralStyleError, UsageError } from '../errors.js';
import { cliOptionSpec, cliOptionSpecs, defaultText, flagOf, flagsText } from './options.js';
import type { OutStream } from './progress.js';
import { exitCodeFor, runStylize } from './run.js';

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** Stops a run as SIGINT would (tests); `reason` 'SIGTERM' gives exit code 143. */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers on the process for the duration (the bin does). */
  handleSignals?: boolean;
}

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

function strayArgument(arg: string, program: Command): UsageError {
  const commands = program.commands.map((c) => c.name());
  if (/^[a-z-]+$/.test(arg)) return new UsageError(`unknown command '${arg}'; commands: ${commands.join(', ')}`);
  return new UsageError(`unexpected argument '${arg}': give images with -c/--content and -s/--style`);
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
  for (const spec of cliOptionSpecs()) {
    // Defaults go into the text, not into commander: an absent flag must stay undefined so
    // that a --preset can fill it, and parsing stays in one place (src/options/kinds.ts).
    const d = spec.kind.type !== 'boolean' ? defaultText(spec.default) : '';
    const option = new Option(flagsText(spec), d ? `${spec.help} (default: ${d})` : spec.help).helpGroup(`${spec.group}:`);
    if (spec.repeatable) option.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    program.addOption(option);
  }
  program.addHelpText(
    'after',
    '\nExit codes: 0 done, 1 runtime error, 2 usage error, 130/143 interrupted by SIGINT/SIGTERM\n' +
      '(the image so far is written; with --checkpoint the run can be resumed).\n' +
      'More in README.md: first run, every option, differences from jcjohnson/neural-style, when things go wrong.',
  );
  program.action(async (_opts: unknown, cmd: Command) => {
    if (cmd.args.length > 0) throw strayArgument(cmd.args[0]!, program);
    if (argvIsEmpty) {
      io.stderr.write(program.helpInformation());
      setExitCode(2);
      return;
    }
    setExitCode(await runStylize(cmd.opts(), { stdout: io.stdout, stderr: io.stderr, signal }));
  });

  const cacheDirOption = () => new Option('--cache-dir <dir>', cliOptionSpec('cacheDir')!.help);

  setup(program.command('models'))
    .description('List the models --model accepts, and whether each is in the cache.')
    .addOption(cacheDirOption())
    .option('--json', 'One JSON object per model on stdout.')
    .action(async (opts: { cacheDir?: string; json?: boolean }) => {
      const { listModels } = await import('../models/resolve-node.js');
      const models = await listModels(opts.cacheDir);
      if (opts.json) {
        for (const m of models) io.stdout.write(JSON.stringify(m) + '\n');
        return;
      }
      const width = Math.max(...models.map((m) => m.name.length));
      for (const m of models) {
        const status = !m.url ? 'generated, no download' : m.cached ? `cached: ${m.path}` : `not cached${m.size ? ` (${(m.size / 1e6).toFixed(0)} MB download)` : ''}`;
        io.stdout.write(`${m.name.padEnd(width)}  ${m.architecture}  ${status}\n${' '.repeat(width + 2)}${m.description}\n`);
      }
    });

  setup(program.command('fetch'))
    .description("Download a model's weights into the cache now (verified by checksum), e.g. before going offline.")
    .argument('<name>', 'model name, as `neural-style models` lists them')
    .addOption(cacheDirOption())
    .option('--force', 'Download again even if a verified copy is cached.')
    .action(async (name: string, opts: { cacheDir?: string; force?: boolean }) => {
      const { fetchModel } = await import('../models/resolve-node.js');
      let shown = -1;
      const result = await fetchModel(name, {
        cacheDir: opts.cacheDir,
        force: opts.force,
        onNotice: (m) => void io.stderr.write(`${m}\n`),
        onProgress: (p) => {
          if (!p.total) return;
          const tenth = Math.floor((10 * p.bytesDone) / p.total);
          if (tenth !== shown) io.stderr.write(`downloading: ${(shown = tenth) * 10}%\n`);
        },
        download: { signal },
      });
      if (!result.path) io.stdout.write(`${result.name}: generated on the fly, nothing to fetch\n`);
      else io.stdout.write(`${result.name}: ${result.downloaded ? 'downloaded' : 'already cached'}: ${result.path}\n`);
    });

  setup(program.command('serve'))
    .description('Serve the browser app on this machine (Ctrl-C stops it).')
    .option('--port <n>', 'TCP port; 0 picks a free one.', '8080')
    .option('--host <addr>', 'Address to listen on; 0.0.0.0 serves the whole network.', '127.0.0.1')
    .option('--root <dir>', 'Serve another build of the app (default: the one in this package).')
    .action(async (opts: { port: string; host: string; root?: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got '${opts.port}'`);
      let serveApp: typeof import('../web-server/serve-node.js').serveApp;
      try {
        ({ serveApp } = await import('../web-server/serve-node.js'));
      } catch (e) {
        throw new NeuralStyleError(`the browser app server is not built into this copy of neural-style (${(e as Error).message.split('\n')[0]})`);
      }
      const server = await serveApp({ port, host: opts.host, root: opts.root });
      io.stderr.write(`serving the neural-style app at ${server.url} (Ctrl-C to stop)\n`);
      if (!signal.aborted) await new Promise((ok) => signal.addEventListener('abort', ok, { once: true }));
      await server.close();
    });

  return program;
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
