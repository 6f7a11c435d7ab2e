// Test support: an HTTP server on 127.0.0.1 that records every request it gets (method, URL, headers,
// body) — an attacker's collector, or an allowed site. `/form` is a page with a "Token" field whose
// script sends whatever is typed back to the server (as a page of the attacker's would); `/bounce?to=`
// answers 307 to another URL (a redirect that keeps method, body and custom headers).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RecordingServer {
  origin: string;
  requests: RecordedRequest[];
  /** Whether any request carried the value in any common form (raw, URL-, base64-, hex-, JSON-encoded, any case). */
  received(value: string): boolean;
  stop(): Promise<void>;
}

const FORM = `<!doctype html><html><body>
<form onsubmit="return false"><label>Token <input id="token" name="token"></label></form>
<script>
  const t = document.getElementById('token');
  const send = () => { fetch('/collect', { method: 'POST', body: t.value }).catch(() => {}); new Image().src = '/pixel?v=' + encodeURIComponent(t.value); };
  t.addEventListener('input', send); t.addEventListener('change', send);
</script></body></html>`;

export function encodings(value: string): string[] {
  const b = Buffer.from(value, 'utf8');
  const forms = [value, encodeURIComponent(value), b.toString('base64'), b.toString('base64url'), b.toString('hex'), JSON.stringify(value).slice(1, -1)];
  return [...new Set(forms.flatMap((f) => [f, f.toLowerCase()]))];
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body: Buffer.concat(chunks).toString('utf8') });
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/form') return res.writeHead(200, { 'content-type': 'text/html' }).end(FORM);
      if (u.pathname === '/bounce') return res.writeHead(307, { location: u.searchParams.get('to') ?? '/' }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    received(value) {
      const text = requests.map((r) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n').toLowerCase();
      return encodings(value).some((f) => text.includes(f.toLowerCase()));
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
