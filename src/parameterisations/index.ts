/**
 * The parameterisations, by the `parameterization` option's value. A new one is a file
 * beside these and one entry here.
 */
import { msg, opt, OptionError } from '../errors.js';
import { pixels } from './pixels.js';
import type { Parameterisation } from './types.js';

export type { Parameterisation } from './types.js';
export { parameterCount } from './types.js';
export { pixels } from './pixels.js';

/** A parameterisation for a run's options (a pyramid's depth is an option of its own). */
type Maker = (o: { readonly [option: string]: unknown }) => Parameterisation;

const MAKERS: Record<string, Maker> = {
  pixels: () => pixels,
};

export function parameterisationNames(): string[] {
  return Object.keys(MAKERS);
}

export function parameterisationFor(o: { readonly [option: string]: unknown }): Parameterisation {
  const name = (o.parameterization as string | undefined) ?? 'pixels';
  const make = MAKERS[name];
  if (!make) {
    throw new OptionError('parameterization', name, `one of ${parameterisationNames().join(', ')}`, {
      problem: msg`${opt('parameterization')} must be one of ${parameterisationNames().join(', ')}, got '${name}'`,
    });
  }
  return make(o);
}
