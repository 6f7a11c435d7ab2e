// The fencing token on a real PostgreSQL: a claim of a held job takes a new token, a release moves it on,
// and every write of the old holder is then refused (run row marked running, succeeded, cancelled; its
// RunHolder, which guards checkpoints and status patches, says false). A robot asked to stop is released
// only once it acknowledged, or its lease expired.
import { Writable } from 'node:stream';
import type pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { jobKey } from '../../../api/queue/identifiers.js';
import type { Producer } from '../../../api/queue/producer.js';
import { releaseDeadRobots } from '../../../api/queue/release.js';
import { acknowledgeRobotStopped, holdsRun, requestPodFence } from '../../../api/queue/sql/fence.js';
import { heartbeatRobot, markExpiredRobotsDead, registerRobot } from '../../../api/queue/sql/robots.js';
import { claimRuns, completeRuns, getRun, markRunCancelled, markRunsRunning, requeueRun } from '../../../api/queue/sql/runs.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { createRunHolder } from './fence.js';
import { LostJobError } from './transactions/held-job.js';
import { createPayloadParser } from '../../../api/queue/payload.js';
import { createRecorder } from './record.js';

const silent = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let pool: pg.Pool;
let producer: Producer;

beforeAll(async () => {
  ({ pool, producer } = await migratedQueueDatabase('fence'));
});
afterAll(async () => {
  await pool.end();
});

/** graphile's fetch of the run's job by a worker pool; returns the job id. */
async function lockJob(uid: string, workerPool: string): Promise<string> {
  const r = await pool.query<{ id: string }>(
    `update graphile_worker._private_jobs set locked_at = now(), locked_by = $2, attempts = attempts + 1 where key = $1 returning id::text`,
    [jobKey(uid), workerPool],
  );
  return r.rows[0]!.id;
}

async function claim(uid: string, workerPool: string, jobId: string) {
  const [c] = await claimRuns(pool, { uids: [uid], held: [{ uid, graphileJobId: jobId, workerPoolId: workerPool }] });
  return c;
}

