/**
 * Every bench's command line, through `node:util`'s parseArgs in strict mode: a misspelt
 * flag, a missing value or a word where a number belongs stops the bench with one line
 * naming the flag, before it builds a session or spawns a worker (a typo that was silently
 * ignored used to cost a whole run at the defaults). Each bench declares its flags as a
 * table of the builders below — name, type, default, help — and `--help` prints that table.
 *
 *   const { values } = readArgs({ usage: 'npx tsx bench/x.ts [options]', flags: { size: int(256, 'image side') } });
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

/** A bad command line: the message names the flag (and what it wanted). */
export class ArgsError extends Error {
  override name = 'ArgsError';
}

/** A flag's value as parseArgs gives it: a string, `true`, a list for a repeated flag, or undefined when absent. */
type Raw = string | boolean | (string | boolean)[] | undefined;

/** One flag: how parseArgs reads it, how its raw value becomes the bench's value, and its help line. */
export interface Flag<T> {
  /** parseArgs's type: values arrive as strings (or `true`) and `convert` types them. */
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** The placeholder --help shows after the flag (N, N,N, adam|lbfgs); none for a switch. */
  readonly value?: string;
  readonly help: string;
  /** The default as --help shows it; undefined when there is none. */
  readonly shown?: string;
  /** The raw value (undefined when the flag is absent) as the bench's type; throws ArgsError. */
  convert(raw: Raw, flag: string): T;
}

export type Flags = Record<string, Flag<unknown>>;
export type Values<F extends Flags> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

/** A finite number, else an error naming the flag. */
export function toNumber(raw: string, flag: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new ArgsError(`${flag} wants a number, not '${raw}'`);
  return n;
}

/** A whole number ≥ 0 (sizes, counts, threads), else an error naming the flag. */
export function toCount(raw: string, flag: string): number {
  const n = toNumber(raw, flag);
  if (!Number.isInteger(n) || n < 0) throw new ArgsError(`${flag} wants a whole number ≥ 0, not '${raw}'`);
  return n;
}

/** A flag whose value is one string, converted by the bench's own function (or its default when absent). */
export function custom<T, D extends T | undefined>(dflt: D, help: string, value: string, convert: (raw: string, flag: string) => T, shown?: string): Flag<T | D> {
  return {
    type: 'string',
    value,
    help,
    shown: shown ?? (dflt === undefined ? undefined : String(dflt)),
    convert: (raw, flag) => (raw === undefined ? dflt : convert(raw as string, flag)),
  };
}

/** A whole number ≥ 0; `undefined` as the default makes it optional. */
export const int = <D extends number | undefined>(dflt: D, help: string) => custom(dflt, help, 'N', toCount);
/** Any finite number (fractions allowed). */
export const num = <D extends number | undefined>(dflt: D, help: string) => custom(dflt, help, 'X', toNumber);
/** A free string. */
export const str = <D extends string | undefined>(dflt: D, help: string, value = 'NAME') => custom(dflt, help, value, (raw) => raw);

/** Comma-separated whole numbers: `--sizes 256,512`. */
export function ints(dflt: number[], help: string): Flag<number[]> {
  const convert = (raw: string, flag: string) => raw.split(',').map((part) => toCount(part, flag));
  return custom(dflt, help, 'N,N', convert, dflt.join(','));
}

/** One of a fixed set of words; anything else is an error listing them. */
export function oneOf<const C extends string, D extends C | undefined>(choices: readonly C[], dflt: D, help: string): Flag<C | D> {
  const convert = (raw: string, flag: string): C => {
    if (!(choices as readonly string[]).includes(raw)) throw new ArgsError(`${flag} must be one of ${choices.join(', ')}, not '${raw}'`);
    return raw as C;
  };
  return custom(dflt, help, choices.join('|'), convert);
}

/** A switch: present or not. */
export function flag(help: string): Flag<boolean> {
  return { type: 'boolean', help, convert: (raw) => raw === true };
}

/** A string flag that may be given several times, each value kept in order. */
export function repeated(help: string, value: string): Flag<string[]> {
  return { type: 'string', multiple: true, value, help, convert: (raw) => (raw as string[] | undefined) ?? [] };
}

