/**
 * A message-handler table: one function per message type, the compiler checking that
 * every type has one, instead of a long switch. The page uses it for the worker's
 * messages (page-handlers.ts) and the worker for the page's (worker.ts).
 */

/** One handler per `type` of the union M, each given its own member of M. */
export type Handlers<M extends { type: string }> = { [T in M['type']]: (msg: Extract<M, { type: T }>) => void };

export function dispatch<M extends { type: string }>(handlers: Handlers<M>, msg: M): void {
  // The table's type ties each key to its member; indexing by a union value loses that
  // link, so the lookup is widened once, here.
  const handle = (handlers as unknown as Record<string, ((m: M) => void) | undefined>)[msg.type];
  if (!handle) throw new Error(`no handler for a '${msg.type}' message`);
  handle(msg);
}
