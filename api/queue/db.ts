// The small database surface the queue code needs. Every statement function takes a Queryable, so the
// caller decides whether it runs on the pool or inside a transaction.
import type pg from 'pg';

export type Queryable = Pick<pg.ClientBase, 'query'> | pg.Pool;

/** Runs fn in one transaction on a client of the pool; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A connection cut between two statements emits 'error' on the checked-out client; with no listener
  // that would crash the process. Kept: the next statement fails and the client is discarded.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    // A connection whose rollback fails too (dropped, timed out) is discarded, not pooled again.
    await client.query('rollback').catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
