// At most one running copy of a job, and effects a server can de-duplicate — with real robot processes
// (robot-image/src/main.ts), the real API server, Postgres and Chromium; the operator's sweeper runs in
// this process. A counting HTTP sink (testing/effect-sink.ts) records every request with its
// Idempotency-Key and when it started and ended; the robots' debug logs say which robot started which step.
//
//   1. a shutdown past the grace period while a step runs: the old robot stops the step (its request is
//      aborted) before the job is handed back; the next robot's request never overlaps it.
//   2. a fence (the pod was deleted while its process still runs) while a step runs: the job is released
//      only after the old robot stopped and acknowledged; again no overlap.
//   3. a stale holder (frozen past its lease, released, then thawed): its checkpoint and status writes are
//      refused; it runs no further step.
//   4. a failed attempt retried: the same Idempotency-Key in both attempts; retry.from failedStep does not
//      run the steps that succeeded again and restores the browser session of the last good checkpoint;
//      retry.from start runs every step again.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { createLogger } from '../../../api/log.js';
import type { Producer } from '../../../api/queue/producer.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { createSweeper, type Sweeper } from '../../../operator/src/queue/sweeper.js';
import { workflowIdFor } from '../durable/ids.js';
import { startEffectSink, type EffectSink, type SinkRequest } from './testing/effect-sink.js';
import { finishedStatus, startRobot, submitJob, tail, type RobotProcess } from './testing/robot-process.js';
import { startRobotTestBed, type RobotTestBed } from './testing/test-bed.js';

