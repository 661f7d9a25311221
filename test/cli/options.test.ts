/**
 * The options table (src/cli/options.ts) is the one place flags live: its defaults are the
 * library's, --help shows every flag with its default, and --preset fills only what the
 * user did not give. docs/options.md is generated from the same records (test/docs/options-page.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPreset, cliOptionSpecs, flagOf, parseOptions, type CliOptions } from '../../src/cli/options.js';
import { DEFAULT_STYLIZE_OPTIONS, PRESETS, stylizeOptionSpec } from '../../src/options/index.js';
import { OptionError, UsageError } from '../../src/errors.js';
import { cli } from './helpers.js';

describe('the options table', () => {
  it("uses the library's defaults for every algorithm option", () => {
    const { options } = parseOptions({});
    for (const [key, value] of Object.entries(DEFAULT_STYLIZE_OPTIONS)) {
      // Video-only options (the temporal loss's) are the video command's, not this one's.
      if (key !== 'backend' && stylizeOptionSpec(key)?.scope !== 'video') expect(options[key as keyof CliOptions], key).toEqual(value);
    }
    expect(options.output).toBe('out.png');
    expect(options.printIter).toBe(50);
    expect(options.saveIter).toBe(100);
    expect(options.model).toBe('vgg19');
    expect(options.backend).toBe('auto'); // the library has no 'auto': the CLI resolves it
  });

  it('--help lists every flag with its default', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const spec of cliOptionSpecs()) {
      expect(help).toContain(flagOf(spec.key));
      if (spec.kind.type !== 'boolean' && spec.default !== undefined) {
        const d = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
        expect(help).toContain(`(default: ${d})`);
      }
    }
  });

  it("each command's description is paragraphs wrapped to the terminal, not lines broken by hand", async () => {
    for (const command of [[], ['video'], ['models'], ['serve'], ['worker'], ['submit'], ['jobs']]) {
      const help = (await cli([...command, '--help'])).stdout;
      const description = help.split('\n\n')[1]!;
      // commander wraps at 80 columns when not on a terminal; a line far shorter than that,
      // followed by a line that continues its sentence in lower case, was broken by hand.
      const lines = description.split('\n');
      lines.slice(0, -1).forEach((line, i) => {
        const next = lines[i + 1]!;
        if (/^[a-z]/.test(next)) expect(line.length + 1 + next.split(' ')[0]!.length, `${command.join(' ') || 'stylize'}: ${line}`).toBeGreaterThan(80);
      });
    }
  });

  it('--version prints the package version; no arguments print help and exit 2', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await cli(['--version'])).stdout.trim()).toBe(pkg.version);
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: neural-style/);
  });

  it('parses repeated and comma-separated styles, lists and numbers', () => {
    const { options, given } = parseOptions({ style: ['a.jpg,b.jpg', 'c.png'], styleLayers: 'relu1_1, relu2_1', tvWeight: '1e-4', normalizeGradients: true });
    expect(options.style).toEqual(['a.jpg', 'b.jpg', 'c.png']);
    expect(options.styleLayers).toEqual(['relu1_1', 'relu2_1']);
    expect(options.tvWeight).toBe(1e-4);
    expect(options.normalizeGradients).toBe(true);
    expect([...given].sort()).toEqual(['normalizeGradients', 'style', 'styleLayers', 'tvWeight']);
    expect(() => parseOptions({ seed: '-1' })).toThrow(UsageError);
    // The error names the option as data; the CLI renders it as a flag.
    const err = (() => {
      try {
        parseOptions({ imageSize: '1e3' });
      } catch (e) {
        return e as OptionError;
      }
    })();
    expect(err).toBeInstanceOf(OptionError);
    expect([err!.option, err!.value, err!.allowed]).toEqual(['imageSize', '1e3', 'a whole number ≥ 1']);
    expect(err!.render(flagOf)).toBe("--image-size must be a whole number ≥ 1, got '1e3'");
  });

  it('--preset fills what was not given, and only that', () => {
    const parsed = parseOptions({ preset: 'seed', optimizer: 'lbfgs' });
    applyPreset(parsed.options, parsed.given);
    const seed = PRESETS.seed!;
    expect(parsed.options.model).toBe(seed.model);
    expect(parsed.options.contentLayers).toEqual(seed.options.contentLayers);
    expect(parsed.options.pooling).toBe('avg');
    expect(parsed.options.optimizer).toBe('lbfgs'); // given explicitly
    // Options without a flag of their own before (noise std, keep best) are flags now too.
    expect(parsed.options.initNoiseStd).toBe(1);
    expect(parsed.options.keepBest).toBe(true);
  });
});
