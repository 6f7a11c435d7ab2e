// Wiring of one robot process: DBOS + Chromium + the queue consumer for its pool (jobs and work items), the status
// reporter, metrics/health and tracing. `startAgent` brings it all up in order; `stop` is the
// graceful shutdown (stop fetching, finish or hand back running jobs within the grace period).
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { createPool } from '../../../api/db/pool.js';
import type { Logger } from '../../../api/log.js';
import { kubeJobEvents } from '../audit/events.js';
import { createAuditSink } from '../audit/sink.js';
import { findBrowser } from '../browser/discover.js';
import { BrowserHost, createHealingResolver } from '../engine/index.js';
import type { RedactorSet } from '../engine/redact.js';
import { secretCheckpointKeys } from './checkpoint-key.js';
import { secretCredentials } from './robot.js';
import type { AgentConfig } from './config.js';
import { postgresCheck, startHealthServer, type HealthServer } from './health.js';
import { createAgentMetrics, itemOutcomeLabel } from './metrics.js';
import { createStatusReporter } from './reporter.js';
import { createRobotRuntime } from './runtime.js';
import { configMapTemplates } from './templates.js';
import { configMapFiles } from './configmap-files.js';
import { startTracing } from './tracing.js';
import { createItemRunner } from '../queue/item-run.js';
import { startItemConsumer } from '../queue/items.js';

export { DBOS_APP_NAME } from './runtime.js';

export interface Agent {
  robotId: string;
  health: HealthServer;
  /**
   * Settles when the queue runner stops by itself (rejects when it failed, and with RobotFencedError when
   * the robot must stop working on its jobs: then call abort() and exit non-zero).
   */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Stops browser work at once (a fenced robot): closes the browser, writes nothing. */
  abort(): Promise<void>;
}

export function kubeConfigFor(config: Pick<AgentConfig, 'kubeconfig'>): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

