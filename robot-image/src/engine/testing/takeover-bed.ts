// What the take-over tests with files share: the local test site, a migrated queue database (artifact
// rows belong to a queued run) and the attempt description a testing/attempt-child.ts robot runs.
import { randomUUID } from 'node:crypto';
import { testPayload } from '../../../../api/queue/fixtures.js';
import { migratedQueueDatabase, type QueueTestDatabase } from '../../../../api/queue/testing/database.js';
import type { WorkflowSpec } from '../../../../api/v1alpha1/workflow.js';
import { startTestSite, type TestSite } from '../../../../e2e/site/server.js';

/** The namespace of every run of the bed. */
const NAMESPACE = 'team-a';

export interface TakeoverBed {
  site: TestSite;
  db: QueueTestDatabase;
  /** Queues a new run and returns its uid. */
  newRun(): Promise<string>;
  /** One attempt of `runUid`, storing artifacts in the bed's database; with crashAfterStep the robot SIGKILLs itself. */
  attempt(runUid: string, workflow: WorkflowSpec, opts?: { crashAfterStep?: number; sessionKey?: string }): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startTakeoverBed(prefix: string): Promise<TakeoverBed> {
  const site = await startTestSite();
  const db = await migratedQueueDatabase(prefix);
  return {
    site,
    db,
    async newRun() {
      const payload = testPayload({ namespace: NAMESPACE, uid: randomUUID() });
      await db.producer.enqueue({ payload });
      return payload.uid;
    },
    attempt: (runUid, workflow, opts = {}) => ({
      dbUrl: db.url,
      runUid,
      attempt: 1,
      workflow,
      params: {},
      credentials: {},
      allow: [new URL(site.url).host],
      artifacts: { dbUrl: db.url, namespace: NAMESPACE },
      ...(opts.crashAfterStep && { crashAfterStep: opts.crashAfterStep }),
      ...(opts.sessionKey && { sessionKey: opts.sessionKey }),
    }),
    async stop() {
      await site.stop();
      await db.pool.end();
    },
  };
}
