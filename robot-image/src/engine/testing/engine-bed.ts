// What the in-process engine tests share: the local test site, a fresh database for DBOS, one launched
// durable runtime, a browser host and the engine on top of them.
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../../../api/log.js';
import { freshDatabase } from '../../../../e2e/harness/testenv.js';
import { startTestSite, type TestSite } from '../../../../e2e/site/server.js';
import { BrowserHost } from '../../browser/host.js';
import { configureDurable, type Durable } from '../../durable/runtime.js';
import { compileEgressPolicy } from '../../egress/decide.js';
import type { EgressRefusal } from '../../egress/guard.js';
import { createEngine, type Engine } from '../engine.js';

export interface EngineBed {
  site: TestSite;
  dbUrl: string;
  durable: Durable;
  host: BrowserHost;
  engine: Engine;
  /** Every egress refusal the engine reported (the audit hook). */
  refusals: Array<EgressRefusal & { workflowId: string }>;
  stop(): Promise<void>;
}

export const testUid = () => 'u' + randomBytes(5).toString('hex');

/**
 * `name` names the database, the logger and the DBOS application version. The site is on loopback,
 * which robots refuse by default: the engine's policy allows exactly its host:port (and `allow`).
 */
export async function startEngineBed(name: string, opts: { allow?: string[]; siteAlias?: boolean } = {}): Promise<EngineBed> {
  const site = await startTestSite();
  const dbUrl = await freshDatabase(name.replace(/-/g, '_'));
  const logger = createLogger({ name, level: 'warn', destination: process.stderr });
  const durable = configureDurable({ appName: 'aether-robot', systemDatabaseUrl: dbUrl, executorId: 'test-' + testUid(), applicationVersion: name, logger });
  const host = new BrowserHost({ logger });
  const refusals: EngineBed['refusals'] = [];
  const engine = createEngine({
    durable,
    browser: host,
    logger,
    defaultStepTimeoutMs: 10_000,
    // siteAlias: the site also as localhost:port, a second origin (cross-origin frames).
    egress: compileEgressPolicy({
      allow: [new URL(site.url).host, ...(opts.siteAlias ? [`localhost:${new URL(site.url).port}`] : []), ...(opts.allow ?? [])],
    }),
    onEgressRefused: (r) => refusals.push(r),
  });
  await durable.launch();
  return {
    site,
    dbUrl,
    durable,
    host,
    engine,
    refusals,
    async stop() {
      await durable.shutdown();
      await host.close();
      await site.stop();
    },
  };
}
