/**
 * "Every entry of a table has a test case", checked from what the cases do rather than
 * from what they say: `observe` reports which entries (rule names, loss-term names, …) a
 * case really exercises, and `uncovered` lists the entries of a table that no case
 * exercised. Adding an entry to the table without a case then fails the test that calls
 * `uncovered`.
 *
 *   const coverage = await coverageOf(cases, (c) => entriesUsedBy(c));
 *   expect(uncovered(Object.keys(TABLE), coverage)).toEqual([]);
 */

/** Entry → names of the cases that exercised it. */
export type Coverage = Map<string, string[]>;

export async function coverageOf<C extends { name: string }>(
  cases: readonly C[],
  observe: (c: C) => Iterable<string> | Promise<Iterable<string>>,
): Promise<Coverage> {
  const coverage: Coverage = new Map();
  for (const c of cases) {
    for (const entry of new Set(await observe(c))) {
      const list = coverage.get(entry) ?? [];
      list.push(c.name);
      coverage.set(entry, list);
    }
  }
  return coverage;
}

/** The entries of `required` that no case exercised, in the order given. */
export function uncovered(required: Iterable<string>, coverage: Coverage): string[] {
  return [...new Set(required)].filter((entry) => !coverage.has(entry));
}
