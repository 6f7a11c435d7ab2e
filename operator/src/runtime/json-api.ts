// A lean JSON client for the operator's per-job writes (status patches, Events). The generated client's
// pipeline (ObjectSerializer, its promise middleware, node-fetch and its Headers) cost about twice the CPU
// of the request itself, measured on the test API server; here a request is one https.request on the
// KubeConfig's own agent, TLS material and auth headers (applyToHTTPSOptions, which client-node redoes
// for every request; here at most once a second, so rotated tokens, certificates and exec credentials
// are still picked up within a second). Errors carry `code` like client-node's ApiException, so
// api-errors.ts reads both.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** The generated client's (node-fetch's) User-Agent: the API server files our fields under the same manager. */
const USER_AGENT = 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)';

export const MERGE_PATCH = 'application/merge-patch+json';

/** How long the TLS material, agent and auth headers of the KubeConfig are reused. */
const OPTIONS_TTL_MS = 1000;

export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly code: number,
    /** The API server's Status object (or the raw text when it is not JSON). */
    readonly body: unknown,
    method: string,
    path: string,
  ) {
    const message =
      typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : String(body);
    super(`${method} ${path}: HTTP ${code}: ${message}`);
  }
}

export class JsonApi {
  private base: { server: string; url: URL; prefix: string } | undefined;
  private options: { at: number; value: Promise<https.RequestOptions> } | undefined;

  constructor(private readonly kc: KubeConfig) {}

  /**
   * Sends `body` as JSON and returns the parsed response; rejects with ApiRequestError on a non-2xx status,
   * and with an AbortError when `signal` aborts first (e.g. the reconcile's, on lease loss): a request
   * not yet sent is never sent.
   */
  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    contentType = 'application/json',
    signal?: AbortSignal,
  ): Promise<T> {
    signal?.throwIfAborted();
    const opts = await this.requestOptions();
    signal?.throwIfAborted();
    const { url, prefix } = this.server();
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {
      ...(opts.headers as http.OutgoingHttpHeaders | undefined),
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
    };
    if (data !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(data);
    }
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        {
          ...opts,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          method,
          path: prefix + path,
          headers,
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let parsed: unknown = text;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text (an error page, say)
            }
            if (status >= 200 && status < 300) resolve(parsed as T);
            else reject(new ApiRequestError(status, parsed, method, path));
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  private requestOptions(): Promise<https.RequestOptions> {
    const now = Date.now();
    if (this.options === undefined || now - this.options.at >= OPTIONS_TTL_MS) {
      const value = (async () => {
        const opts: https.RequestOptions = {};
        await this.kc.applyToHTTPSOptions(opts);
        return opts;
      })();
      this.options = { at: now, value };
      // A failure (an exec plugin that failed, say) is not kept: the next request tries again.
      value.catch(() => {
        if (this.options?.value === value) this.options = undefined;
      });
    }
    return this.options.value;
  }

  private server(): { url: URL; prefix: string } {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    if (this.base?.server !== server) {
      const url = new URL(server);
      // A server URL may carry a path (e.g. behind a proxy); API paths go below it.
      this.base = { server, url, prefix: url.pathname.replace(/\/+$/, '') };
    }
    return this.base;
  }
}
