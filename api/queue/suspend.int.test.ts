// Suspend and resume on a real PostgreSQL: a waiting run is withdrawn (never touched) or parked (touched),
// a held run is flagged and its robot notified, a parked run is queued again under the same key with the
// same payload and counters; depth and the dead-robot sweeper leave parked runs alone; a cancel ends one.
import pg from 'pg';
import { withTransaction } from './db.js';
import { testPayload } from './fixtures.js';
import { CANCEL_CHANNEL, ENQUEUE_CHANNEL, jobKey, PRISTINE_FLAG } from './identifiers.js';
import { parsePayload } from './payload.js';
import type { Producer } from './producer.js';
import { releaseDeadRobots } from './release.js';
import { claimRuns, detachHeldJob, parkRun } from './sql/runs.js';
import { migratedQueueDatabase } from './testing/database.js';

let url: string;
let pool: pg.Pool;
let producer: Producer;

beforeAll(async () => {
  ({ url, pool, producer } = await migratedQueueDatabase('suspend'));
});
afterAll(async () => {
  await pool.end();
});

async function jobsFor(uid: string) {
  const r = await pool.query<{ id: string; payload: unknown; flags: Record<string, boolean> | null; locked_by: string | null }>(
    'select id::text, payload, flags, locked_by from graphile_worker._private_jobs where key = $1',
    [jobKey(uid)],
  );
  return r.rows;
}

/** What a robot's claim does to the run and its job (graphile's fetch, our claim write). */
async function hold(uid: string, robot: string, workerPool: string) {
  await pool.query(`update graphile_worker._private_jobs set locked_at = now(), locked_by = $2, attempts = attempts + 1 where key = $1`, [jobKey(uid), workerPool]);
  await pool.query(`update aether.runs set state = 'running', robot = $2, attempts = attempts + 1, started_at = now() where uid = $1`, [uid, robot]);
}

/** Collects NOTIFY payloads of one channel while fn runs. */
async function heard(channel: string, fn: () => Promise<void>): Promise<string[]> {
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  const got: string[] = [];
  listener.on('notification', (m) => got.push(m.payload ?? ''));
  await listener.query(`LISTEN ${channel}`);
  try {
    await fn();
    // A round trip on the listening connection delivers what was committed before it.
    await listener.query('select 1');
    return got;
  } finally {
    await listener.end();
  }
}

const counters = async (uid: string) =>
  (await pool.query(`select attempts, failed_attempts as "failedAttempts", robot from aether.runs where uid = $1`, [uid])).rows[0];