export async function startAgent(
  config: AgentConfig,
  /** liveSecrets: the log filter of `logger`; each running job's redactor joins it. */
  opts: { logger: Logger; env: Record<string, string | undefined>; liveSecrets?: RedactorSet },
): Promise<Agent> {
  const log = opts.logger;
  // Unique per process: DBOS routes take-overs by it and the sweeper releases jobs by it.
  const robotId = `${config.podName}-${randomBytes(3).toString('hex')}`;
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => log.warn({ err }, 'cleanup step failed'));
  };

  try {
    const tracing = startTracing({
      env: opts.env,
      attributes: {
        'k8s.pod.name': config.podName,
        'k8s.namespace.name': config.namespace,
        'aether.pool': config.pool,
      },
    });
    cleanups.push(() => tracing.shutdown());

    // The same discovery as `aether run` (AETHER_CHROMIUM_PATH, which the image sets, first). None: the robot
    // does not start.
    const chromium = await findBrowser({ env: opts.env });
    log.info({ chromium: chromium.path, source: chromium.source }, 'found the browser');
    const browser = new BrowserHost({ executablePath: chromium.path, headless: config.headless, logger: log });
    cleanups.push(() => browser.close());
    const metrics = createAgentMetrics({ browserRestarts: { pool: config.pool, count: () => browser.restarts } });

    const db = createPool({
      connectionString: config.databaseUrl,
      // the job consumer's writes, and the item consumer's claims and per-step fence checks
      max: 4,
      settings: config.database,
      logger: log,
      name: 'aether-robot',
    });
    cleanups.push(() => db.end());

    const kubeConfig = kubeConfigFor(config);
    let runnerAlive = true;
    let accepting = false;
    const runtime = createRobotRuntime({
      databaseUrl: config.databaseUrl,
      dbos: config.dbos,
      db,
      dbSettings: config.database,
      namespace: config.namespace,
      pool: config.pool,
      pod: config.podName,
      version: config.version,
      robotId,
      browser,
      logger: log,
      resolveTarget: createHealingResolver({
        db,
        logger: log,
        count: ({ tier, outcome }) => metrics.healingEvents.inc({ pool: config.pool, tier, outcome }),
        templateImage: configMapTemplates(kubeConfig),
      }),
      defaultStepTimeoutMs: config.stepTimeoutSeconds * 1000,
      egress: config.egress,
    });
    log.info(
      {
        allow: config.egress.allow.map((e) => e.source),
        clusterCidrs: config.egress.clusterCidrs.map((e) => e.source),
      },
      'egress policy loaded',
    );
    const durable = runtime.durable;

    const health = await startHealthServer({
      host: config.metricsHost,
      port: config.metricsPort,
      registry: metrics.registry,
      liveness: { queueRunner: () => runnerAlive },
      readiness: {
        database: postgresCheck(db),
        dbos: () => durable.launched,
        browser: () => browser.connected,
        accepting: () => accepting,
      },
    });
    cleanups.push(() => health.close());

    await durable.launch();
    cleanups.push(() => durable.shutdown());
    await browser.browser(); // warm: the first job only opens a context

    const reporter = createStatusReporter({ kubeConfig, logger: log });
    cleanups.push(() => reporter.drain(5_000));
    const audit = createAuditSink({
      db,
      events: kubeJobEvents(kubeConfig, { component: 'aether-robot', instance: config.podName, logger: log }),
      logger: log,
      actor: `robot/${config.podName}`,
    });
    cleanups.push(() => audit.close());

    const theConsumer = await runtime.startConsumer({
      concurrency: config.concurrency,
      retryBackoffBaseMs: config.retryBackoffBaseSeconds * 1000,
      leaseSeconds: config.leaseSeconds,
      outageBudgetMs: config.outageBudgetSeconds * 1000,
      handler: {
        reporter,
        kubeConfig,
        audit,
        metrics,
        tracer: tracing.tracer,
        checkpointKey: secretCheckpointKeys(kubeConfig),
        artifactCaps: config.artifactCaps,
        configMapFiles: configMapFiles(kubeConfig),
        ...(opts.liveSecrets && { liveSecrets: opts.liveSecrets }),
        ...(config.testCrashAfterStep !== undefined && { crashAfterStep: config.testCrashAfterStep }),
      },
    });
    // Work items of the pool's RpaQueues, through the same engine (one item = one durable run).
    const items = await startItemConsumer({
      db,
      databaseUrl: config.databaseUrl,
      dbSettings: config.database,
      namespace: config.namespace,
      pool: config.pool,
      robotId,
      concurrency: config.concurrency,
      run: createItemRunner({
        engine: runtime.engine,
        db,
        logger: log,
        artifactCaps: config.artifactCaps,
        configMapFiles: configMapFiles(kubeConfig),
        credentials: secretCredentials(kubeConfig),
        checkpointKey: secretCheckpointKeys(kubeConfig),
        ...(opts.liveSecrets && { liveSecrets: opts.liveSecrets }),
      }),
      logger: log,
      onFinished: ({ queue, status, seconds }) => {
        metrics.queueItemsTotal.inc({ pool: config.pool, queue, outcome: itemOutcomeLabel(status) });
        metrics.queueItemDuration.observe({ pool: config.pool, queue }, seconds);
      },
    });
    accepting = true;
    // A browser that stops starting ends the robot (not ready, then exit): its jobs are back in the queue.
    const fault = runtime.environmentFault.then((err) => Promise.reject(err));
    fault.catch(() => undefined);
    const done = Promise.race([theConsumer.done, fault]).finally(() => {
      runnerAlive = false;
      accepting = false;
    });
    done.catch(() => undefined);
    log.info({ robotId, metrics: health.url }, 'robot started');

    let stopping: Promise<void> | null = null;
    return {
      robotId,
      health,
      done,
      stop: () =>
        (stopping ??= (async () => {
          accepting = false;
          log.info(
            { graceSeconds: config.shutdownGraceSeconds },
            'stopping: no new jobs; running ones finish or go back',
          );
          await Promise.all([
            theConsumer.stop({ deadlineMs: config.shutdownGraceSeconds * 1000 }),
            items.stop({ deadlineMs: config.shutdownGraceSeconds * 1000 }),
          ]);
          await cleanup();
          log.info('robot stopped');
        })()),
      abort: async () => {
        accepting = false;
        await browser.close();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
