/**
 * Whose a failed job's fault is, and what its client reads. The job's own mistake (its
 * options, its images, a run too large for the worker's memory, a numerical breakdown of
 * its settings) recurs on every worker: it fails at once. The worker's fault (weights it
 * cannot load, the process's own memory, a crash, Redis going away) may not recur on
 * another worker or a minute later: it is retried, as many times as the job's attempts.
 *
 * Either way the client reads one line, as message parts (each client names options its
 * own way, failure.ts), with none of the worker's paths: those, and the whole message,
 * are for the worker's log and its operator.
 */
import { InputError, NeuralStyleError, NumericalError, OutOfMemoryError, UsageError, type MessagePart } from '../errors.js';

/** Where in a job (worker.ts's steps) a failure happened. */
export type JobPhase = 'inputs' | 'preflight' | 'model' | 'compile' | 'run' | 'result';

export interface JobFailure {
  /** The job's own: fail it now, without retries. */
  permanent: boolean;
  parts: MessagePart[];
}

interface FailureRule {
  /** What failures the rule is for; the first rule that matches applies. */
  what: string;
  matches(err: unknown, phase: JobPhase): boolean;
  permanent: boolean;
  reason(err: unknown, at: { model: string; worker: string }): MessagePart[];
}

const RULES: FailureRule[] = [
  {
    what: "the weights: the worker's cache, disk or network (any error while loading them, usage errors of its cache settings too)",
    matches: (_, phase) => phase === 'model',
    permanent: false,
    reason: (err, at) => [`worker ${at.worker} could not load the weights of model '${at.model}'${codeOf(err) ? ` (${codeOf(err)})` : ''}`],
  },
  {
    what: "the process's own memory (an allocation refused); the pre-flight's refusal is the job's, below",
    matches: (err) => err instanceof RangeError && /allocation failed|invalid (typed )?array length|out of memory/i.test(err.message),
    permanent: false,
    reason: (_, at) => [`worker ${at.worker} ran out of memory`],
  },
  {
    what: "the job's own: its options and their combinations, its images, a run that cannot fit, a breakdown its settings cause",
    matches: (err) => err instanceof UsageError || err instanceof InputError || err instanceof OutOfMemoryError || err instanceof NumericalError,
    permanent: true,
    reason: (err) => [...(err as NeuralStyleError).parts],
  },
  {
    what: 'anything else: a crash, Redis going away',
    matches: () => true,
    permanent: false,
    reason: (err, at) => [`worker ${at.worker} failed: `, err instanceof NeuralStyleError ? err.parts : err instanceof Error ? err.message : String(err)].flat(),
  },
];

export function classifyFailure(err: unknown, phase: JobPhase, at: { model: string; worker: string }): JobFailure {
  const rule = RULES.find((r) => r.matches(err, phase))!;
  return { permanent: rule.permanent, parts: oneLine(rule.reason(err, at)) };
}

/** The first system error code along an error's causes (ECONNREFUSED, ENOSPC): the why, without the where. */
function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/** An absolute path (two or more segments, POSIX or Windows): the worker's disk, meaningless to a client. */
const PATH = /(?<![\w:/])(?:[A-Za-z]:)?(?:[\\/][\w.@+~-]+){2,}[\\/]?/g;

/**
 * The first paragraph of a message on one line (`jobs` lists one job a line), its paths
 * cut: the safety net for messages written for a local user (a crash's, the library's).
 */
export function oneLine(parts: readonly MessagePart[]): MessagePart[] {
  const out: MessagePart[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') {
      out.push(p);
      continue;
    }
    const cut = p.split(/\n\s*\n/)[0]!;
    out.push(cut.replace(PATH, '…').replace(/\s*\n\s*/g, '; '));
    // A message's first paragraph ends at its first blank line: the rest is detail.
    if (cut !== p) break;
  }
  return out;
}