describe('the fencing token', () => {
  it('refuses every write of a holder whose run was released to another robot', async () => {
    const p = testPayload();
    await producer.enqueue({ payload: p });
    const jobA = await lockJob(p.uid, 'pool-a');
    const a = await claim(p.uid, 'pool-a', jobA);
    expect(a?.claimEpoch).toBe(1);
    expect(await markRunsRunning(pool, { runs: [{ uid: p.uid, epoch: 1 }], robot: 'robot-a' })).toBe(1);
    const holderA = createRunHolder({ db: pool, uid: p.uid, epoch: 1, abandoned: () => false, logger: silent });
    expect(await holderA.confirm()).toBe(true);

    // Robot A is declared dead: the sweeper releases its run (the token moves on) and unlocks its job.
    const released = await releaseDeadRobots(pool, [{ id: 'robot-a', namespace: 'default', pool: 'p', pod: null, workerPoolIds: ['pool-a'] }]);
    expect(released.requeuedRuns).toBe(1);
    expect(await holdsRun(pool, { uid: p.uid, epoch: 1 })).toBe(false);

    // A's claim of its (no longer held) job gets no token: it must not run.
    expect((await claim(p.uid, 'pool-a', jobA))?.claimEpoch).toBeNull();
    // Robot B takes the job.
    const b = await claim(p.uid, 'pool-b', await lockJob(p.uid, 'pool-b'));
    expect(b?.claimEpoch).toBe(3);

    // Every write of stale A is refused; its holder (checkpoints, status patches) says false.
    expect(await holderA.confirm()).toBe(false);
    expect(await markRunsRunning(pool, { runs: [{ uid: p.uid, epoch: 1 }], robot: 'robot-a' })).toBe(0);
    expect(await completeRuns(pool, { results: [{ uid: p.uid, outputs: { by: 'a' }, epoch: 1 }], robot: 'robot-a' })).toBe(0);
    expect(await markRunCancelled(pool, { uid: p.uid, epoch: 1 })).toBe(false);
    expect(await getRun(pool, { uid: p.uid })).toMatchObject({ state: 'queued', outputs: null });

    // B's go through.
    expect(await markRunsRunning(pool, { runs: [{ uid: p.uid, epoch: 3 }], robot: 'robot-b' })).toBe(1);
    expect(await completeRuns(pool, { results: [{ uid: p.uid, outputs: { by: 'b' }, epoch: 3 }], robot: 'robot-b' })).toBe(1);
    expect(await getRun(pool, { uid: p.uid })).toMatchObject({ state: 'succeeded', robot: 'robot-b', outputs: { by: 'b' } });
  });

  it("records a stale holder's success as a lost job, so graphile-worker does not delete the job another robot now holds", async () => {
    const recorder = createRecorder({ db: pool, robot: 'robot-a', backoff: { baseMs: 0, factor: 1, maxMs: 0, jitter: 0 }, logger: silent });
    const p = testPayload();
    await producer.enqueue({ payload: p });
    const jobA = await lockJob(p.uid, 'pool-a');
    const a = (await claim(p.uid, 'pool-a', jobA))!;
    await releaseDeadRobots(pool, [{ id: 'robot-a', namespace: 'default', pool: 'p', pod: null, workerPoolIds: ['pool-a'] }]);
    await claim(p.uid, 'pool-b', await lockJob(p.uid, 'pool-b'));
    const job = { id: jobA, locked_by: 'pool-a' } as Parameters<typeof recorder.record>[0];
    // Before: this resolved, and graphile's completeJob (a delete by id) removed robot b's job.
    const parse = createPayloadParser();
    await expect(recorder.record(job, parse(p), a, { status: 'succeeded', outputs: { by: 'a' } })).rejects.toBeInstanceOf(LostJobError);
    expect(await getRun(pool, { uid: p.uid })).toMatchObject({ state: 'queued', outputs: null });

    // A run that is final for another reason (cancelled) while its job is still held: recorded as done.
    const q = testPayload();
    await producer.enqueue({ payload: q });
    const jobQ = await lockJob(q.uid, 'pool-c');
    const c = (await claim(q.uid, 'pool-c', jobQ))!;
    expect(await markRunCancelled(pool, { uid: q.uid })).toBe(true);
    await expect(
      recorder.record({ id: jobQ, locked_by: 'pool-c' } as Parameters<typeof recorder.record>[0], parse(q), c, { status: 'succeeded', outputs: {} }),
    ).resolves.toBeUndefined();
  });

  it('moves on at a hand-back, and a holder abandoned by its consumer confirms nothing', async () => {
    const p = testPayload();
    await producer.enqueue({ payload: p });
    const c = await claim(p.uid, 'pool-h', await lockJob(p.uid, 'pool-h'));
    let abandoned = false;
    const holder = createRunHolder({ db: pool, uid: p.uid, epoch: c!.claimEpoch!, abandoned: () => abandoned, logger: silent });
    expect(await holder.confirm()).toBe(true);
    abandoned = true;
    expect(await holder.confirm()).toBe(false);
    abandoned = false;
    await requeueRun(pool, { uid: p.uid, robot: 'robot-h' });
    expect(await holdsRun(pool, { uid: p.uid, epoch: c!.claimEpoch! })).toBe(false);
    expect(await holder.confirm()).toBe(false);
  });
});

describe('a robot asked to stop (its pod deleted while its process may still run)', () => {
  it('loses its heartbeat at once, and is released only once it acknowledged or its lease expired', async () => {
    await registerRobot(pool, { id: 'robot-f', namespace: 'ns-f', pool: 'p', pod: 'pod-f', leaseSeconds: 60 });
    await registerRobot(pool, { id: 'robot-g', namespace: 'ns-f', pool: 'p', pod: 'pod-g', leaseSeconds: 1 });
    expect(await requestPodFence(pool, { namespace: 'ns-f', pod: 'pod-f' })).toEqual(['robot-f']);
    expect(await requestPodFence(pool, { namespace: 'ns-f', pod: 'pod-g' })).toEqual(['robot-g']);
    // Its heartbeat is refused: the robot fences itself.
    expect(await heartbeatRobot(pool, { id: 'robot-f', workerPoolIds: [], jobsHeld: 1 })).toBe('dead');
    // Not released while it may still be running a step.
    expect(await markExpiredRobotsDead(pool)).toEqual([]);
    // robot-g never answers: released when its lease (1 s) has expired.
    await new Promise((r) => setTimeout(r, 1200));
    expect((await markExpiredRobotsDead(pool)).map((r) => r.id)).toEqual(['robot-g']);
    // robot-f stopped its handlers and acknowledged: released now, long before its 60 s lease.
    await acknowledgeRobotStopped(pool, { id: 'robot-f' });
    expect((await markExpiredRobotsDead(pool)).map((r) => r.id)).toEqual(['robot-f']);
  });
});
