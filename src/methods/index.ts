/**
 * The methods, by the `method` option's value (types.ts). A new one is a file or folder
 * beside these and one entry here — or, from outside the package, one `registerMethod` call.
 */
import { msg, opt, OptionError } from '../errors.js';
import { gatys } from './gatys.js';
import { nnst } from './nnst/index.js';
import { strotss } from './strotss/index.js';
import type { Method } from './types.js';

export type { Method, MethodMemoryQuery } from './types.js';
export type { MethodContext, MethodStageOverrides } from './context.js';

const BUILT_IN: readonly Method[] = [gatys, nnst, strotss];
const METHODS: Method[] = [...BUILT_IN];

export function methods(): readonly Method[] {
  return METHODS;
}

export function methodNames(): string[] {
  return METHODS.map((m) => m.name);
}

export function registerMethod(method: Method): void {
  if (METHODS.some((m) => m.name === method.name)) throw new Error(`a method named '${method.name}' is already registered`);
  METHODS.push(method);
}

export function unregisterMethod(name: string): void {
  const i = METHODS.findIndex((m) => m.name === name);
  if (i >= 0 && !BUILT_IN.includes(METHODS[i]!)) METHODS.splice(i, 1);
}

/** The method a run's `method` option names (gatys when unset). */
export function methodOf(o: { readonly method?: unknown }): Method {
  const name = (o.method as string | undefined) ?? 'gatys';
  const found = METHODS.find((m) => m.name === name);
  if (!found) {
    throw new OptionError('method', name, `one of ${methodNames().join(', ')}`, { problem: msg`${opt('method')} must be one of ${methodNames().join(', ')}, got '${name}'` });
  }
  return found;
}
