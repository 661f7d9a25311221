/**
 * The registered backends: one list, filled by the platform entry (src/node.ts registers
 * cpu and webgpu, src/browser.ts wasm and webgpu) or by a library caller with a profile
 * of its own. A name that is not registered is an OptionError listing those that are —
 * never a silent fallback to another backend's choices.
 */
import { msg, opt, OptionError } from '../errors.js';
import type { BackendProfile } from './types.js';

const PROFILES: BackendProfile[] = [];

/**
 * Add a backend. A name that is taken is an error, unless it is the very same record (a
 * platform entry imported twice) or `ifAbsent` says the caller defers to whoever came
 * first (a platform entry loaded where another platform's already registered theirs).
 */
export function registerBackend(profile: BackendProfile, options: { ifAbsent?: boolean } = {}): void {
  const at = PROFILES.findIndex((p) => p.name === profile.name);
  if (at >= 0) {
    if (PROFILES[at] === profile || options.ifAbsent) return;
    throw new Error(`a backend named '${profile.name}' is already registered`);
  }
  if (profile.name === 'auto') throw new Error("'auto' is not a backend name: it asks for the best registered one");
  PROFILES.push(profile);
}

/** Remove a registered backend (tests clean up with it). */
export function unregisterBackend(name: string): void {
  const at = PROFILES.findIndex((p) => p.name === name);
  if (at >= 0) PROFILES.splice(at, 1);
}

/** Every registered backend, in registration order. */
export function backendProfiles(): readonly BackendProfile[] {
  return PROFILES;
}

export function backendNames(): string[] {
  return PROFILES.map((p) => p.name);
}

/**
 * The profile a run's `backend` option names; 'auto' (or none) without probing is the
 * first registered one (Node: cpu; browsers: wasm) — `chooseBackend` probes instead.
 */
export function backendProfile(name: string | undefined): BackendProfile {
  if (PROFILES.length === 0) {
    throw new OptionError('backend', name, 'a registered backend', {
      problem: msg`no backend is registered: import 'neural-style/node' in Node or 'neural-style/browser' in a browser (they register their backends), or register one with registerBackend`,
    });
  }
  if (name === undefined || name === 'auto') return PROFILES[0]!;
  const found = PROFILES.find((p) => p.name === name);
  if (!found) {
    throw new OptionError('backend', name, `one of auto, ${backendNames().join(', ')}`, {
      problem: [...msg`${opt('backend')} must be one of auto, ${backendNames().join(', ')} (the backends registered here), got '${name}'`],
    });
  }
  return found;
}
