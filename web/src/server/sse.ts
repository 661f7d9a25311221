/**
 * Server-sent events read from a fetch body. The page follows a job with a streaming
 * `fetch` rather than an EventSource because an EventSource cannot send the bearer token;
 * so it parses the stream itself, by the format's rules: blank-line-separated blocks of
 * `field: value` lines, `data` lines joined, comments (`:`) and `retry` ignored.
 */

export interface SseEvent {
  /** The `event:` field; `message` when the block has none. */
  event: string;
  data: string;
  /** The `id:` field, when the block has one. */
  id?: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let block: { event?: string; data: string[]; id?: string } = { data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      pending += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = pending.search(/\r\n|\n|\r/)) >= 0) {
        // A lone \r at the end may be half of a \r\n still on its way.
        if (pending[nl] === '\r' && nl === pending.length - 1) break;
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + (pending.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (block.data.length > 0) yield { event: block.event ?? 'message', data: block.data.join('\n'), ...(block.id !== undefined ? { id: block.id } : {}) };
          block = { data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') block.event = value;
        else if (field === 'data') block.data.push(value);
        else if (field === 'id') block.id = value;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
