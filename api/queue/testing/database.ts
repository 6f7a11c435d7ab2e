// Test support: a fresh, migrated database (on the suite's PostgreSQL) with a pool and a producer on it;
// the suite ends the pool.
import pg from 'pg';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import { migrate } from '../../../migrations/index.js';
import { createProducer, type Producer } from '../producer.js';

export interface QueueTestDatabase {
  url: string;
  pool: pg.Pool;
  producer: Producer;
}

export async function migratedQueueDatabase(prefix: string): Promise<QueueTestDatabase> {
  const url = await freshDatabase(prefix);
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  return { url, pool, producer: createProducer({ pool }) };
}
