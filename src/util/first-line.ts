/** An error's message up to its first line break: what a one-line notice quotes. */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
