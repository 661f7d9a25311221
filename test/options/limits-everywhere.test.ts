/**
 * One table, one set of limits: for every option the web form shows, the CLI, the
 * library and the form accept and refuse exactly the same values, with the same
 * structured error (option, allowed), each naming the option its own way. The values
 * tried are derived from each option's record (its bounds and their neighbours), so a
 * limit changed in the table is tried everywhere at once.
 */
import { describe, expect, it } from 'vitest';
import { flagOf } from '../../src/cli/options.js';
import { parseFlags } from '../../src/cli/plan/flags.js';
import { OptionError } from '../../src/errors.js';
import { optionText, resolveOptions, stylizeOptionSpec, type OptionSpec } from '../../src/options/index.js';
import { FORM_OPTIONS, labelOf, readSettings, startValues } from '../../web/src/settings.js';

/** Values at and around an option's limits, as text and as the typed value the library takes. */
function probes(spec: OptionSpec): Array<{ text: string; value: unknown }> {
  const k = spec.kind;
  const n = (v: number) => ({ text: String(v), value: v });
  switch (k.type) {
    case 'int':
      return [n(k.min), n(k.min - 1), n(k.min + 1), ...(k.max !== undefined ? [n(k.max), n(k.max + 1)] : [n(10 ** 6)]), n(k.min + 0.5)];
    case 'number':
      return [n(k.min), n(k.min - 1e-9), n(k.min + 1e-9), n(k.min + 1), ...(k.max !== undefined ? [n(k.max), n(k.max + 1e-9)] : [n(1e12)])];
    case 'choice':
      return [...k.choices.map((c) => ({ text: c, value: c })), { text: 'nonsense', value: 'nonsense' }];
    case 'boolean':
      return [{ text: 'true', value: true }, { text: 'false', value: false }];
    default:
      return [{ text: optionText(spec.default), value: spec.default }];
  }
}

type Outcome = { ok: true } | { ok: false; option: string; allowed: string; rendered: string };

function outcome(f: () => unknown, name: (key: string) => string): Outcome {
  try {
    f();
    return { ok: true };
  } catch (e) {
    if (!(e instanceof OptionError)) throw e;
    return { ok: false, option: e.option, allowed: e.allowed, rendered: e.render(name) };
  }
}

/** What a caller sees, without the front end's own naming. */
const plain = (o: Outcome) => (o.ok ? o : { ok: false, option: o.option, allowed: o.allowed });

describe('the CLI, the library and the web form share every limit', () => {
  for (const key of FORM_OPTIONS) {
    const spec = stylizeOptionSpec(key)!;
    // learningRate is read by the form (and used by the library) only with Adam.
    const context = key === 'learningRate' ? { optimizer: 'adam' } : {};
    for (const { text, value } of probes(spec)) {
      it(`${key} = ${text}`, () => {
        const library = outcome(() => resolveOptions({ ...context, [key]: value } as never), (k) => k);
        const cli = outcome(
          () => parseFlags({ content: 'photo.jpg', style: ['painting.jpg'], ...(key === 'learningRate' ? { optimizer: 'adam' } : {}), [key]: spec.kind.type === 'boolean' ? value || undefined : text }),
          flagOf,
        );
        const web = outcome(() => readSettings({ ...startValues(), ...context, [key]: spec.kind.type === 'boolean' ? (value as boolean) : text }), labelOf);
        if (spec.kind.type === 'boolean' && value === false) {
          // A switch that is off is not given on a command line: nothing to refuse anywhere.
          expect([library.ok, cli.ok, web.ok]).toEqual([true, true, true]);
          return;
        }
        expect(plain(cli)).toEqual(plain(library));
        expect(plain(web)).toEqual(plain(library));
        if (!library.ok && !cli.ok && !web.ok) {
          expect(cli.rendered.startsWith(flagOf(key))).toBe(true);
          expect(web.rendered.startsWith(spec.label)).toBe(true);
          expect(web.rendered).not.toMatch(/--[a-z]/);
        }
      });
    }
  }

  it('tries both sides of every numeric limit (the probes are not all accepted or all refused)', () => {
    for (const key of FORM_OPTIONS) {
      const spec = stylizeOptionSpec(key)!;
      if (spec.kind.type !== 'int' && spec.kind.type !== 'number') continue;
      const results = probes(spec).map((p) => outcome(() => resolveOptions({ optimizer: 'adam', [key]: p.value } as never), (k) => k).ok);
      expect(results, key).toContain(true);
      expect(results, key).toContain(false);
    }
  });
});
