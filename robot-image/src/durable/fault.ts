// A write (or read) of DBOS's system database that failed: the robot cannot record a checkpoint or the
// workflow's state. That is a crash of the robot, never a failed attempt of the job: the robot stops at
// once without recording anything (no step error, no workflow ERROR), exits non-zero, and the job is
// taken over from its last checkpoint — by another robot once the sweeper releases it, counting one
// take-over (runs.crash_count, migration 0005).
//
// What DBOS 5.3 does itself (system_database.js, dbRetry): a write that fails with a connection error
// (ECONNREFUSED, ECONNRESET, "Connection terminated", SQLSTATE 08/53/57 except 57014, …) is retried with
// backoff (1 s doubling to 60 s) for as long as it takes: the workflow pauses and the outage is ridden
// out. Any other failure — a statement timeout (57014), our client's query timeout ("Query read
// timeout", a black-holed server), a full disk that PostgreSQL reports otherwise — is thrown out of
// DBOS.runStep / getResult; without this module it would become the step's error and a failed attempt.
import { Error as DBOSErrors } from '@dbos-inc/dbos-sdk';

export class DurableFaultError extends Error {
  override readonly name = 'DurableFaultError';
  constructor(cause: unknown) {
    super(`the durable state could not be written or read: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const CONNECTION_MESSAGES = [
  'query read timeout',
  'connection terminated',
  'timeout exceeded when trying to connect',
  'connection timeout',
  'econnrefused',
  'econnreset',
  'server closed the connection',
  'client has encountered a connection error',
  'cannot use a pool after calling end',
];

/** True for an error that came from PostgreSQL or the connection to it, not from DBOS's own logic. */
export function isSystemDatabaseFault(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DurableFaultError) return true;
    // Cancels, conflicts (fencing), non-determinism: DBOS's decisions, handled where they are today.
    if (e instanceof DBOSErrors.DBOSError) return false;
    const code = (e as { code?: unknown }).code;
    // A PostgreSQL error (SQLSTATE) or a socket error.
    if (typeof code === 'string' && (/^[0-9A-Z]{5}$/.test(code) || code.startsWith('E'))) return true;
    const message = e instanceof Error ? e.message.toLowerCase() : '';
    if (CONNECTION_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}
