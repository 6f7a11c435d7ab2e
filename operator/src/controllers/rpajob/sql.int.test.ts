// The controller's own read of a run row, on a real PostgreSQL: the same time and digest as the
// producer's full row (what a later pass compares the status with), and null for an unknown run.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { testPayload } from '../../../../api/queue/fixtures.js';
import { createProducer, type Producer } from '../../../../api/queue/producer.js';
import { freshDatabase } from '../../../../e2e/harness/testenv.js';
import { migrate } from '../../../../migrations/index.js';
import { queuedRecord } from './sql.js';

describe('queuedRecord', () => {
  let pool: pg.Pool;
  let producer: Producer;

  beforeAll(async () => {
    const url = await freshDatabase('queued_record');
    await migrate({ databaseUrl: url });
    pool = new pg.Pool({ connectionString: url, max: 2 });
    producer = createProducer({ pool });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('reads the queue time and workflow digest of a run, as getRun has them', async () => {
    const payload = testPayload();
    await producer.enqueue({ payload });
    const record = await queuedRecord(pool, { uid: payload.uid });
    const run = await producer.getRun(payload.uid);
    expect(record).toEqual({ createdAt: run!.createdAt, workflowDigest: payload.workflowDigest });
    expect(record!.createdAt).toBeInstanceOf(Date);
    // The prepared statement is reused on the same connection.
    expect(await queuedRecord(pool, { uid: payload.uid })).toEqual(record);
  });

  it('is null for a run that does not exist', async () => {
    expect(await queuedRecord(pool, { uid: randomUUID() })).toBeNull();
  });
});
