/**
 * The options table (src/cli/options.ts) is the one place flags live: its defaults are the
 * library's, --help shows every flag with its default, README.md embeds the same table,
 * and --preset fills only what the user did not give.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPreset, longFlag, OPTIONS, optionsMarkdown, parseOptions, type CliOptions } from '../../src/cli/options.js';
import { DEFAULT_STYLIZE_OPTIONS, PRESETS } from '../../src/stylize/options.js';
import { UsageError } from '../../src/errors.js';
import { cli } from './helpers.js';

describe('the options table', () => {
  it("uses the library's defaults for every algorithm option", () => {
    const { options } = parseOptions({});
    for (const [key, value] of Object.entries(DEFAULT_STYLIZE_OPTIONS)) {
      if (key in OPTIONS && key !== 'backend') expect(options[key as keyof CliOptions], key).toEqual(value);
    }
    expect(options.output).toBe('out.png');
    expect(options.printIter).toBe(50);
    expect(options.saveIter).toBe(100);
    expect(options.model).toBe('vgg19');
    expect(options.backend).toBe('auto'); // the library has no 'auto': the CLI resolves it
  });

  it('is what README.md shows (regenerate with `npx tsx scripts/cli-docs.ts`)', () => {
    const docs = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(docs).toContain(optionsMarkdown());
  });

  it('--help lists every flag with its default', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const [key, spec] of Object.entries(OPTIONS)) {
      expect(help).toContain(longFlag(key as keyof CliOptions));
      if (spec.parse && spec.default !== undefined) {
        const d = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
        expect(help).toContain(`(default: ${d})`);
      }
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
    expect(() => parseOptions({ imageSize: '1e3' })).toThrow(/--image-size must be a whole number ≥ 1, got '1e3'/);
  });

  it('--preset fills what was not given, and only that', () => {
    const parsed = parseOptions({ preset: 'seed', optimizer: 'lbfgs' });
    const extra = applyPreset(parsed.options, parsed.given);
    const seed = PRESETS.seed!;
    expect(parsed.options.model).toBe(seed.model);
    expect(parsed.options.contentLayers).toEqual(seed.options.contentLayers);
    expect(parsed.options.pooling).toBe('avg');
    expect(parsed.options.optimizer).toBe('lbfgs'); // given explicitly
    expect(extra).toEqual({ initNoiseStd: 1, keepBest: true });
  });
});
