// A Server-Sent Events client for tests: reads a real stream through fetch and finds frames in it.
import { expect } from '@jest/globals';

export interface Frame {
  id?: string;
  event?: string;
  data: string;
}

export interface EventStream {
  /** The first `event` frame whose data contain `needle`. */
  next(event: string, needle: string): Promise<Frame>;
  /** Everything the stream sent, once the server ended it. */
  ended(): Promise<string>;
  /** The frames received so far. */
  frames(): Frame[];
  /** Reads until `found` returns something. */
  until<T>(found: () => T | undefined): Promise<T>;
  close(): Promise<void>;
}

/** A real SSE client of an event stream (fetch, reading the body as it arrives), past its `: ready` line. */
export async function openEventStream(url: string, token: string, lastEventId?: string): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...(lastEventId !== undefined && { 'Last-Event-ID': lastEventId }) },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const frames = (): Frame[] =>
    text.split('\n\n').map((block) => {
      const f: Frame = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'id') f.id = value;
        else if (field === 'event') f.event = value;
        else if (field === 'data') f.data = value;
      }
      return f;
    });
  const readUntil = async <T>(found: () => T | undefined): Promise<T> => {
    for (let hit = found(); ; hit = found()) {
      if (hit !== undefined) return hit;
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`the stream ended; got:\n${text}`);
      text += Buffer.from(chunk.value).toString('utf8');
    }
  };
  await readUntil(() => (text.includes(': ready') ? true : undefined));
  return {
    /** The first `event` frame whose data contain `needle`. */
    next: (event, needle) => readUntil(() => frames().find((f) => f.event === event && f.data.includes(needle))),
    /** Everything the stream sent, once the server ended it. */
    async ended() {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return text;
        text += Buffer.from(chunk.value).toString('utf8');
      }
    },
    frames,
    until: readUntil,
    async close() {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
