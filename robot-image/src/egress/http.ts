// The `http` step's client: every hop (the first request and each redirect) is checked by the egress
// guard, and the connection goes to an address that was checked (a custom `lookup`), so a second DNS
// answer (rebinding) cannot send it elsewhere. Redirects are followed here, never by the library.
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { EgressGuard } from './guard.js';

export interface GuardedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Default 10. */
  maxRedirects?: number;
  /** Larger answers fail the step. Default 10 MiB. */
  maxBytes?: number;
  /** Aborts the request (the attempt was stopped). */
  signal?: AbortSignal;
  /** Called before each hop is sent, after the egress check (credential scopes); a throw stops the request. */
  beforeHop?: (hop: RequestHop) => Promise<void>;
}

/** One request about to be sent: the first (index 0) or a redirect. */
export interface RequestHop {
  index: number;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Where the last hop went. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry the caller's authority: not sent on to another origin. */
const ORIGIN_BOUND = ['authorization', 'cookie', 'proxy-authorization'];

/** A `lookup` that answers with the checked address, whatever the resolver would say now. */
export function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (options?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as LookupFunction;
}

export async function guardedRequest(guard: EgressGuard, req: GuardedRequest): Promise<GuardedResponse> {
  const deadline = req.signal ? AbortSignal.any([AbortSignal.timeout(req.timeoutMs), req.signal]) : AbortSignal.timeout(req.timeoutMs);
  const maxRedirects = req.maxRedirects ?? 10;
  let { method, body } = req;
  let headers = { ...req.headers };
  let current = req.url;
  for (let hop = 0; ; hop++) {
    const { url, addresses } = await guard.check(current, 'http');
    await req.beforeHop?.({ index: hop, url, headers, body });
    const res = await send(url, addresses, { method, headers, body, signal: deadline, maxBytes: req.maxBytes ?? 10 * 1024 * 1024 });
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || location === undefined) return { ...res, url: url.href };
    if (hop >= maxRedirects) throw new Error(`${req.method} stopped after ${maxRedirects} redirects`);
    const next = new URL(location, url);
    if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !ORIGIN_BOUND.includes(k.toLowerCase())));
    // As browsers do: 303 always, and 301/302 after a POST, become a GET without a body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method.toUpperCase() === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length)$/i.test(k)));
    }
    current = next.href;
  }
}

function send(
  url: URL,
  addresses: string[],
  o: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal; maxBytes: number },
): Promise<Omit<GuardedResponse, 'url'>> {
  const address = addresses[0];
  if (address === undefined) return Promise.reject(new Error(`${url.hostname} did not resolve to any address`));
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = lib.request(
      url,
      {
        method: o.method,
        headers: { ...o.headers, ...(o.body !== undefined && { 'content-length': String(Buffer.byteLength(o.body)) }) },
        lookup: pinnedLookup(address),
        signal: o.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > o.maxBytes) {
            res.destroy(new Error(`the answer is larger than ${o.maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', (err) => reject(o.signal.aborted ? new Error(`${o.method} timed out`, { cause: err }) : err));
    if (o.body !== undefined) r.write(o.body);
    r.end();
  });
}
