import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { OutStream } from '../progress.js';

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** Stops a run as SIGINT would (tests); `reason` 'SIGTERM' gives exit code 143. */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers on the process for the duration (the bin does). */
  handleSignals?: boolean;
}

/** What a command's registration gets: the streams, the run's signal, the exit code. */
export interface CommandContext {
  io: CliIo;
  /** Aborted by SIGINT/SIGTERM. */
  signal: AbortSignal;
  setExitCode(code: number): void;
  /** `neural-style` with no arguments at all (help, exit 2). */
  argvIsEmpty: boolean;
  /** Commander's error and output handling, for each (sub)command. */
  setup(cmd: Command): Command;
}

/** One command: a record in the table of commands/index.ts. */
export interface CommandSpec {
  name: string;
  register(program: Command, ctx: CommandContext): void;
}

export function strayArgument(arg: string, program: Command): UsageError {
  const commands = program.commands.map((c) => c.name());
  if (/^[a-z-]+$/.test(arg)) return new UsageError(`unknown command '${arg}'; commands: ${commands.join(', ')}`);
  return new UsageError(`unexpected argument '${arg}': give images with -c/--content and -s/--style`);
}
