/**
 * `backend: 'auto' | name` → the profile a run uses, probed: a named backend that does not
 * work here is an error saying why (never a quiet fall back to another); 'auto' takes the
 * available profile with the highest preference (a GPU before the CPU) and says why.
 */
import { msg, NeuralStyleError, opt, type MessagePart } from '../errors.js';
import type { OrtModule } from '../runtime/ort.js';
import { backendProfile, backendProfiles } from './registry.js';
import type { BackendProbe, BackendProfile } from './types.js';

export interface BackendChoice {
  profile: BackendProfile;
  probe: BackendProbe & { available: true };
  /** One line for people: what was chosen and why ("backend: cpu (auto: WebGPU unavailable: …)"). */
  reason: string;
}

export async function chooseBackend(ort: OrtModule, requested: string | undefined): Promise<BackendChoice> {
  if (requested !== undefined && requested !== 'auto') {
    const profile = backendProfile(requested);
    const probe = await profile.probe(ort);
    if (!probe.available) {
      const others = backendProfiles().filter((p) => p !== profile).map((p) => p.name);
      const parts: MessagePart[] = [
        ...msg`${opt('backend')} ${profile.name}: ${profile.label} is not available here (${probe.reason})`,
        ...(others.length ? msg`; use ${opt('backend')} ${others.includes('cpu') ? 'cpu' : others[0]!}` : []),
      ];
      throw new NeuralStyleError(parts);
    }
    return { profile, probe, reason: `backend: ${profile.name}${probe.detail ? ` (${probe.detail})` : ''}` };
  }
  const ranked = [...backendProfiles()].sort((a, b) => b.preference - a.preference);
  if (ranked.length === 0) backendProfile(undefined); // throws: nothing registered
  const skipped: string[] = [];
  for (const profile of ranked) {
    const probe = await profile.probe(ort);
    if (probe.available) {
      const why = skipped.length ? `auto: ${skipped.join('; ')}` : `auto${probe.detail ? `: ${probe.detail}` : ''}`;
      return { profile, probe, reason: `backend: ${profile.name} (${why})` };
    }
    skipped.push(`${profile.label} unavailable: ${probe.reason}`);
  }
  throw new NeuralStyleError(`no registered backend works here (${skipped.join('; ')})`);
}
