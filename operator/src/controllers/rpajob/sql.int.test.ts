// The controller's own read of run rows and its batched enqueue, on a real PostgreSQL: the same time and
// digest as the producer's full row (what a later pass compares the status with); concurrent enqueues
// share statements, each job is queued once, and a bad payload fails only its own call.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { testPayload } from '../../../../api/queue/fixtures.js';
import { InvalidPayloadError } from '../../../../api/queue/payload.js';
import { createProducer, type Producer } from '../../../../api/queue/producer.js';
import { freshDatabase } from '../../../../e2e/harness/testenv.js';
import { migrate } from '../../../../migrations/index.js';
import { createEnqueueBatcher } from './enqueue-batch.js';
import { queuedRecords } from './sql.js';

describe('queuedRecords and the batched enqueue', () => {
  let pool: pg.Pool;
  let producer: Producer;
  /** Statements sent through `pool`, by their text's start. */
  const sent: string[] = [];

  beforeAll(async () => {
    const url = await freshDatabase('queued_record');
    await migrate({ databaseUrl: url });
    pool = new pg.Pool({ connectionString: url, max: 4 });
    producer = createProducer({ pool });
  });
  afterAll(async () => {
    await pool.end();
  });

  /** The pool, counting the enqueue statements it runs. */
  const counting = {
    query: ((config: string | pg.QueryConfig, values?: unknown[]) => {
      const text = typeof config === 'string' ? config : config.text;
      sent.push(text);
      return pool.query(config as string, values);
    }) as pg.Pool['query'],
  };

  it('reads the queue time and workflow digest of runs, as getRun has them, and leaves out unknown ones', async () => {
    const a = testPayload();
    const b = testPayload();
    await producer.enqueueMany([{ payload: a }, { payload: b }]);
    const unknown = randomUUID();
    const records = await queuedRecords(pool, { uids: [a.uid, b.uid, unknown] });
    expect([...records.keys()].sort()).toEqual([a.uid, b.uid].sort());
    const run = await producer.getRun(a.uid);
    expect(records.get(a.uid)).toEqual({ createdAt: run!.createdAt, workflowDigest: a.workflowDigest });
    expect(records.get(a.uid)!.createdAt).toBeInstanceOf(Date);
    // The prepared statement is reused on the same connection.
    expect(await queuedRecords(pool, { uids: [a.uid] })).toEqual(new Map([[a.uid, records.get(a.uid)]]));
    expect(await queuedRecords(pool, { uids: [] })).toEqual(new Map());
  });

  it('queues 50 concurrent jobs in fewer statements than jobs, each once, with its record', async () => {
    sent.length = 0;
    const enqueue = createEnqueueBatcher({ db: counting, maxBatch: 20, maxInFlight: 2 });
    const payloads = Array.from({ length: 50 }, () => testPayload());
    const outcomes = await Promise.all(payloads.map((payload) => enqueue({ payload })));
    expect(outcomes.every((o) => o.enqueued)).toBe(true);
    for (const [i, o] of outcomes.entries()) {
      const run = await producer.getRun(payloads[i]!.uid);
      expect(o.run).toEqual({ createdAt: run!.createdAt, workflowDigest: payloads[i]!.workflowDigest });
    }
    const enqueues = sent.filter((t) => t.includes('aether.enqueue_runs')).length;
    expect(enqueues).toBeGreaterThanOrEqual(3); // at most 20 a batch
    expect(enqueues).toBeLessThan(50);
    const jobs = await pool.query<{ n: string }>(
      `select count(*) as n from graphile_worker.jobs where key = any($1::text[])`,
      [payloads.map((p) => `rpa:${p.uid}`)],
    );
    expect(Number(jobs.rows[0]!.n)).toBe(50);

    // Again, with the same jobs: nothing queued twice, no record.
    const again = await Promise.all(payloads.map((payload) => enqueue({ payload })));
    expect(again.every((o) => !o.enqueued && o.run === null)).toBe(true);
  });

  it('fails only the call with a bad payload; the others in its burst are queued', async () => {
    const enqueue = createEnqueueBatcher({ db: pool });
    const good = testPayload();
    const results = await Promise.allSettled([enqueue({ payload: { ...testPayload(), uid: 'not-a-uuid' } }), enqueue({ payload: good })]);
    expect(results[0]).toEqual({ status: 'rejected', reason: expect.any(InvalidPayloadError) });
    expect(results[1]).toEqual({ status: 'fulfilled', value: expect.objectContaining({ enqueued: true }) });
    expect((await producer.getRun(good.uid))?.state).toBe('queued');
  });
});
