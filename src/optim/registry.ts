/**
 * The optimisers, as records in a table (record.ts): L-BFGS, Adam, RMSprop. A new one is a
 * file beside these and one entry here — or, from outside the package, one
 * `registerOptimizer` call; the `optimizer` option then offers it everywhere (CLI, library,
 * web form, job API) and its options join the options table.
 */
import { OptionError } from '../errors.js';
import { adamRecord } from './adam-record.js';
import { lbfgsRecord } from './lbfgs-record.js';
import type { OptimizerRecord } from './record.js';
import { rmspropRecord } from './rmsprop-record.js';

const BUILT_IN: readonly OptimizerRecord[] = [lbfgsRecord, adamRecord, rmspropRecord];
const RECORDS: OptimizerRecord[] = [...BUILT_IN];

/** Every registered optimiser, in the order the `optimizer` option lists them. */
export function optimizerRecords(): readonly OptimizerRecord[] {
  return RECORDS;
}

/** The record of an optimiser by its kind; OptionError (on `optimizer`) listing the registered kinds otherwise. */
export function optimizerRecord(kind: string): OptimizerRecord {
  const record = RECORDS.find((r) => r.kind === kind);
  if (!record) throw new OptionError('optimizer', kind, `one of ${RECORDS.map((r) => r.kind).join(', ')}`);
  return record;
}

/**
 * Add an optimiser for every run started after this call. Its kind must be new, and so
 * must its options' keys (the options table also refuses a key another option has).
 */
export function registerOptimizer(record: OptimizerRecord): void {
  if (RECORDS.some((r) => r.kind === record.kind)) throw new Error(`an optimizer of kind '${record.kind}' is already registered`);
  const keys = new Set(RECORDS.flatMap((r) => r.options.map((o) => o.key)));
  const dup = record.options.find((o) => keys.has(o.key));
  if (dup) throw new Error(`optimizer '${record.kind}': another optimizer already has an option named '${dup.key}'`);
  RECORDS.push(record);
}

/** Remove an optimiser added by `registerOptimizer` (tests clean up with it); built-ins stay. */
export function unregisterOptimizer(kind: string): void {
  const i = RECORDS.findIndex((r) => r.kind === kind);
  if (i >= 0 && !BUILT_IN.includes(RECORDS[i]!)) RECORDS.splice(i, 1);
}

/** The `optimizer` option's help, from the records: "lbfgs (…), adam (…) or rmsprop (…)." */
export function optimizerChoiceHelp(records: readonly OptimizerRecord[] = RECORDS): string {
  const each = records.map((r) => `${r.kind} (${r.help})`);
  return `${each.length > 1 ? `${each.slice(0, -1).join(', ')} or ${each.at(-1)}` : each.join('')}.`;
}
