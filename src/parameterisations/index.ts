/**
 * The parameterisations, by the `parameterization` option's value. A new one is a file
 * beside these and one entry here.
 */
import { msg, opt, OptionError } from '../errors.js';
import { pixels } from './pixels.js';
import { maxLevels, pyramid } from './pyramid.js';
import type { Parameterisation } from './types.js';

export type { Parameterisation } from './types.js';
export { parameterCount } from './types.js';
export { pixels } from './pixels.js';
export { levelSizes, maxLevels, pyramid, pyramidInputs } from './pyramid.js';
export { resizePlanes } from './bilinear.js';

type Options = { readonly [option: string]: unknown };

/**
 * A parameterisation for a run's options, at an image size when it is known: a pyramid
 * keeps at most the levels the size allows (the coarsest at least a pixel a side).
 */
type Maker = (o: Options, size?: { width: number; height: number }) => Parameterisation;

const MAKERS: Record<string, Maker> = {
  pixels: () => pixels,
  pyramid: (o, size) => {
    const wanted = (o.pyramidLevels as number | undefined) ?? DEFAULT_PYRAMID_LEVELS;
    return pyramid(size ? Math.min(wanted, maxLevels(size.width, size.height)) : wanted);
  },
};

/** NNST's and STROTSS's depth. */
export const DEFAULT_PYRAMID_LEVELS = 8;

export function parameterisationNames(): string[] {
  return Object.keys(MAKERS);
}

export function parameterisationFor(o: Options, size?: { width: number; height: number }): Parameterisation {
  const name = (o.parameterization as string | undefined) ?? 'pixels';
  const make = MAKERS[name];
  if (!make) {
    throw new OptionError('parameterization', name, `one of ${parameterisationNames().join(', ')}`, {
      problem: msg`${opt('parameterization')} must be one of ${parameterisationNames().join(', ')}, got '${name}'`,
    });
  }
  return make(o, size);
}
