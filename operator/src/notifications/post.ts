// One POST of a delivery: the SSRF guard at the moment of connecting (the host is resolved once, by the
// socket's own lookup, and every address checked: no second resolution a rebinding DNS could answer
// differently), a hard timeout, no redirects followed, and at most a short snippet of the answer kept.
import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf } from '../../../api/egress/decide.js';
import { decideTarget, decideUrl, type TargetPolicy } from './target.js';

/** Bytes of a refusing answer kept for last_error (a hint for the user; never the whole body). */
export const SNIPPET_BYTES = 200;

export class TargetRefusedError extends Error {
  override readonly name = 'TargetRefusedError';
}

export interface PostResult {
  /** The receiver's HTTP status; absent when it did not answer. */
  status?: number;
  /** Why no answer came, or a short note on a non-2xx answer (capped). */
  error?: string;
}

export type Resolver = (host: string) => Promise<LookupAddress[]>;
const systemResolver: Resolver = (host) => dns.lookup(host, { all: true, verbatim: true });

/** A socket lookup that refuses hosts resolving where the policy forbids. */
export function guardedLookup(url: URL, policy: TargetPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const d = decideTarget(url, found.map((a) => a.address), policy);
        if (!d.allow) return callback(new TargetRefusedError(`refused (${d.rule}): ${d.reason}`), '', 0);
        const fam = typeof options === 'object' ? options.family : undefined;
        const usable = fam === 4 || fam === 6 ? found.filter((a) => a.family === fam) : found;
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        const first = usable[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 0);
        callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

/** POSTs `body`; resolves with the status (or the error), never rejects. */
export function postDelivery(opts: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  policy: TargetPolicy;
  resolve?: Resolver;
}): Promise<PostResult> {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    return Promise.resolve({ error: 'the URL does not parse' });
  }
  const early = decideUrl(url, opts.policy);
  if (early && !early.allow) return Promise.resolve({ error: `refused (${early.rule}): ${early.reason}` });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (r: PostResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...opts.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body).toString() },
        signal: AbortSignal.timeout(opts.timeoutMs),
        // An IP literal never reaches lookup: decideUrl judged it above.
        ...(isIP(hostOf(url)) === 0 && { lookup: guardedLookup(url, opts.policy, opts.resolve) }),
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          res.resume();
          return finish({ status });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < SNIPPET_BYTES) chunks.push(c);
          size += c.length;
          if (size >= SNIPPET_BYTES) res.destroy();
        });
        const done = () => {
          const snippet = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
          finish({ status, error: `the receiver answered ${status}${snippet ? `: ${snippet}` : ''}` });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const message =
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `no answer within ${opts.timeoutMs} ms`
          : err instanceof TargetRefusedError
            ? err.message
            : `${err.code ?? err.name}: ${err.message}`;
      finish({ error: message.slice(0, 500) });
    });
    req.end(opts.body);
  });
}
