/**
 * The core speaks options, not flags: no `--flag` text in the strings of the algorithm's
 * folders (the CLI renders option references as flags, the web app as labels), and the
 * option references it makes render both ways.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagOf } from '../../src/cli/options.js';
import { msg, opt, OptionError, UsageError } from '../../src/errors.js';
import { stylizeOptionSpec } from '../../src/options/index.js';

const SRC = new URL('../../src/', import.meta.url).pathname;
/** Every folder but the command line's: the library, the job service, the servers, the platform files. */
const CORE = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'cli').map((e) => e.name);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The code without its comments (line comments and JSDoc/block comments). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('the core speaks options, not flags', () => {
  it('covers every folder of src/ but the command line’s', () => {
    expect(CORE).toContain('jobs');
    expect(CORE).toContain('models');
    expect(CORE).not.toContain('cli');
  });

  for (const folder of CORE) {
    it(`src/${folder} has no --flag text in its strings`, () => {
      for (const file of sources(join(SRC, folder))) {
        const hits = code(readFileSync(file, 'utf8')).match(/['"`][^'"`\n]*--[a-z][a-z-]*[^'"`\n]*['"`]/g) ?? [];
        expect(hits, file).toEqual([]);
      }
    });
  }

  it('an option reference renders as the CLI flag or the form label', () => {
    const e = new UsageError(msg`${opt('imageSize')} 8 is too small: raise ${opt('imageSize')}`);
    expect(e.message).toBe('imageSize 8 is too small: raise imageSize');
    expect(e.render(flagOf)).toBe('--image-size 8 is too small: raise --image-size');
    expect(e.render((k) => stylizeOptionSpec(k)!.label)).toBe('Size 8 is too small: raise Size');
    const bad = new OptionError('tvWeight', -1, 'a number ≥ 0');
    expect([bad.option, bad.value, bad.allowed, bad.exitCode]).toEqual(['tvWeight', -1, 'a number ≥ 0', 2]);
    expect(bad.render(flagOf)).toBe('--tv-weight must be a number ≥ 0, got -1');
  });
});
