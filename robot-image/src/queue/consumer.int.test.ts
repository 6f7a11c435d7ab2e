import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { jobKey } from '../../../api/queue/identifiers.js';
import type { Producer } from '../../../api/queue/producer.js';
import { startConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
import type { JobContext, JobHandler, HandlerOutcome } from './handler.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';

const logger = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let url: string;
let pool: pg.Pool;
let producer: Producer;
const consumers: Consumer[] = [];

beforeAll(async () => {
  ({ url, pool, producer } = await migratedQueueDatabase('cons'));
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop({ deadlineMs: 0 })));
});
afterAll(async () => {
  await pool.end();
});

async function consumer(o: Partial<ConsumerOptions> & Pick<ConsumerOptions, 'namespace' | 'pool' | 'handler'>): Promise<Consumer> {
  const c = await startConsumer({ databaseUrl: url, robotId: `robot-${Math.random().toString(36).slice(2, 8)}`, logger, ...o });
  consumers.push(c);
  return c;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const succeed: JobHandler = async () => ({ status: 'succeeded', outputs: { ok: true } });

/** A handler that parks every job until released (or until its signal fires). */
function parkingHandler() {
  const parked: JobContext[] = [];
  const releases = new Map<string, (o: HandlerOutcome) => void>();
  const handler: JobHandler = (ctx) =>
    new Promise<HandlerOutcome>((resolve) => {
      parked.push(ctx);
      releases.set(ctx.runUid, resolve);
      ctx.signal.addEventListener('abort', () => {
        if (ctx.signal.reason === 'cancelled') resolve({ status: 'cancelled' });
        else if (ctx.signal.reason === 'suspended') resolve({ status: 'suspended' });
        // shutdown, fenced: stop at once (the outcome is not used); the job is handed back only then.
        else resolve({ status: 'failed', error: { message: `stopped: ${String(ctx.signal.reason)}` } });
      });
    });
  return { handler, parked, release: (uid: string, o: HandlerOutcome = { status: 'succeeded' }) => releases.get(uid)?.(o) };
}

describe('consumer', () => {
  it('runs a job and records success with outputs; the robot registered its worker pool id', async () => {
    const c = await consumer({ namespace: 'one', pool: 'p', handler: succeed });
    const p = testPayload({ namespace: 'one', pool: 'p' });
    await producer.enqueue({ payload: p });
    const run = await waitFor('success', async () => {
      const r = await producer.getRun(p.uid);
      return r?.state === 'succeeded' && r;
    });
    expect(run).toMatchObject({ outputs: { ok: true }, attempts: 1, failedAttempts: 0, robot: c.robotId });
    const robot = await pool.query('select worker_pool_ids, state from aether.robots where id = $1', [c.robotId]);
    expect(robot.rows[0].state).toBe('alive');
    expect(robot.rows[0].worker_pool_ids).toEqual(c.workerPoolIds());
    expect(c.workerPoolIds()[0]).toMatch(/^pool-/);
    await waitFor('job deleted', async () => (await pool.query('select 1 from graphile_worker.jobs where key = $1', [jobKey(p.uid)])).rowCount === 0);
  });

  it('routes by pool: each consumer only gets the jobs of its own pool', async () => {
    const seen: Record<string, string[]> = { a: [], b: [] };
    const handlerFor = (name: 'a' | 'b'): JobHandler => async (ctx) => {
      seen[name]!.push(`${ctx.payload.pool}:${ctx.runUid}`);
      return { status: 'succeeded' };
    };
    await consumer({ namespace: 'route', pool: 'a', handler: handlerFor('a'), concurrency: 2 });
    await consumer({ namespace: 'route', pool: 'b', handler: handlerFor('b'), concurrency: 2 });
    const reqs = Array.from({ length: 20 }, (_, i) => ({ payload: testPayload({ namespace: 'route', pool: i % 2 ? 'a' : 'b' }) }));
    await producer.enqueueMany(reqs);
    await waitFor('all done', () => seen.a!.length + seen.b!.length === 20);
    expect(seen.a).toHaveLength(10);
    expect(seen.b).toHaveLength(10);
    expect(seen.a!.every((s) => s.startsWith('a:'))).toBe(true);
    expect(seen.b!.every((s) => s.startsWith('b:'))).toBe(true);
  });

  it('honours priority: urgent first, low last, integers in between', async () => {
    const order: string[] = [];
    const prios = ['low', 'normal', 'urgent', 50, 'high', -500] as const;
    const reqs = prios.map((priority) => ({ payload: testPayload({ namespace: 'prio', pool: 'p', name: `j${String(priority)}`.toLowerCase().replace('-', 'm'), priority }) }));
    await producer.enqueueMany(reqs);
    await consumer({
      namespace: 'prio',
      pool: 'p',
      concurrency: 1,
      handler: async (ctx) => {
        order.push(ctx.payload.name);
        return { status: 'succeeded' };
      },
    });
    await waitFor('all done', () => order.length === prios.length);
    expect(order).toEqual(['jurgent', 'jhigh', 'j50', 'jnormal', 'jlow', 'jm500']);
  });

  it('retries a failing job with back-off, then dead-letters it with its last error', async () => {
    const calls: Array<{ at: number; attempt: number; previousRobot: string | null }> = [];
    const p = testPayload({ namespace: 'fail', pool: 'p', maxAttempts: 3 });
    const c = await consumer({
      namespace: 'fail',
      pool: 'p',
      pollIntervalMs: 100,
      backoff: { baseMs: 300, factor: 2, maxMs: 10_000, jitter: 0 },
      handler: async (ctx) => {
        calls.push({ at: Date.now(), attempt: ctx.attempt, previousRobot: ctx.previousRobot });
        return { status: 'failed', error: { message: `boom ${ctx.attempt}`, stepId: 'login' }, screenshot: Buffer.from('png-bytes') };
      },
    });
    await producer.enqueue({ payload: p });
    const run = await waitFor('dead letter', async () => {
      const r = await producer.getRun(p.uid);
      return r?.state === 'failed' && r;
    });
    expect(calls.map((x) => x.attempt)).toEqual([1, 2, 3]);
    expect(calls.every((x) => x.previousRobot === null)).toBe(true);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(300);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(600);
    expect(run).toMatchObject({ failedAttempts: 3, maxAttempts: 3, attempts: 3, error: { message: 'boom 3', stepId: 'login' }, robot: c.robotId });
    expect(run.screenshotId).not.toBeNull();
    const shot = await pool.query('select step_id, image from aether.screenshots where id = $1', [run.screenshotId]);
    expect(shot.rows[0].step_id).toBe('login');
    expect(Buffer.from(shot.rows[0].image).toString()).toBe('png-bytes');
    const dead = await producer.deadLetters('fail');
    expect(dead.map((r) => [r.uid, r.error?.message])).toEqual([[p.uid, 'boom 3']]);
    await waitFor('no job left', async () => (await pool.query(`select 1 from graphile_worker.jobs where task_identifier = 'rpa.run.fail.p'`)).rowCount === 0);
  });

  it('fails for good at once when the outcome is not retryable, and treats a throwing handler as a failure', async () => {
    const a = testPayload({ namespace: 'fatal', pool: 'p', maxAttempts: 5 });
    const b = testPayload({ namespace: 'fatal', pool: 'p', maxAttempts: 2 });
    await consumer({
      namespace: 'fatal',
      pool: 'p',
      pollIntervalMs: 100,
      backoff: { baseMs: 50, factor: 1, maxMs: 50, jitter: 0 },
      handler: async (ctx) => {
        if (ctx.runUid === a.uid) return { status: 'failed', error: { message: 'bad workflow' }, retryable: false };
        throw new Error('engine crashed');
      },
    });
    await producer.enqueueMany([{ payload: a }, { payload: b }]);
    const ra = await waitFor('a failed', async () => ((await producer.getRun(a.uid))?.state === 'failed' ? producer.getRun(a.uid) : null));
    const rb = await waitFor('b failed', async () => ((await producer.getRun(b.uid))?.state === 'failed' ? producer.getRun(b.uid) : null));
    expect(ra).toMatchObject({ failedAttempts: 1, error: { message: 'bad workflow' } });
    expect(rb).toMatchObject({ failedAttempts: 2, error: { message: 'engine crashed', code: 'HandlerError' } });
  });

  it('reports depth as jobs are claimed: ready, delayed, running', async () => {
    const park = parkingHandler();
    const later = new Date(Date.now() + 3600_000);
    await producer.enqueueMany([
      ...Array.from({ length: 5 }, () => ({ payload: testPayload({ namespace: 'depth', pool: 'p' }) })),
      { payload: testPayload({ namespace: 'depth', pool: 'p' }), runAt: later },
    ]);
    expect(await producer.depth('depth', 'p')).toEqual({ ready: 5, delayed: 1, running: 0 });
    await consumer({ namespace: 'depth', pool: 'p', handler: park.handler, concurrency: 2, localQueueSize: 2 });
    await waitFor('two parked', () => park.parked.length === 2);
    // Claims are written once a handler has run for markRunningAfterMs (200 ms).
    await waitFor('two running', async () => (await producer.depth('depth', 'p')).running === 2);
    expect(await producer.depth('depth', 'p')).toEqual({ ready: 3, delayed: 1, running: 2 });
    park.release(park.parked[0]!.runUid);
    await waitFor('third parked', () => park.parked.length === 3);
    await waitFor('depth after one finished', async () => {
      const d = await producer.depth('depth', 'p');
      return d.ready === 2 && d.running === 2 && d.delayed === 1;
    });
  });

  it('cancels a running job: the handler is signalled and the run ends cancelled', async () => {
    const park = parkingHandler();
    await consumer({ namespace: 'cxl', pool: 'p', handler: park.handler });
    const p = testPayload({ namespace: 'cxl', pool: 'p' });
    await producer.enqueue({ payload: p });
    await waitFor('parked', () => park.parked.length === 1);
    expect(await producer.cancel(p.uid)).toBe('requested');
    await waitFor('cancelled', async () => (await producer.getRun(p.uid))?.state === 'cancelled');
    expect(park.parked[0]!.signal.reason).toBe('cancelled');
  });

  /** One handler slot, three jobs fetched: one runs (parked), two wait locked in the local queue. */
  async function threeHeld(namespace: string) {
    const park = parkingHandler();
    const robot = await consumer({ namespace, pool: 'p', handler: park.handler, concurrency: 1, localQueueSize: 3 });
    const payloads = [0, 1, 2].map(() => testPayload({ namespace, pool: 'p' }));
    await producer.enqueueMany(payloads.map((payload) => ({ payload })));
    await waitFor('one parked', () => park.parked.length === 1);
    await waitFor('all three held', async () => {
      const r = await pool.query(`select count(*)::int as n from graphile_worker.jobs where locked_at is not null and task_identifier = $1`, [`rpa.run.${namespace}.p`]);
      return r.rows[0].n === 3;
    });
    const started = park.parked[0]!.runUid;
    const waiting = payloads.map((p) => p.uid).filter((u) => u !== started);
    return { park, robot, started, waiting };
  }

  it('does not start a job cancelled while it waited in its local queue', async () => {
    const { park, started, waiting } = await threeHeld('qcxl');
    const [cancelled, kept] = waiting;
    // Held by the robot: flagged and notified, not removed.
    expect(await producer.cancel(cancelled!)).toBe('requested');
    park.release(started);
    await waitFor('the other one parked', () => park.parked.length === 2);
    expect(park.parked.map((c) => c.runUid)).toEqual([started, kept]);
    park.release(kept!);
    await waitFor('all finished', async () => (await producer.getRun(kept!))?.state === 'succeeded');
    // The skipped job may come after `kept` in the local queue: wait for it to be settled, never run.
    await waitFor('the cancelled one settled', async () => (await producer.getRun(cancelled!))?.state === 'cancelled');
    expect(park.parked.map((c) => c.runUid)).toEqual([started, kept]);
  });

  it('a robot that fetches a job cancelled in another robot\'s local queue does not run it', async () => {
    const { robot, started, waiting } = await threeHeld('qcxl2');
    for (const uid of waiting) expect(await producer.cancel(uid)).toBe('requested');
    // Stopping hands the running job back and returns the two unstarted ones to the queue.
    await robot.stop({ deadlineMs: 0 });
    const seen: string[] = [];
    await consumer({ namespace: 'qcxl2', pool: 'p', handler: async (ctx) => (seen.push(ctx.runUid), { status: 'succeeded' }) });
    await waitFor('resumed', async () => (await producer.getRun(started))?.state === 'succeeded');
    await waitFor('queue empty', async () => (await pool.query(`select 1 from graphile_worker.jobs where task_identifier = 'rpa.run.qcxl2.p'`)).rowCount === 0);
    expect(seen).toEqual([started]);
    for (const uid of waiting) expect((await producer.getRun(uid))?.state).toBe('cancelled');
  });

  it('suspends a running job: signalled, parked with no attempt used; resumed, the same attempt is claimed again', async () => {
    const park = parkingHandler();
    const robot = await consumer({ namespace: 'sus', pool: 'p', handler: park.handler });
    const p = testPayload({ namespace: 'sus', pool: 'p', maxAttempts: 2 });
    await producer.enqueue({ payload: p });
    await waitFor('parked', () => park.parked.length === 1);
    expect(await producer.requestSuspend(p.uid)).toBe('requested');
    await waitFor('suspended', async () => (await producer.getRun(p.uid))?.state === 'suspended');
    expect(park.parked[0]!.signal.reason).toBe('suspended');
    expect(await producer.getRun(p.uid)).toMatchObject({ failedAttempts: 0, robot: robot.robotId, suspendRequested: false });
    await waitFor('job gone', async () => (await pool.query('select 1 from graphile_worker.jobs where key = $1', [jobKey(p.uid)])).rowCount === 0);
    expect(await producer.depth('sus', 'p')).toEqual({ ready: 0, delayed: 0, running: 0 });

    expect(await producer.resume(p.uid)).toBe('resumed');
    await waitFor('claimed again', () => park.parked.length === 2);
    expect(park.parked[1]).toMatchObject({ attempt: 1, claims: 2, previousRobot: robot.robotId });
    park.release(p.uid);
    await waitFor('succeeded', async () => (await producer.getRun(p.uid))?.state === 'succeeded');
    expect(await producer.getRun(p.uid)).toMatchObject({ failedAttempts: 0 });
  });

  it('does not start a job suspended while it waited in its local queue, and runs it once resumed', async () => {
    const { park, started, waiting } = await threeHeld('qsus');
    const [suspended, kept] = waiting;
    expect(await producer.requestSuspend(suspended!)).toBe('requested');
    park.release(started);
    await waitFor('the other one parked', () => park.parked.length === 2);
    expect(park.parked.map((c) => c.runUid)).toEqual([started, kept]);
    // It waits for the one handler slot behind the other: claimed then, and parked without running.
    park.release(kept!);
    await waitFor('parked run', async () => (await producer.getRun(suspended!))?.state === 'suspended');
    expect(park.parked).toHaveLength(2);
    expect(await producer.resume(suspended!)).toBe('resumed');
    await waitFor('resumed one started', () => park.parked.length === 3);
    expect(park.parked[2]).toMatchObject({ runUid: suspended, attempt: 1 });
    park.release(suspended!);
    await waitFor('all finished', async () => (await producer.getRun(suspended!))?.state === 'succeeded');
  });

  it('on shutdown hands back a job that does not finish by the deadline; another robot resumes it', async () => {
    const park = parkingHandler();
    const first = await consumer({ namespace: 'drain', pool: 'p', handler: park.handler });
    const p = testPayload({ namespace: 'drain', pool: 'p', maxAttempts: 2 });
    await producer.enqueue({ payload: p });
    await waitFor('parked', () => park.parked.length === 1);
    await waitFor('running', async () => (await producer.getRun(p.uid))?.state === 'running');
    await first.stop({ deadlineMs: 200 });
    expect(park.parked[0]!.signal.reason).toBe('shutdown');
    const run = await producer.getRun(p.uid);
    expect(run).toMatchObject({ state: 'queued', failedAttempts: 0, robot: first.robotId });
    const robot = await pool.query('select state from aether.robots where id = $1', [first.robotId]);
    expect(robot.rows[0].state).toBe('dead');

    const seen: JobContext[] = [];
    const second = await consumer({ namespace: 'drain', pool: 'p', handler: async (ctx) => (seen.push(ctx), { status: 'succeeded' }) });
    await waitFor('resumed', async () => (await producer.getRun(p.uid))?.state === 'succeeded');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ attempt: 1, claims: 2, previousRobot: first.robotId });
    expect(await producer.getRun(p.uid)).toMatchObject({ robot: second.robotId, failedAttempts: 0 });
  });

  it('lets a running job finish within the shutdown deadline', async () => {
    const park = parkingHandler();
    const c = await consumer({ namespace: 'drain2', pool: 'p', handler: park.handler });
    const p = testPayload({ namespace: 'drain2', pool: 'p' });
    await producer.enqueue({ payload: p });
    await waitFor('parked', () => park.parked.length === 1);
    const stopped = c.stop({ deadlineMs: 10_000 });
    setTimeout(() => park.release(p.uid), 100);
    await stopped;
    expect(park.parked[0]!.signal.aborted).toBe(false);
    expect((await producer.getRun(p.uid))?.state).toBe('succeeded');
  });
});
