// `aether run`: one RpaJob from files, on this machine, through the cluster's own path —
// producer -> graphile-worker queue -> the robot's consumer -> the robot's job handler -> the durable
// engine with Chromium — on an embedded PostgreSQL whose data directory outlives the process, so a
// run interrupted by Ctrl-C (or a crash) is resumed by the same command: finished steps are not
// run again. Only the edges differ from a cluster: status goes to the terminal, Secrets are files.
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { createPool } from '../../../api/db/pool.js';
import { createLogger } from '../../../api/log.js';
import { workflowDigest } from '../../../api/queue/digest.js';
import { createProducer, type Producer } from '../../../api/queue/producer.js';
import { releasePodRobots } from '../../../api/queue/release.js';
import type { RunRow } from '../../../api/queue/sql/runs.js';
import { migrate } from '../../../migrations/index.js';
import { fileCheckpointKey } from '../agent/checkpoint-key.js';
import { createAgentMetrics } from '../agent/metrics.js';
import { createRobotRuntime } from '../agent/runtime.js';
import { BrowserHost } from '../engine/index.js';
import { RedactorSet } from '../engine/redact.js';
import type { Consumer } from '../queue/consumer.js';
import type { RunArgs } from './args.js';
import type { ResolvedJob } from './manifests.js';
import { EnvironmentError } from './environment.js';
import { jobParams, localPayload, localRunUid } from './payload.js';
import { EXIT, type LocalPlan } from './plan.js';
import { startLocalPostgres, type LocalPostgres } from './postgres.js';
import { terminalReporter, type TerminalOut } from './progress.js';
import { saveScreenshots } from './screenshots.js';
import { saveArtifacts } from './artifacts.js';
import { fileCredentials } from './secrets.js';
import { startDemoSite, type DemoSite } from './site.js';

/** The robot's "pod" in local mode: every robot of an earlier CLI process in this data dir had it. */
export const LOCAL_POD = 'local';
/** Robots of one data directory must agree on it to resume each other's workflows. */
const APPLICATION_VERSION = 'aether-local-1';
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export interface LocalIO {
  stdout: (text: string) => void;
  stderr: TerminalOut;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Subscribes to Ctrl-C; returns the unsubscribe. */
  onInterrupt: (fn: () => void) => () => void;
}

/**
 * The run this invocation works on: the first of the job's runs (by sequence) that is not finished, or
 * a new one after the last finished one. With `fresh`, an unfinished run is cancelled first.
 */
async function findRun(
  producer: Producer,
  job: ResolvedJob,
  fresh: boolean,
): Promise<{ uid: string; existing: RunRow | null }> {
  for (let seq = 0; seq < 100_000; seq++) {
    const uid = localRunUid(job.namespace, job.name, seq);
    const run = await producer.getRun(uid);
    if (!run) return { uid, existing: null };
    if (FINISHED.has(run.state)) continue;
    if (!fresh) return { uid, existing: run };
    await producer.cancel(uid, { actor: 'local/cli' });
  }
  throw new Error(`too many runs of RpaJob ${job.namespace}/${job.name} in this data directory`);
}

/**
 * The site's URL is frozen into the queued run's params, so a resumed run needs the site where it
 * was: the port is kept in the data directory and taken again when it is free.
 */
async function startSiteOnKnownPort(dir: string, portFile: string, say: (t: string) => void): Promise<DemoSite> {
  const known = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) : 0;
  let site: DemoSite;
  try {
    site = await startDemoSite({ dir, port: known });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    site = await startDemoSite({ dir });
    say(
      `port ${known} is taken: the site moved to ${site.url}; a resumed run still uses the old address (--new starts over)`,
    );
  }
  writeFileSync(portFile, `${new URL(site.url).port}\n`);
  return site;
}

