// Wires the API server from its configuration: the database pool, the Kubernetes client of its
// ServiceAccount, the authorizer and the queue item notifications; listens until close().
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { createPool } from '../../api/db/pool.js';
import type { Logger } from '../../api/log.js';
import { buildApp } from './app.js';
import { Authorizer } from './auth.js';
import type { ApiServerConfig } from './config.js';
import { ItemNotifications } from './events.js';
import { KubeClient } from './kube.js';
import { TriggerStatusWriter } from './webhooks/status.js';
import { TriggerSource } from './webhooks/triggers.js';
import { UnqueuedJobs } from './unqueued-jobs.js';

export interface RunningApiServer {
  /** http(s)://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startApiServer(opts: {
  config: Pick<ApiServerConfig, 'databaseUrl' | 'host' | 'port' | 'authCacheMs' | 'dbosSchema'> & Partial<ApiServerConfig>;
  kc: KubeConfig;
  logger: Logger;
  keepAliveMs?: number;
  recheckAccessMs?: number;
  /** How often every RpaTrigger's status is looked at. Default 10 s. */
  triggerResyncMs?: number;
  /** How long an RpaTrigger and its Secret key are reused. Default 5 s. */
  triggerCacheMs?: number;
}): Promise<RunningApiServer> {
  const { config, logger } = opts;
  const db = createPool({
    connectionString: config.databaseUrl,
    max: config.dbPoolMax ?? 10,
    ...(config.database && { settings: config.database }),
    logger,
    name: 'aether-api-server',
  });
  const kube = new KubeClient(opts.kc);
  const items = new ItemNotifications(config.databaseUrl, logger);
  const unqueued = new UnqueuedJobs(kube, logger);
  const triggers = new TriggerSource(opts.kc, {
    ttlMs: opts.triggerCacheMs ?? config.triggerCacheMs ?? 5000,
    logger,
    ...(config.watchNamespaces?.length && { namespaces: config.watchNamespaces }),
  });
  const triggerStatus = new TriggerStatusWriter({ triggers, db, kube, logger, resyncMs: opts.triggerResyncMs ?? config.triggerResyncMs ?? 10_000 });
  const app = buildApp({
    db,
    kube,
    authorizer: new Authorizer({ reviews: kube, ttlMs: config.authCacheMs }),
    logger,
    dbosSchema: config.dbosSchema,
    items,
    unqueued,
    triggers,
    onDelivery: (namespace, name) => triggerStatus.touch(namespace, name),
    ...(opts.keepAliveMs !== undefined && { keepAliveMs: opts.keepAliveMs }),
    ...(opts.recheckAccessMs !== undefined && { recheckAccessMs: opts.recheckAccessMs }),
    ...(config.tls && { https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } }),
  });
  await app.listen({ host: config.host, port: config.port });
  triggers.start();
  triggerStatus.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  logger.info({ port, tls: Boolean(config.tls) }, 'API server listening');
  return {
    url: `${config.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    async close() {
      // Event streams are long-lived: end them rather than wait for their clients.
      app.server.closeAllConnections?.();
      await app.close();
      await triggerStatus.stop();
      await triggers.stop();
      unqueued.close();
      await items.close();
      await db.end();
    },
  };
}
