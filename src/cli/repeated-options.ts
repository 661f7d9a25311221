/**
 * A single-valued option given twice (`-c a.jpg … -c b.jpg`, or an `--image-size` added at
 * the end of a long command line) used to take the last value silently — often not the one
 * meant. Every option of every command that takes one value refuses a second, here once
 * rather than flag by flag. Options with their own argParser are left to it: the
 * repeatable ones (-s, the mask lists) accumulate their values through theirs.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

export function refuseRepeatedOptions(cmd: Command): void {
  for (const option of cmd.options) {
    if (!(option.required || option.optional) || option.variadic || option.parseArg) continue;
    option.argParser((value: string, previous: unknown) => {
      // The value so far came from the command line (not a default, not the environment).
      if (cmd.getOptionValueSource(option.attributeName()) === 'cli') {
        throw new UsageError(`option '${option.long ?? option.flags}' was given twice ('${String(previous)}', then '${value}'); give it once`);
      }
      return value;
    });
  }
  for (const sub of cmd.commands) refuseRepeatedOptions(sub);
}
