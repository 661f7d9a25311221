/**
 * The default command, `neural-style -c photo.jpg -s painting.jpg [options]`: its flags are
 * the options table (../options.ts); the work is in ../run.ts.
 */
import type { Command } from 'commander';
import { cliOptionSpecs, commanderOptions } from '../options.js';
import { runStylize } from '../run.js';
import { strayArgument, type CommandContext } from './types.js';

export function registerStylize(program: Command, ctx: CommandContext): void {
  for (const spec of cliOptionSpecs()) {
    // Defaults go into the text, not into commander: an absent flag must stay undefined so
    // that a --preset can fill it, and parsing stays in one place (src/options/kinds.ts).
    for (const option of commanderOptions(spec)) program.addOption(option);
  }
  program.addHelpText(
    'after',
    '\nExit codes: 0 done, 1 runtime error, 2 usage error, 130/143 interrupted by SIGINT/SIGTERM\n' +
      '(the image so far is written; with --checkpoint the run can be resumed).\n' +
      'More in README.md: first run, every option, differences from jcjohnson/neural-style, when things go wrong.',
  );
  program.action(async (_opts: unknown, cmd: Command) => {
    if (cmd.args.length > 0) throw strayArgument(cmd.args[0]!, program);
    if (ctx.argvIsEmpty) {
      ctx.io.stderr.write(program.helpInformation());
      ctx.setExitCode(2);
      return;
    }
    ctx.setExitCode(await runStylize(cmd.opts(), { stdout: ctx.io.stdout, stderr: ctx.io.stderr, signal: ctx.signal }));
  });
}
