// The web console of one local run (`aether run --ui`): the API server's own app (routes, handlers,
// console files) over local mode's stand-ins, Kubernetes answered from the run's files and PostgreSQL
// (console-local-kube.ts) and sign-in with a one-time key (console-local-auth.ts). It listens on
// 127.0.0.1 only and answers only requests addressed to that host and port from its own origin, so
// another website (or a DNS name rebound to 127.0.0.1) cannot use it.
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../api/log.js';
import { buildApp, HttpError } from './app.js';
import { AuthError, bearerToken } from './auth.js';
import { loadConsoleAssets } from './console-assets.js';
import { LocalSessions } from './console-local-auth.js';
import { LocalKube, type LocalRunSource } from './console-local-kube.js';

/** Where the console swaps the sign-in key (Authorization: Bearer <key>) for a session token. */
export const LOCAL_SESSION_PATH = '/api/local/session';

export interface LocalConsole {
  /** Open this in a browser: it holds the one-time sign-in key in its fragment. */
  url: string;
  port: number;
  /** Feed the robot's status patches here: the console shows them as the RpaJob's status. */
  kube: LocalKube;
  close(): Promise<void>;
}

export interface LocalConsoleOptions {
  source: LocalRunSource;
  logger: Logger;
  /** 0 or undefined: a free port. */
  port?: number;
  /** For tests: a known sign-in key. */
  key?: string;
}

export async function startLocalConsole(opts: LocalConsoleOptions): Promise<LocalConsole> {
  if (loadConsoleAssets().size === 0) throw new Error('the console files are missing (npm run build:console builds them)');
  const kube = new LocalKube(opts.source);
  const sessions = new LocalSessions(opts.key);
  const app = buildApp({
    db: opts.source.db,
    kube,
    authorizer: sessions,
    logger: opts.logger,
    ...(opts.source.dbosSchema !== undefined && { dbosSchema: opts.source.dbosSchema }),
  });
  let hosts: string[] = [];
  app.addHook('onRequest', async (req, reply) => {
    const host = req.headers.host ?? '';
    const origin = req.headers.origin;
    if (!hosts.includes(host) || (origin !== undefined && origin !== `http://${host}`))
      return reply.code(403).send({ reason: 'Forbidden', message: 'the local console answers only its own address and origin' });
  });
  app.post(LOCAL_SESSION_PATH, async (req, reply) => {
    try {
      const token = sessions.exchange(bearerToken(req.headers.authorization));
      opts.logger.info({ namespace: opts.source.namespace }, 'signed in to the local console');
      return await reply.code(200).header('Cache-Control', 'no-store').send({ token, namespace: opts.source.namespace });
    } catch (err) {
      if (!(err instanceof AuthError || err instanceof HttpError)) throw err;
      return reply.code(err.status).send({ reason: 'Unauthorized', message: err.message });
    }
  });
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const ns = encodeURIComponent(opts.source.namespace);
  const job = encodeURIComponent(opts.source.job.metadata.name);
  return {
    url: `http://127.0.0.1:${port}/ui/#signin=${sessions.key}&namespace=${ns}&job=${job}`,
    port,
    kube,
    close: async () => {
      // Open event streams would hold the close: they end with the server.
      const closed = app.close();
      app.server.closeAllConnections();
      await closed;
    },
  };
}