export interface Command<F extends Flags> {
  /** The first line of --help: how the bench is run. */
  usage: string;
  flags: F;
  /** The positional words, name → help, for --help; absent when the bench takes none (then one is an error). */
  positionals?: Record<string, string>;
}

/** --help's text: the usage line, then one line per flag with its placeholder, help and default. */
export function helpText<F extends Flags>(command: Command<F>): string {
  const rows: [string, string][] = Object.entries(command.positionals ?? {});
  for (const [name, f] of Object.entries(command.flags)) {
    rows.push([
      `--${name}${f.value ? ` ${f.value}` : ''}`,
      `${f.help}${f.shown !== undefined && f.shown !== '' ? ` (default ${f.shown})` : ''}`,
    ]);
  }
  rows.push(['-h, --help', 'print this and exit']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
  return [`usage: ${command.usage}`, ...lines].join('\n');
}

/** Edits between two words (insert, delete, replace, swap two neighbours: `szie` is one from `size`). */
function edits(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest flag name within two edits of a misspelt one, for "did you mean". */
function nearest(word: string, names: string[]): string | undefined {
  const [best] = names.map((n) => [n, edits(word, n)] as const).sort((x, y) => x[1] - y[1]);
  return best && best[1] <= 2 ? best[0] : undefined;
}

/** parseArgs's error as one line of ours, naming the flag (its own messages run to three lines). */
function oneLine(err: Error & { code?: string }, names: string[]): string {
  const quoted = /'([^' ]+)/.exec(err.message)?.[1] ?? '?';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const guess = nearest(quoted.replace(/^-+/, '').replace(/=.*/, ''), names);
    return `unknown option ${quoted}${guess ? ` (did you mean --${guess}?)` : ''}`;
  }
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected word '${quoted}': this bench takes flags only`;
  // A value that starts with a dash reads as the next flag: `--jobs -3`.
  if (/ambiguous/.test(err.message)) return `${quoted} needs a value (one starting with '-' is written ${quoted}=-N)`;
  if (/argument missing/.test(err.message)) return `${quoted} needs a value`;
  if (/does not take an argument/.test(err.message)) return `${quoted} is a switch: it takes no value`;
  return err.message.split('\n')[0]!;
}

/**
 * The command line's flags as typed values and its positional words; `help: true` when
 * --help or -h was given (nothing converted then). Throws ArgsError for anything wrong.
 */
export function parseFlags<F extends Flags>(argv: readonly string[], command: Command<F>): { help: boolean; values: Values<F>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, f] of Object.entries(command.flags)) options[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: command.positionals !== undefined });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (!e.code?.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new ArgsError(oneLine(e, Object.keys(command.flags)));
  }
  const help = parsed.values['help'] === true;
  const values = {} as Record<string, unknown>;
  if (!help) for (const [name, f] of Object.entries(command.flags)) values[name] = f.convert(parsed.values[name], `--${name}`);
  return { help, values: values as Values<F>, positionals: parsed.positionals };
}

/**
 * For a bench's top level: `parseFlags` on this process's arguments; --help prints the
 * flags and exits 0, a bad command line prints one line and exits 2. `finish` turns the
 * values (and positional words) into the bench's options, applying its own rules (a
 * variant that exists, iterations above the warm-up); an ArgsError it throws is reported
 * the same way. Without it, the values and positionals themselves.
 */
export function readArgs<F extends Flags>(command: Command<F>): { values: Values<F>; positionals: string[] };
export function readArgs<F extends Flags, R>(command: Command<F>, finish: (values: Values<F>, positionals: string[]) => R): R;
export function readArgs<F extends Flags, R>(command: Command<F>, finish?: (values: Values<F>, positionals: string[]) => R) {
  const script = basename(process.argv[1] ?? 'bench');
  try {
    const r = parseFlags(process.argv.slice(2), command);
    if (r.help) {
      console.log(helpText(command));
      process.exit(0);
    }
    return finish ? finish(r.values, r.positionals) : { values: r.values, positionals: r.positionals };
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err;
    console.error(`${script}: ${err.message}; --help lists the flags`);
    process.exit(2);
  }
}
