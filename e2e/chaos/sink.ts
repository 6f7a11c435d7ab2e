// The chaos suite's counting sink: a local HTTP server that stands for an external system with a side
// effect. Each job POSTs once to /effect/<job name>; the sink records every POST with the
// Idempotency-Key header it carried, and answers after a short delay so that a fault can land while
// the request is in flight. It records raw deliveries; the verdict applies them as a receiver that
// honours Idempotency-Key would (a repeated key is a redelivery of the same effect, not a new one).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Effect {
  job: string;
  /** The Idempotency-Key header, or '' when there was none. */
  key: string;
  at: number;
}

export interface CountingSink {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** host:port, for a RobotPool's spec.network.allow. */
  host: string;
  effects(): readonly Effect[];
  stop(): Promise<void>;
}

export async function startCountingSink(opts: { delayMs?: number } = {}): Promise<CountingSink> {
  const effects: Effect[] = [];
  const delayMs = opts.delayMs ?? 200;
  const server: Server = createServer((req, res) => {
    const m = /^\/effect\/([a-z0-9][a-z0-9.-]{0,252})$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"POST /effect/<job>"}');
      return;
    }
    // Recorded on arrival: a request whose answer never reaches the robot still happened.
    const key = req.headers['idempotency-key'];
    effects.push({ job: m[1]!, key: typeof key === 'string' ? key : '', at: Date.now() });
    req.resume();
    req.on('end', () => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
    });
  });
  // A request in flight when the suite ends must not keep the process alive.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    effects: () => effects,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
