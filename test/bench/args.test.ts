import { describe, expect, it } from 'vitest';
import { ArgsError, custom, flag, helpText, int, ints, num, oneOf, parseFlags, repeated, str } from '../../bench/args.js';

const command = {
  usage: 'npx tsx bench/x.ts [options]',
  flags: {
    size: int(256, 'image side'),
    sizes: ints([128, 256], 'image sides'),
    'budget-gib': num(8, 'budget'),
    optimizer: oneOf(['adam', 'lbfgs'], 'adam', 'optimiser'),
    variant: str('defaults', 'variant'),
    tile: int(undefined, 'tile side'),
    json: flag('JSON'),
    baseline: repeated('another app', '[NAME=]DIR'),
    backends: custom('auto', 'backends', 'auto|LIST', (raw): string[] | 'auto' => (raw === 'auto' ? 'auto' : raw.split(','))),
  },
};

/** The ArgsError message parseFlags throws for these words. */
function failure(argv: string[], cmd: Parameters<typeof parseFlags>[1] = command): string {
  try {
    parseFlags(argv, cmd);
  } catch (e) {
    expect(e).toBeInstanceOf(ArgsError);
    return (e as Error).message;
  }
  throw new Error(`parsed: ${argv.join(' ')}`);
}

describe('bench flags (bench/args.ts)', () => {
  it('gives every default when no flag is given, typed', () => {
    const { values, help } = parseFlags([], command);
    expect(help).toBe(false);
    expect(values).toEqual({ size: 256, sizes: [128, 256], 'budget-gib': 8, optimizer: 'adam', variant: 'defaults', tile: undefined, json: false, baseline: [], backends: 'auto' });
  });

  it('reads each kind of flag, both spellings of a value, and repeats', () => {
    const { values } = parseFlags(
      ['--size', '64', '--sizes=32,64', '--budget-gib', '0.5', '--optimizer', 'lbfgs', '--json', '--baseline', 'main=/a', '--baseline', '/b', '--backends', 'cpu,wasm', '--tile', '0'],
      command,
    );
    expect(values).toMatchObject({ size: 64, sizes: [32, 64], 'budget-gib': 0.5, optimizer: 'lbfgs', json: true, baseline: ['main=/a', '/b'], backends: ['cpu', 'wasm'], tile: 0 });
  });

  it('names the flag of a misspelling, with the nearest one', () => {
    expect(failure(['--szie', '512'])).toBe('unknown option --szie (did you mean --size?)');
    expect(failure(['--frobnicate'])).toBe('unknown option --frobnicate');
  });

  it('names the flag of a value that is not a number, or not a whole one', () => {
    expect(failure(['--size', 'big'])).toBe("--size wants a number, not 'big'");
    expect(failure(['--size', '1.5'])).toBe("--size wants a whole number ≥ 0, not '1.5'");
    expect(failure(['--sizes', '256,,512'])).toBe("--sizes wants a number, not ''");
    expect(failure(['--budget-gib', ''])).toBe("--budget-gib wants a number, not ''");
    expect(failure(['--optimizer', 'sgd'])).toBe("--optimizer must be one of adam, lbfgs, not 'sgd'");
  });

  it('says in one line what is wrong with a missing value, a switch given one, or a stray word', () => {
    expect(failure(['--size'])).toBe('--size needs a value');
    expect(failure(['--size', '-3'])).toMatch(/^--size needs a value \(one starting with '-' is written --size=-N\)$/);
    expect(failure(['--json=yes'])).toBe('--json is a switch: it takes no value');
    expect(failure(['512'])).toBe("unexpected word '512': this bench takes flags only");
  });

  it('takes positional words only where the bench says it does', () => {
    const withNames = { ...command, positionals: { 'VARIANT…': 'variants' } };
    expect(parseFlags(['--size', '64', 'defaults', 'original'], withNames).positionals).toEqual(['defaults', 'original']);
  });

  it('answers --help and -h before converting anything', () => {
    expect(parseFlags(['--size', 'big', '--help'], command).help).toBe(true);
    expect(parseFlags(['-h'], command).help).toBe(true);
  });

  it('lists every flag with its placeholder and default in --help', () => {
    const text = helpText(command);
    expect(text.split('\n')[0]).toBe('usage: npx tsx bench/x.ts [options]');
    expect(text).toMatch(/^ {2}--size N +image side \(default 256\)$/m);
    expect(text).toMatch(/^ {2}--sizes N,N +image sides \(default 128,256\)$/m);
    expect(text).toMatch(/^ {2}--optimizer adam\|lbfgs +optimiser \(default adam\)$/m);
    expect(text).toMatch(/^ {2}--tile N +tile side$/m);
    expect(text).toMatch(/^ {2}--json +JSON$/m);
    expect(text).toMatch(/^ {2}-h, --help +print this and exit$/m);
  });
});
