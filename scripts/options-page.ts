/**
 * docs/options.md, made from the option records and the commands' own definitions, so the
 * reference cannot drift from `--help`: the stylize command's options (cliOptionSpecs)
 * grouped as `--help` groups them, the video command's own (videoOptionSpecs), the job
 * options by their JSON keys (jobOptionSpecs), and the other commands' flags as commander
 * holds them. scripts/cli-docs.ts writes it; test/docs/options-page.test.ts compares.
 */
import { Command, type Option } from 'commander';
import { registerNodeBackends } from '../src/backends/register-node.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import type { CommandContext } from '../src/cli/commands/types.js';
import { cliOptionSpecs, defaultText, flagOf, flagsText } from '../src/cli/options.js';
import { videoOptionSpecs } from '../src/cli/video/options.js';
import { jobOptionSpecs, REFUSED_OPTIONS } from '../src/jobs/job-options.js';
import { allowedText, GROUP_ORDER, type OptionKind, type OptionSpec } from '../src/options/index.js';

/** The command that rewrites the page; the stale-page test prints it. */
export const REGENERATE = 'npx tsx scripts/cli-docs.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (s: string) => (s === '' ? '' : `\`${s}\``);

function flagTable(specs: readonly OptionSpec[]): string[] {
  const rows = ['| Option | Default | Meaning |', '|---|---|---|'];
  for (const s of specs) rows.push(`| ${code(flagsText(s))}${s.kind.type === 'boolean' && s.default === true ? `, ${code(`--no-${flagOf(s.key).slice(2)}`)}` : ''} | ${code(defaultText(s.default))} | ${cell(s.help)} |`);
  return rows;
}

function grouped(specs: readonly OptionSpec[], level: string): string[] {
  const out: string[] = [];
  for (const group of GROUP_ORDER) {
    const inGroup = specs.filter((s) => s.group === group);
    if (inGroup.length === 0) continue;
    out.push(`${level} ${group}`, '', ...flagTable(inGroup), '');
  }
  return out;
}

/** What a JSON client sends for an option of this kind. */
function jsonValue(kind: OptionKind): string {
  switch (kind.type) {
    case 'int':
    case 'number':
      return allowedText(kind).replace(/^an? /, '');
    case 'boolean':
      return '`true` or `false`';
    case 'choice':
      return `string: ${kind.choices.map((c) => `\`"${c}"\``).join(', ')}`;
    case 'intOr':
      return `${kind.words.map((w) => `\`"${w}"\``).join(', ')} or a whole number ≥ ${kind.min}`;
    case 'layers':
      return 'array of layer names (or one comma-separated string)';
    case 'ints':
      return `array of whole numbers ≥ ${kind.min} (or one comma-separated string)`;
    case 'weights':
      return 'array of numbers ≥ 0, one above 0 (or one comma-separated string)';
    case 'text':
      return `string: ${kind.what}`;
    case 'texts':
      return `array of strings: ${kind.what}`;
  }
}

function jobTable(specs: readonly OptionSpec[]): string[] {
  const rows = ['| JSON key | `submit` flag | Value | Default | Meaning |', '|---|---|---|---|---|'];
  for (const s of specs) {
    const d = s.default === undefined ? '' : code(JSON.stringify(s.default));
    rows.push(`| \`${s.key}\` | \`${flagOf(s.key)}\` | ${cell(jsonValue(s.kind))} | ${d} | ${cell(s.help)} |`);
  }
  return rows;
}

/** The commands as `neural-style` registers them, with every action left unused. */
function program(): Command {
  const quiet = { write: () => true };
  const ctx: CommandContext = {
    io: { stdout: quiet, stderr: quiet },
    signal: new AbortController().signal,
    setExitCode: () => {},
    argvIsEmpty: false,
    setup: (cmd) => cmd,
  };
  const p = new Command('neural-style');
  for (const command of COMMANDS) command.register(p, ctx);
  return p;
}

function commanderTable(options: readonly Option[]): string[] {
  const rows = ['| Option | Default | Meaning |', '|---|---|---|'];
  for (const o of options) {
    if (o.hidden) continue;
    // Choices are left to the help text: commander's list of backends is whatever the process
    // registered, and the page must not depend on it.
    const d = o.defaultValue === undefined ? '' : code(String(o.defaultValue));
    rows.push(`| ${code(o.flags)} | ${d} | ${cell(o.description)} |`);
  }
  return rows;
}

