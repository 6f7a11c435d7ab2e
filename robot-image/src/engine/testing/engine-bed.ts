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
import { createEngine, type AttemptRequest, type AttemptResult, type Engine } from '../engine.js';
import type { TargetResolver } from '../targets.js';

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
export async function startEngineBed(
  name: string,
  opts: { allow?: string[]; siteAlias?: boolean; resolveTarget?: TargetResolver } = {},
): Promise<EngineBed> {
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
    ...(opts.resolveTarget && { resolveTarget: opts.resolveTarget }),
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

/**
 * Runs one attempt of a fresh run with the checkpoint paths it ran. The machine is shared and noisy: steps
 * get a 60 s timeout unless the workflow says otherwise (only the steps meant to fail set a short one).
 */
export async function runWithPaths(
  bed: EngineBed,
  req: Omit<AttemptRequest, 'runUid' | 'attempt' | 'progress'>,
): Promise<{ result: AttemptResult; ran: string[] }> {
  const ran: string[] = [];
  const result = await bed.engine.runAttempt({
    ...req,
    runUid: testUid(),
    attempt: 1,
    workflow: { timeouts: { stepSeconds: 60 }, ...req.workflow },
    progress: (_k, _n, path) => ran.push(path),
  });
  return { result, ran };
}

export function succeeded(r: AttemptResult): Extract<AttemptResult, { status: 'succeeded' }> {
  if (r.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(r)}`);
  return r;
}
export function failed(r: AttemptResult): Extract<AttemptResult, { status: 'failed' }> {
  if (r.status !== 'failed') throw new Error(`expected failure, got ${r.status}`);
  return r;
}
