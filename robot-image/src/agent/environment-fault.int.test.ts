// A robot whose browser cannot start: the job it claimed goes back to the queue untouched (no failed
// attempt, no error), the robot stops taking jobs and says why, and another robot runs the job as its
// first attempt. Real PostgreSQL, real DBOS and graphile-worker; the browser path names no file.
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { migratedQueueDatabase, type QueueTestDatabase } from '../../../api/queue/testing/database.js';
import { BrowserUnavailableError } from '../browser/discover.js';
import { BrowserHost } from '../browser/host.js';
import { terminalReporter } from '../local/progress.js';
import { fileCredentials } from '../local/secrets.js';
import { startConsumer, type Consumer } from '../queue/consumer.js';
import type { JobContext } from '../queue/handler.js';
import { createAgentMetrics } from './metrics.js';
import { createRobotRuntime, type RobotRuntime } from './runtime.js';

const logger = createLogger({
  name: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

let q: QueueTestDatabase;
let runtime: RobotRuntime;
let browser: BrowserHost;
const consumers: Consumer[] = [];

beforeAll(async () => {
  q = await migratedQueueDatabase('envfault');
  browser = new BrowserHost({ executablePath: '/nonexistent/chromium', logger });
  runtime = createRobotRuntime({
    databaseUrl: q.url,
    db: q.pool,
    namespace: 'envfault',
    pool: 'p',
    pod: 'robot-0',
    robotId: 'robot-0-envflt',
    browser,
    logger,
    applicationVersion: 'envfault',
  });
  await runtime.durable.launch();
});
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop({ deadlineMs: 0 })));
  await runtime.durable.shutdown();
  await browser.close();
  await q.pool.end();
});

it('hands the job back without using an attempt, stops the robot, and another robot runs attempt 1', async () => {
  const broken = await runtime.startConsumer({
    concurrency: 1,
    pollIntervalMs: 100,
    retryBackoffBaseMs: 0,
    handler: {
      reporter: terminalReporter({ write: () => undefined, isTTY: false }),
      credentials: fileCredentials({ files: {} }),
      metrics: createAgentMetrics({ processMetrics: false }),
      tracer: trace.getTracer('test'),
      finalReportWaitMs: 0,
    },
  });
  consumers.push(broken);
  const p = testPayload({ namespace: 'envfault', pool: 'p' });
  await q.producer.enqueue({ payload: p });

  const fault = await runtime.environmentFault;
  expect(fault).toBeInstanceOf(BrowserUnavailableError);
  expect(fault.message).toContain('Chromium at /nonexistent/chromium could not start');
  // The consumer stopped by itself (no grace: the job went back at once).
  await expect(broken.done).resolves.toBeUndefined();

  const back = await q.producer.getRun(p.uid);
  expect(back).toMatchObject({ state: 'queued', failedAttempts: 0, error: null });

  // A healthy robot gets it as a first attempt.
  const seen: JobContext[] = [];
  const healthy = await startConsumer({
    databaseUrl: q.url,
    namespace: 'envfault',
    pool: 'p',
    robotId: 'robot-1-healthy',
    pollIntervalMs: 100,
    logger,
    handler: async (ctx) => {
      seen.push(ctx);
      return { status: 'succeeded', outputs: { ok: true } };
    },
  });
  consumers.push(healthy);
  const deadline = Date.now() + 15_000;
  while ((await q.producer.getRun(p.uid))?.state !== 'succeeded') {
    if (Date.now() > deadline) throw new Error('the handed-back job never ran');
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(seen.map((c) => c.attempt)).toEqual([1]);
  expect(await q.producer.getRun(p.uid)).toMatchObject({ state: 'succeeded', failedAttempts: 0 });
}, 60_000);