/** A command's description without its example line (examples live in the pages, runnable). */
const describe = (cmd: Command) => cell(cmd.description().split(/\nExample:/)[0]!);

function usage(cmd: Command, parents: string[] = []): string {
  const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`));
  return ['npx neural-style', ...parents, cmd.name(), ...args].join(' ');
}

export function optionsPage(): string {
  // The CLI registers Node's backends before anything reads the table (the backend choices).
  registerNodeBackends();
  const cli = cliOptionSpecs();
  const byKey = new Map(cli.map((s) => [s.key, s]));
  const video = videoOptionSpecs();
  const videoKeys = new Set(video.map((s) => s.key));
  const same = (a: OptionSpec, b: OptionSpec) =>
    a.help === b.help && JSON.stringify(a.kind) === JSON.stringify(b.kind) && JSON.stringify(a.default) === JSON.stringify(b.default);
  const videoOwn = video.filter((s) => !byKey.has(s.key) || !same(s, byKey.get(s.key)!));
  const notInVideo = cli.filter((s) => !videoKeys.has(s.key));
  const jobs = jobOptionSpecs();
  const commands = program();
  const sub = (name: string) => commands.commands.find((c) => c.name() === name)!;
  const submit = sub('submit');
  const jobKeys = new Set(jobs.map((s) => flagOf(s.key)));
  const submitOwn = submit.options.filter((o) => !jobKeys.has(o.long ?? ''));

  const lines = [
    '<!-- Generated by scripts/cli-docs.ts from the option records (src/options, src/cli/options.ts,',
    `     src/cli/video/options.ts, src/jobs/job-options.ts) and the commands (src/cli/commands). Do not edit:`,
    `     run \`${REGENERATE}\` (or \`npm run docs\`); test/docs/options-page.test.ts fails when this file is stale. -->`,
    '',
    '# Options',
    '',
    'Every option of every `neural-style` command, with its default and meaning. `npx neural-style --help`',
    '(and `npx neural-style COMMAND --help`) prints the same, grouped the same way. Lists are comma-separated;',
    'a flag that takes paths may also be repeated (a path that is an existing file is taken whole, commas and all);',
    'any other flag is given at most once.',
    '',
    '- [The stylize command](#the-stylize-command) (`npx neural-style -c PHOTO -s PAINTING [options]`)',
    '- [The video command](#the-video-command)',
    '- [Job options](#job-options-submit-and-the-http-api) (`submit` and the HTTP API)',
    '- [The other commands](#the-other-commands)',
    '',
    '## The stylize command',
    '',
    ...grouped(cli, '###'),
    '## The video command',
    '',
    `\`npx neural-style video\` takes the stylize command's options except ${notInVideo.map((s) => code(flagOf(s.key))).join(', ')}.`,
    'These are its own, or differ from the stylize command\'s:',
    '',
    ...flagTable(videoOwn),
    '',
    '## Job options (submit and the HTTP API)',
    '',
    'A queued job takes these options: `npx neural-style submit` as flags, the HTTP API as the keys of the',
    '`options` JSON object, and the job service names options by these keys in its answers and errors.',
    `Not options of a job: ${[...REFUSED_OPTIONS].map((k) => code(k)).join(', ')} (images travel with the job as`,
    'files; the rest are the worker\'s or the submitting machine\'s business).',
    '',
    ...jobTable(jobs),
    '',
    '`submit`\'s own flags:',
    '',
    ...commanderTable(submitOwn),
    '',
    '## The other commands',
    '',
  ];
  for (const name of ['models', 'fetch', 'serve', 'worker', 'jobs']) {
    const cmd = sub(name);
    lines.push(`### ${name}`, '', `\`${usage(cmd)}\`: ${describe(cmd)}`, '');
    if (cmd.options.length > 0) lines.push(...commanderTable(cmd.options), '');
    for (const child of cmd.commands) {
      lines.push(`\`${usage(child, [name])}\`: ${describe(child)}`, '');
      if (child.options.length > 0) lines.push(...commanderTable(child.options), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
