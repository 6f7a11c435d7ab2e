// Live updates: the namespace's Server-Sent Events read with fetch (EventSource cannot send a bearer
// token). One stream per tab; it reconnects after `retry` with Last-Event-ID, as EventSource would.
import { nsUrl, type Session } from './api.js';

export interface LiveEvent {
  event: string;
  data: Record<string, unknown>;
}

type Listener = (e: LiveEvent) => void;

export class LiveStream {
  private readonly listeners = new Set<Listener>();
  private abort: AbortController | undefined;
  private lastId: string | undefined;
  private retryMs = 2000;
  private stopped = false;
  connected = false;
  onState: (connected: boolean) => void = () => undefined;

  constructor(private readonly session: Session) {}

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private setConnected(c: boolean) {
    this.connected = c;
    this.onState(c);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.once();
      } catch {
        // network gone or aborted: retry below
      }
      this.setConnected(false);
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.retryMs));
    }
  }

  private async once(): Promise<void> {
    this.abort = new AbortController();
    const res = await fetch(nsUrl(this.session, '/events'), {
      headers: { Authorization: `Bearer ${this.session.token}`, Accept: 'text/event-stream', ...(this.lastId && { 'Last-Event-ID': this.lastId }) },
      signal: this.abort.signal,
    });
    if (!res.ok || !res.body) {
      if (res.status === 401 || res.status === 403) this.retryMs = 30_000;
      return;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        this.frame(block);
      }
    }
  }

  private frame(block: string): void {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        if (line.startsWith(': ready')) this.setConnected(true);
        continue;
      }
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') this.lastId = value || undefined;
      else if (field === 'event') event = value;
      else if (field === 'data') data += value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (!data) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const l of this.listeners) l({ event, data: parsed });
  }
}