const POOL = 'fencing';
const LONG = 420_000;
/** How long the sink holds the slow step's request: far longer than a grace period or a fence takes. */
const HOLD_MS = 20_000;
const silent = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('at most one running copy, stable idempotency keys, retry.from (e2e)', () => {
  const ns = `fencing-${randomBytes(4).toString('hex')}`;
  let bed: RobotTestBed | undefined;
  let kc: KubeConfig;
  let dbUrl: string;
  let db: pg.Pool;
  let producer: Producer;
  let sink: EffectSink;
  let sweeper: Sweeper;
  const robots: RobotProcess[] = [];

  beforeAll(async () => {
    bed = await startRobotTestBed({ databasePrefix: 'fencing', namespace: ns, users: {}, loginSecret: { token: 'unused' } });
    ({ kc, dbUrl, db, producer } = bed);
    sink = await startEffectSink();
    sweeper = createSweeper({ pool: db, logger: silent, intervalMs: 300 });
    sweeper.start();
  }, LONG);

  afterAll(async () => {
    await sweeper?.stop();
    await Promise.all(robots.map((r) => r.kill()));
    await sink?.close();
    await bed?.stop();
  }, LONG);

  async function robot(pod: string, env: Record<string, string> = {}): Promise<RobotProcess> {
    const r = await startRobot({
      databaseUrl: dbUrl,
      pool: POOL,
      namespace: ns,
      pod,
      kubeconfig: kubeconfigPath(),
      allow: [sink.host],
      env: { AETHER_LEASE_SECONDS: '3', ...env },
    });
    robots.push(r);
    return r;
  }

  /** Earlier robots go first (killed): the job can only go to the robots a test starts. */
  async function onlyRobot(pod: string, env: Record<string, string> = {}): Promise<RobotProcess> {
    await Promise.all(robots.map((r) => r.kill()));
    return robot(pod, env);
  }

  const submit = (name: string, workflow: WorkflowSpec, extra: { maxAttempts?: number; retryFrom?: 'failedStep' | 'start' } = {}) =>
    submitJob({ kc, producer, namespace: ns, pool: POOL, name, workflow, ...extra });

  /** pre (fast effect) → slow (held by the sink) → post (fast effect). */
  const slowWorkflow = (tag: string): WorkflowSpec => ({
    steps: [
      { id: 'pre', action: 'http', method: 'POST', url: `${sink.url}/effect/${tag}-pre` },
      { id: 'slow', action: 'http', method: 'POST', url: `${sink.url}/effect/${tag}-slow?holdMs=${HOLD_MS}`, timeoutSeconds: 60 },
      { id: 'post', action: 'http', method: 'POST', url: `${sink.url}/effect/${tag}-post` },
    ],
  });

  const inSlowStep = (tag: string) =>
    waitFor(`a robot inside the slow step of ${tag}`, async () => (sink.to(`/effect/${tag}-slow`).length > 0 ? true : undefined), {
      timeoutMs: 120_000,
    });

  /** The slow step ran exactly once to its end, every request with the same key, never two at once. */
  function expectOneCopyAtATime(tag: string, uid: string, holders: RobotProcess[]): SinkRequest[] {
    const slow = sink.to(`/effect/${tag}-slow`);
    const detail = JSON.stringify(slow) + '\n' + holders.map((h) => tail(h, 15)).join('\n');
    expect([sink.overlaps(`/effect/${tag}-slow`), detail]).toEqual([[], detail]);
    expect(new Set(slow.map((r) => r.key))).toEqual(new Set([`${uid}/slow`]));
    expect(sink.applied(`/effect/${tag}-slow`)).toBe(1);
    expect(slow.filter((r) => !r.aborted)).toHaveLength(1);
    for (const step of ['pre', 'post']) expect([step, sink.to(`/effect/${tag}-${step}`).length]).toEqual([step, 1]);
    return slow;
  }

  it(
    'a shutdown past the grace period stops the running step before the job is handed back',
    async () => {
      const a = await onlyRobot('robot-grace-a', { AETHER_SHUTDOWN_GRACE_SECONDS: '1' });
      const uid = await submit('grace', slowWorkflow('grace'));
      await inSlowStep('grace');
      const b = await robot('robot-grace-b');
      const stopping = a.stop(60_000);
      const status = await finishedStatus(kc, ns, 'grace');
      await stopping;
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-grace-b', attempts: 1 });
      const [first, second] = expectOneCopyAtATime('grace', uid, [a, b]);
      // The first request was A's, cut off when the grace period ran out (the sink would have held it
      // HOLD_MS); B's began only after it ended.
      expect(first!.aborted).toBe(true);
      expect(second!.startedAt).toBeGreaterThanOrEqual(first!.endedAt!);
      expect(a.stepsStarted(uid)).toEqual(['pre', 'slow']);
      expect(b.stepsStarted(uid)).toEqual(['slow', 'post']);
      expect(a.lines.some((l) => l.includes('halting the attempt'))).toBe(true);
      // A clean exit, after the hand-back (not a crash).
      expect((await a.exited).code).toBe(0);
      const run = await db.query(`select crash_count, failed_attempts from aether.runs where uid = $1`, [uid]);
      expect(run.rows[0]).toEqual({ crash_count: 0, failed_attempts: 0 });
    },
    LONG,
  );

  it(
    'a fence while a step runs: the job is released only once the old robot stopped and acknowledged',
    async () => {
      const a = await onlyRobot('robot-fence-a');
      const uid = await submit('fence', slowWorkflow('fence'));
      await inSlowStep('fence');
      const b = await robot('robot-fence-b');
      // The operator saw robot A's pod deleted, but its process still runs (force deletion, a lost node).
      await sweeper.markPodDead(ns, 'robot-fence-a');
      const status = await finishedStatus(kc, ns, 'fence');
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-fence-b', attempts: 1 });
      const [first, second] = expectOneCopyAtATime('fence', uid, [a, b]);
      expect(first!.aborted).toBe(true);
      expect(second!.startedAt).toBeGreaterThanOrEqual(first!.endedAt!);
      expect(a.stepsStarted(uid)).toEqual(['pre', 'slow']);
      expect(b.stepsStarted(uid)).toEqual(['slow', 'post']);
      const robotA = await db.query(`select state, stopped_at is not null as acked from aether.robots where pod = 'robot-fence-a'`);
      expect(robotA.rows[0]).toEqual({ state: 'dead', acked: true });
    },
    LONG,
  );

  it(
    'a stale holder (frozen past its lease, released, thawed) has its checkpoint and status writes refused',
    async () => {
      const a = await onlyRobot('robot-stale-a');
      const uid = await submit('stale', slowWorkflow('stale'));
      await inSlowStep('stale');
      a.child.kill('SIGSTOP');
      const b = await robot('robot-stale-b');
      try {
        // A's lease (3 s) expires; the sweeper releases the job and B takes over the slow step.
        await waitFor('robot B inside the slow step', async () => (b.stepsStarted(uid).includes('slow') ? true : undefined), {
          timeoutMs: 60_000,
        });
      } finally {
        a.child.kill('SIGCONT');
      }
      // A's own request is answered first (it began first): A would record the step and run the next one.
      const status = await finishedStatus(kc, ns, 'stale');
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-stale-b', attempts: 1 });
      await waitFor(
        'robot A to notice',
        async () => (a.lines.some((l) => l.includes('no longer holds the run') || l.includes('halting the attempt')) ? true : undefined),
        { timeoutMs: 30_000 },
      );
      // A ran no step after the one it was frozen in; B ran the slow step and the rest.
      expect(a.stepsStarted(uid)).toEqual(['pre', 'slow']);
      expect(b.stepsStarted(uid)).toEqual(['slow', 'post']);
      expect(sink.to('/effect/stale-post')).toHaveLength(1);
      // One checkpoint per step: A's late one for the slow step was never written (B's was).
      const cps = await db.query<{ name: string }>(
        `select function_name as name from dbos.operation_outputs where workflow_uuid = $1 order by function_id`,
        [workflowIdFor(uid, 1)],
      );
      expect(cps.rows.map((r) => r.name)).toEqual(['pre', 'slow', 'post']);
      // The run row and the status stay B's.
      await new Promise((r) => setTimeout(r, 2000));
      const run = await db.query(`select state, robot from aether.runs where uid = $1`, [uid]);
      // (the run row names the robot process: its pod plus a suffix)
      expect(run.rows[0]).toEqual({ state: 'succeeded', robot: expect.stringMatching(/^robot-stale-b-/) });
      expect(await finishedStatus(kc, ns, 'stale')).toMatchObject({ phase: 'Succeeded', robot: 'robot-stale-b' });
    },
    LONG,
  );

  /** login (sets a cookie) → home → charge (effect) → check (fails in attempt 1: a 500 page) → done (effect). */
  const retryWorkflow = (tag: string): WorkflowSpec => ({
    steps: [
      { id: 'login', action: 'goto', url: `${sink.url}/page/${tag}-login?setCookie=${tag}-session` },
      { id: 'home', action: 'goto', url: `${sink.url}/page/${tag}-home` },
      { id: 'charge', action: 'http', method: 'POST', url: `${sink.url}/effect/${tag}-charge` },
      { id: 'check', action: 'goto', url: `${sink.url}/flaky-page/${tag}` },
      { id: 'done', action: 'http', method: 'POST', url: `${sink.url}/effect/${tag}-done` },
    ],
  });

  it.each<['failedStep' | 'start', number]>([
    ['failedStep', 1],
    ['start', 2],
  ])(
    'a failed attempt retried with retry.from %s: the same Idempotency-Key in both attempts, %i charge request(s)',
    async (from, charges) => {
      await onlyRobot(`robot-retry-${from.toLowerCase()}`);
      const tag = `retry-${from.toLowerCase()}`;
      const uid = await submit(tag, retryWorkflow(tag), { maxAttempts: 2, retryFrom: from });
      const status = await finishedStatus(kc, ns, tag);
      expect(status).toMatchObject({ phase: 'Succeeded', attempts: 2 });
      const charge = sink.to(`/effect/${tag}-charge`);
      expect(charge).toHaveLength(charges);
      // Every request of the step carried the same key: job uid + step path, whatever the attempt.
      expect(new Set(charge.map((r) => r.key))).toEqual(new Set([`${uid}/charge`]));
      expect(sink.applied(`/effect/${tag}-charge`)).toBe(1);
      expect(sink.to(`/effect/${tag}-done`)).toHaveLength(1);
      // failedStep: the steps that succeeded are not run again (the session restore reloads the last page,
      // home, once); start: all of them are.
      expect(sink.to(`/page/${tag}-login`)).toHaveLength(from === 'start' ? 2 : 1);
      expect(sink.to(`/page/${tag}-home`)).toHaveLength(2);
      // The failed step, retried, had the session of the last good checkpoint (the cookie login set).
      const checks = sink.to(`/flaky-page/${tag}`);
      expect(checks.map((r) => r.status)).toEqual([500, 200]);
      expect(checks[1]!.cookie).toContain(`sid=${tag}-session`);
    },
    LONG,
  );
});