describe('suspend and resume', () => {
  it('withdraws a waiting run nothing has touched: row and job gone, to be enqueued afresh', async () => {
    const p = testPayload({ namespace: 'sus1', pool: 'a' });
    await producer.enqueue({ payload: p });
    expect(await producer.requestSuspend(p.uid)).toBe('withdrawn');
    expect(await producer.getRun(p.uid)).toBeNull();
    expect(await jobsFor(p.uid)).toHaveLength(0);
    expect(await producer.requestSuspend(p.uid)).toBe('finished');
    expect(await producer.resume(p.uid)).toBe('notSuspended');
    expect((await producer.enqueue({ payload: p })).enqueued).toBe(true);
  });

  it('parks a waiting run with history; depth ignores it; resume re-adds the same job with counters unchanged', async () => {
    const p = testPayload({ namespace: 'sus2', pool: 'a', maxAttempts: 4 });
    await producer.enqueue({ payload: p });
    // A failed first attempt: the run waits for its retry with failed_attempts 1.
    await pool.query(`update aether.runs set attempts = 1, failed_attempts = 1, robot = 'robot-old' where uid = $1`, [p.uid]);
    const before = await counters(p.uid);
    expect(await producer.depth('sus2', 'a')).toEqual({ ready: 1, delayed: 0, running: 0 });

    expect(await producer.requestSuspend(p.uid, { actor: 'test' })).toBe('suspended');
    expect(await producer.requestSuspend(p.uid)).toBe('suspended');
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'suspended', suspendRequested: false, finishedAt: null });
    expect(await jobsFor(p.uid)).toHaveLength(0);
    expect(await counters(p.uid)).toEqual(before);
    expect(await producer.depth('sus2', 'a')).toEqual({ ready: 0, delayed: 0, running: 0 });
    // A stale job fetched for a parked run is not claimed.
    expect(await claimRuns(pool, { uids: [p.uid] })).toEqual([]);

    const notes = await heard(ENQUEUE_CHANNEL, async () => {
      expect(await producer.resume(p.uid, { actor: 'test' })).toBe('resumed');
    });
    expect(notes).toEqual(['sus2/a']);
    expect(await producer.resume(p.uid)).toBe('notSuspended');
    const jobs = await jobsFor(p.uid);
    expect(jobs).toHaveLength(1);
    expect(parsePayload(jobs[0]!.payload)).toEqual(parsePayload(p));
    // Not pristine: the robot that claims it reads the run (attempt 2, previous robot).
    expect(jobs[0]!.flags?.[PRISTINE_FLAG]).toBeUndefined();
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'queued', suspendRequested: false });
    expect(await counters(p.uid)).toEqual(before);
    expect(await producer.depth('sus2', 'a')).toEqual({ ready: 1, delayed: 0, running: 0 });
    const [claim] = await claimRuns(pool, { uids: [p.uid] });
    expect(claim).toMatchObject({ state: 'queued', failedAttempts: 1, previousRobot: 'robot-old', suspendRequested: false });
    const audit = await pool.query(`select action from aether.audit_log where run_uid = $1 order by id`, [p.uid]);
    expect(audit.rows.map((r) => r.action)).toEqual(['run.suspended', 'run.resumed']);
  });

  it('flags a held run and notifies its robot; the robot parks it; resume queues it again', async () => {
    const p = testPayload({ namespace: 'sus3', pool: 'a' });
    await producer.enqueue({ payload: p });
    await hold(p.uid, 'robot-1', 'pool-held');
    const notes = await heard(CANCEL_CHANNEL, async () => {
      expect(await producer.requestSuspend(p.uid)).toBe('requested');
    });
    expect(notes).toEqual([`suspend:${p.uid}`]);
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'running', suspendRequested: true, cancelRequested: false });
    const [job] = await jobsFor(p.uid);
    expect(job).toMatchObject({ locked_by: 'pool-held' });
    expect(job!.flags?.[PRISTINE_FLAG]).toBeUndefined();
    expect(await claimRuns(pool, { uids: [p.uid] })).toEqual([expect.objectContaining({ state: 'running', suspendRequested: true })]);
    // Asked again before the robot acted: the robot is told again, the request recorded once.
    const retold = await heard(CANCEL_CHANNEL, async () => {
      expect(await producer.requestSuspend(p.uid)).toBe('requested');
    });
    expect(retold).toEqual([`suspend:${p.uid}`]);
    const requests = await pool.query(`select count(*)::int as n from aether.audit_log where run_uid = $1 and action = 'run.suspendRequested'`, [p.uid]);
    expect(requests.rows[0].n).toBe(1);
    expect(await producer.depth('sus3', 'a')).toEqual({ ready: 0, delayed: 0, running: 1 });

    // What the robot's consumer does at the step boundary: detach its job and park the run, in one transaction.
    const parked = await withTransaction(pool, async (tx) => {
      expect(await detachHeldJob(tx, { graphileJobId: job!.id, workerPoolId: 'pool-held' })).toBe(true);
      return parkRun(tx, { uid: p.uid, payload: parsePayload(p), robot: 'robot-1' });
    });
    expect(parked).toBe('suspended');
    await pool.query(`delete from graphile_worker._private_jobs where id = $1`, [job!.id]); // graphile completes the task
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'suspended', suspendRequested: false, attempts: 1, failedAttempts: 0, robot: 'robot-1' });
    expect(await producer.depth('sus3', 'a')).toEqual({ ready: 0, delayed: 0, running: 0 });

    expect(await producer.resume(p.uid)).toBe('resumed');
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'queued', attempts: 1, failedAttempts: 0, robot: 'robot-1' });
    const [again] = await jobsFor(p.uid);
    expect(again).toMatchObject({ locked_by: null });
    expect(parsePayload(again!.payload)).toEqual(parsePayload(p));
  });

  it('parks a flagged run at once when its robot died and its job is back in the queue', async () => {
    const p = testPayload({ namespace: 'sus8', pool: 'a' });
    await producer.enqueue({ payload: p });
    await hold(p.uid, 'robot-gone', 'pool-gone');
    expect(await producer.requestSuspend(p.uid)).toBe('requested');
    await withTransaction(pool, (tx) => releaseDeadRobots(tx, [{ id: 'robot-gone', namespace: 'sus8', pool: 'a', pod: null, workerPoolIds: ['pool-gone'] }]));
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'queued', suspendRequested: true });
    expect(await producer.requestSuspend(p.uid)).toBe('suspended');
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'suspended', suspendRequested: false, robot: 'robot-gone', attempts: 1 });
    expect(await jobsFor(p.uid)).toHaveLength(0);
  });

  it('withdraws a request the robot has not acted on when suspend goes back to false', async () => {
    const p = testPayload({ namespace: 'sus4', pool: 'a' });
    await producer.enqueue({ payload: p });
    await hold(p.uid, 'robot-1', 'pool-w');
    expect(await producer.requestSuspend(p.uid)).toBe('requested');
    expect(await producer.resume(p.uid)).toBe('requestWithdrawn');
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'running', suspendRequested: false });
    expect(await producer.resume(p.uid)).toBe('notSuspended');
  });

  it('the dead-robot sweeper leaves a parked run alone and requeues only running ones', async () => {
    const parked = testPayload({ namespace: 'sus5', pool: 'a' });
    const running = testPayload({ namespace: 'sus5', pool: 'a' });
    await producer.enqueueMany([{ payload: parked }, { payload: running }]);
    await hold(parked.uid, 'robot-dead', 'pool-dead');
    await hold(running.uid, 'robot-dead', 'pool-dead');
    expect(await producer.requestSuspend(parked.uid)).toBe('requested');
    await withTransaction(pool, async (tx) => {
      const [j] = await jobsFor(parked.uid);
      await detachHeldJob(tx, { graphileJobId: j!.id, workerPoolId: 'pool-dead' });
      await parkRun(tx, { uid: parked.uid, payload: parsePayload(parked), robot: 'robot-dead' });
    });
    const released = await withTransaction(pool, (tx) =>
      releaseDeadRobots(tx, [{ id: 'robot-dead', namespace: 'sus5', pool: 'a', pod: null, workerPoolIds: ['pool-dead'] }]),
    );
    expect(released.requeuedRuns).toBe(1);
    expect((await producer.getRun(parked.uid))?.state).toBe('suspended');
    expect((await producer.getRun(running.uid))?.state).toBe('queued');
  });

  it('a cancel ends a parked run, and wins over a suspend the robot has not finished', async () => {
    const p = testPayload({ namespace: 'sus6', pool: 'a' });
    await producer.enqueue({ payload: p });
    await pool.query(`update aether.runs set attempts = 1, robot = 'robot-old' where uid = $1`, [p.uid]);
    expect(await producer.requestSuspend(p.uid)).toBe('suspended');
    expect(await producer.cancel(p.uid)).toBe('cancelled');
    const run = await producer.getRun(p.uid);
    expect(run).toMatchObject({ state: 'cancelled', cancelRequested: true });
    expect(run?.finishedAt).toBeInstanceOf(Date);
    expect(await producer.resume(p.uid)).toBe('notSuspended');
    expect(await jobsFor(p.uid)).toHaveLength(0);

    const q = testPayload({ namespace: 'sus6', pool: 'a' });
    await producer.enqueue({ payload: q });
    await hold(q.uid, 'robot-1', 'pool-c');
    expect(await producer.requestSuspend(q.uid)).toBe('requested');
    expect(await producer.cancel(q.uid)).toBe('requested');
    // A run being cancelled is not suspended any more.
    expect(await producer.requestSuspend(q.uid)).toBe('finished');
    expect(await claimRuns(pool, { uids: [q.uid] })).toEqual([expect.objectContaining({ state: 'cancelled', suspendRequested: false })]);
    const r = await pool.query(`update aether.runs set state = 'running' where uid = $1`, [q.uid]);
    expect(r.rowCount).toBe(1);
    expect(await parkRun(pool, { uid: q.uid, payload: parsePayload(q), robot: 'robot-1' })).toBe('cancelled');
    expect(await producer.getRun(q.uid)).toMatchObject({ state: 'cancelled' });
  });

  it('a parked run always keeps its payload, and only a parked run has one', async () => {
    const p = testPayload({ namespace: 'sus7', pool: 'a' });
    await producer.enqueue({ payload: p });
    await expect(pool.query(`update aether.runs set state = 'suspended' where uid = $1`, [p.uid])).rejects.toThrow(/runs_suspended_payload/);
    await expect(pool.query(`update aether.runs set suspended_payload = '{}' where uid = $1`, [p.uid])).rejects.toThrow(/runs_suspended_payload/);
  });
});