/** Runs a start-up step whose failure is the machine's, not the job's. */
async function environment<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new EnvironmentError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export async function runLocal(plan: LocalPlan & { chromiumPath: string }, args: RunArgs, io: LocalIO): Promise<number> {
  const err = io.stderr;
  const say = (text: string) => err.write(`${text}\n`);

  const { job, overrides, siteParams, serveDir, secretsDir, dataDir } = plan;
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const logFile = join(dataDir, 'aether.log');
  const liveSecrets = new RedactorSet();
  const logger = createLogger({
    name: 'aether-local',
    level: args.logLevel,
    destination: createWriteStream(logFile, { flags: 'a' }),
    filter: (line) => liveSecrets.string(line),
  });
  const log = logger.child({ kind: 'RpaJob', namespace: job.namespace, name: job.name });

  // Everything started is stopped in reverse order, whatever happens.
  const cleanups: Array<{ what: string; fn: () => Promise<unknown> }> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse())
      await c.fn().catch((e: unknown) => log.warn({ err: e, step: c.what }, 'cleanup failed'));
    cleanups.length = 0;
  };
  let interrupted = false;
  let consumer: Consumer | null = null;
  let wake: (() => void) | null = null;
  const unsubscribe = io.onInterrupt(() => {
    interrupted = true;
    wake?.();
  });

  try {
    // 2. The site the example job runs against.
    let site: DemoSite | null = null;
    if (serveDir) {
      site = await startSiteOnKnownPort(serveDir, join(dataDir, 'site-port'), say);
      const s = site;
      cleanups.push({ what: 'site', fn: () => s.stop() });
      say(`serving ${serveDir} at ${site.url}${siteParams.length ? ` (params ${siteParams.join(', ')})` : ''}`);
    }
    const params = jobParams(job, { ...Object.fromEntries(siteParams.map((p) => [p, site?.url])), ...overrides });

    // 3. The database: embedded PostgreSQL, schemas, and what an earlier CLI process left held.
    const started = Date.now();
    const pgServer: LocalPostgres = await environment('the local PostgreSQL did not start', () =>
      startLocalPostgres({ dataDir, onLog: say }),
    );
    cleanups.push({ what: 'postgres', fn: () => pgServer.stop() });
    await environment('the local PostgreSQL could not be migrated', () => migrate({ databaseUrl: pgServer.url, logger }));
    const db = createPool({ connectionString: pgServer.url, max: 3, logger: log, name: 'aether-run' });
    cleanups.push({ what: 'db pool', fn: () => db.end() });
    // A killed CLI's robot still holds its job; this process is the only one on the data directory,
    // so every robot of the local "pod" is gone: released as the sweeper releases a deleted pod's.
    const released = await releasePodRobots(db, { namespace: job.namespace, pod: LOCAL_POD });
    if (released.requeuedRuns > 0)
      log.info({ robots: released.deadRobots.length, runs: released.requeuedRuns }, 'released the runs of an earlier, stopped CLI');
    log.info({ ms: Date.now() - started, dataDir }, 'database ready');

    // The browser starts before the run is queued: one that cannot start is a bad environment.
    const browser = new BrowserHost({ executablePath: plan.chromiumPath, headless: !args.headed, logger: log });
    cleanups.push({ what: 'browser', fn: () => browser.close() });
    await environment('the browser did not start', () => browser.browser());

    // 4. The run: a new one, or the unfinished one from before (same UID -> same durable workflow).
    const producer = createProducer({ pool: db });
    const { uid, existing } = await findRun(producer, job, args.fresh);
    const steps = job.workflow.steps.length;
    if (existing) {
      const note =
        existing.workflowDigest !== workflowDigest(job.workflow)
          ? ' (with the workflow as it was then; --new starts over)'
          : '';
      say(
        `resuming run ${uid} of RpaJob ${job.namespace}/${job.name}, queued ${existing.createdAt.toISOString()}${note}`,
      );
    } else {
      await producer.enqueue({ payload: localPayload({ resolved: job, uid, params, now: new Date() }) });
      say(`queued run ${uid} of RpaJob ${job.namespace}/${job.name} (workflow ${job.workflowName}, ${steps} steps)`);
    }

    // The web console of this run (--ui): loaded only when asked for, so a plain run starts as fast as before.
    let ui: import('./ui.js').RunConsole | null = null;
    if (args.ui) {
      const { startRunConsole, openInBrowser } = await import('./ui.js');
      ui = await environment('the console did not start', () =>
        startRunConsole({
          db,
          job,
          uid,
          cancel: async () => void (await producer.cancel(uid, { actor: 'local/console' })),
          logger: log,
          ...(args.uiPort !== undefined && { port: args.uiPort }),
        }),
      );
      const theUi = ui;
      cleanups.push({ what: 'console', fn: () => theUi.close() });
      say(`console: ${ui.url}  (the sign-in key works once)`);
      if (args.open) openInBrowser(ui.url, say);
    }

    // 5. The robot: the cluster's engine, consumer and job handler in this process.
    const robotId = `${LOCAL_POD}-${randomBytes(3).toString('hex')}`;
    const runtime = createRobotRuntime({
      databaseUrl: pgServer.url,
      db,
      namespace: job.namespace,
      pool: job.job.spec.pool,
      pod: LOCAL_POD,
      robotId,
      browser,
      logger: log,
      applicationVersion: APPLICATION_VERSION,
    });
    await runtime.durable.launch();
    cleanups.push({ what: 'dbos', fn: () => runtime.durable.shutdown() });
    const terminal = terminalReporter(err);
    const reporter = ui ? ui.reporter(terminal) : terminal;
    consumer = await runtime.startConsumer({
      concurrency: 1,
      pollIntervalMs: 250,
      retryBackoffBaseMs: 1000,
      handler: {
        reporter,
        credentials: fileCredentials({ files: args.secrets, ...(secretsDir && { dir: secretsDir }) }),
        metrics: createAgentMetrics({ processMetrics: false }),
        tracer: trace.getTracer('aether-local'),
        finalReportWaitMs: 0,
        liveSecrets,
        checkpointKey: fileCheckpointKey(join(dataDir, 'checkpoint.key')),
        // No operator mirrors RpaQueues here: a queueAdd step fails saying so.
        workQueues: false,
      },
    });
    const theConsumer = consumer;
    // The consumer stops first: on Ctrl-C it hands the job back before DBOS and Chromium go away.
    cleanups.push({ what: 'consumer', fn: () => theConsumer.stop({ deadlineMs: interrupted ? 0 : 5_000 }) });
    let runnerError: unknown = null;
    theConsumer.done.catch((e: unknown) => {
      runnerError = e ?? new Error('the queue runner stopped');
      wake?.();
    });

    // 6. Wait for the run to finish (or for Ctrl-C).
    /** --ui: the run is over; the console stays up for a look at the result until Ctrl-C. */
    const stayUp = async (url: string) => {
      say(`the console stays up at ${url.replace(/#.*$/, '')} until Ctrl-C`);
      while (!interrupted)
        await new Promise<void>((r) => {
          wake = r;
        });
      wake = null;
    };
    let run: RunRow | null = null;
    while (!interrupted && runnerError === null) {
      run = await producer.getRun(uid);
      if (run && FINISHED.has(run.state)) break;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
      wake = null;
    }
    terminal.endLine();
    if (interrupted) {
      say('interrupted: handing the run back; run the same command again to resume it');
      await cleanup();
      return EXIT.interrupted;
    }
    if (runnerError !== null) throw runnerError;

    const done = run!;
    const shots = await saveScreenshots(db, { uid, dir: join(dataDir, 'runs', uid) }).catch((e: unknown) => {
      log.warn({ err: e }, 'could not save screenshots');
      return [];
    });
    const artifacts = await saveArtifacts(db, { uid, dir: join(dataDir, 'runs', uid, 'artifacts') }).catch((e: unknown) => {
      log.warn({ err: e }, 'could not save artifacts');
      return [];
    });
    // With --ui everything stays up while the console is (until Ctrl-C), so the result can be looked at.
    if (!ui) await cleanup();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    for (const f of shots) say(`screenshot: ${f}`);
    for (const f of artifacts) say(`artifact: ${f}`);
    let code: number = EXIT.failed;
    if (done.state === 'succeeded') {
      io.stdout(`${JSON.stringify(done.outputs ?? {}, null, 2)}\n`);
      say(`RpaJob ${job.namespace}/${job.name} succeeded in ${seconds}s (run ${uid})`);
      code = EXIT.ok;
    } else if (done.state === 'cancelled') {
      say(`RpaJob ${job.namespace}/${job.name} was cancelled (run ${uid})`);
    } else {
      const e = done.error;
      const at = e?.stepId ? ` at step "${e.stepId}"` : '';
      say(
        `RpaJob ${job.namespace}/${job.name} failed${at} after ${done.failedAttempts} attempt(s): ${e?.message ?? 'unknown error'}` +
          ` (run ${uid}; log ${logFile})`,
      );
    }
    if (ui) await stayUp(ui.url);
    await cleanup();
    return code;
  } catch (e) {
    // Written once here; the CLI prints the message.
    log.error({ err: e }, 'local run failed');
    throw e;
  } finally {
    unsubscribe();
    await cleanup();
  }
}
