// A poison job: its one step never finishes because every robot that runs it dies in the middle of it
// (here: SIGKILLed by the test while inside the step, as an out-of-memory kill would). Real robot
// processes (robot-image/src/main.ts), the real API server and Postgres; the operator's sweeper runs in
// this process. Each death is a take-over counted in aether.runs.crash_count; maxCrashes (default 3)
// take-overs are allowed, the next death fails the run for good as CrashLooping, a dead letter naming the robots that died, and no robot takes
// it again — before, it went from robot to robot without end.
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
import { startRobotTestBed, type RobotTestBed } from './testing/test-bed.js';
import { startRobot, submitJob, tail, type RobotProcess } from './testing/robot-process.js';

const POOL = 'poison';
const LONG = 420_000;
const silent = createLogger({
  name: 'test',
  level: 'warn',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

describe('a job that kills every robot that runs it (e2e)', () => {
  const ns = `poison-${randomBytes(4).toString('hex')}`;
  let kc: KubeConfig;
  let dbUrl: string;
  let db: pg.Pool;
  let producer: Producer;
  let sweeper: Sweeper;
  const robots: RobotProcess[] = [];
  let bed: RobotTestBed | undefined;

  beforeAll(async () => {
    bed = await startRobotTestBed({
      databasePrefix: 'poison',
      namespace: ns,
      users: {},
      loginSecret: { username: 'u', password: 'p', token: 't' },
    });
    ({ kc, dbUrl, db, producer } = bed);
    sweeper = createSweeper({ pool: db, logger: silent, intervalMs: 300 });
    sweeper.start();
  }, LONG);

  afterAll(async () => {
    await sweeper?.stop();
    await Promise.all(robots.map((r) => r.stop()));
    await bed?.stop();
  }, LONG);

  async function robot(pod: string): Promise<RobotProcess> {
    const r = await startRobot({ databaseUrl: dbUrl, pool: POOL, namespace: ns, pod, kubeconfig: kubeconfigPath(), allow: [] });
    robots.push(r);
    return r;
  }

  it(
    'ends CrashLooping at the death after maxCrashes take-overs, as a dead letter naming the robots, instead of looping forever',
    async () => {
      const workflow: WorkflowSpec = { steps: [{ id: 'hog', action: 'waitFor', seconds: 120 }] } as WorkflowSpec;
      const uid = await submitJob({ kc, producer, namespace: ns, pool: POOL, name: 'poison', workflow });
      const runOf = async () =>
        (await db.query(`select state, robot, error from aether.runs where uid = $1`, [uid])).rows[0];
      const crashesOf = async () =>
        (await db.query(`select crash_count, max_crashes, crashes from aether.runs where uid = $1`, [uid])).rows[0];

      const pods = ['robot-a', 'robot-b', 'robot-c', 'robot-d'];
      for (const [i, pod] of pods.entries()) {
        const r = await robot(pod);
        await waitFor(
          `${pod} to be inside the step`,
          async () => (r.stepsStarted(uid).includes('hog') ? true : undefined),
          {
            timeoutMs: 120_000,
            failFast: () =>
              r.child.exitCode !== null || r.child.signalCode !== null ? `${pod} exited\n${tail(r)}` : undefined,
          },
        );
        await r.kill();
        // The sweeper declares it dead once its lease (5 s) expired and, in the same transaction, releases
        // the run it held: one take-over.
        await waitFor(
          `${pod} to be declared dead (take-over ${i + 1})`,
          async () => {
            const r = await db.query(`select state from aether.robots where pod = $1`, [pod]);
            return r.rows.length > 0 && r.rows.every((x: { state: string }) => x.state === 'dead') ? true : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 100 },
        );
      }

      const run = await runOf();
      expect(run).toMatchObject({ state: 'failed', error: { code: 'CrashLooping' } });
      expect(run.error.message).toMatch(
        /died while running it 4 times \(maxCrashes: 3 take-overs allowed\): robot-a \(lease expired\), robot-b \(lease expired\), robot-c \(lease expired\), robot-d \(lease expired\)$/,
      );
      const crashes = await crashesOf();
      expect(crashes).toMatchObject({ crash_count: 4, max_crashes: 3 });
      expect((crashes.crashes as Array<{ pod: string; reason: string }>).map((c) => [c.pod, c.reason])).toEqual(
        pods.map((p) => [p, 'lease expired']),
      );
      // A dead letter: its queue job is gone, a fresh robot does not take it again.
      const jobs = await db.query(`select count(*)::int as n from graphile_worker._private_jobs where key = $1`, [
        `rpa:${uid}`,
      ]);
      expect(jobs.rows[0].n).toBe(0);
      const fresh = await robot('robot-e');
      await new Promise((r) => setTimeout(r, 5_000));
      expect(fresh.startedAttempt(uid)).toBe(false);
      expect(await runOf()).toMatchObject({ state: 'failed', robot: run.robot });
      expect(await crashesOf()).toMatchObject({ crash_count: 4 });
    },
    LONG,
  );
});
