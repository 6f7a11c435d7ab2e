// Notification deliveries (migration 0015) against a real server: a job's or an item's terminal write by a
// robot role of namespace A records exactly one delivery per matching notification of A, in the same
// transaction, and none for namespace B; filters hold; robot roles can neither read deliveries nor forge
// them; the sender's claim/settle statements take each due delivery once and ignore a stale settle.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testPayload } from '../queue/fixtures.js';
import { upsertQueue } from '../queue/items/queues.js';
import { addItems, claimItem, completeItem, failItem } from '../queue/items/store.js';
import { parseItems } from '../queue/items/validate.js';
import { completeRuns, markRunCancelled } from '../queue/sql/runs.js';
import { migratedQueueDatabase } from '../queue/testing/database.js';
import { testQueueRow } from '../queue/testing/queues.js';
import type { Producer } from '../queue/producer.js';
import { provisionTenant, type ProvisionedTenant } from '../tenancy/index.js';
import { claimDueDeliveries, deleteFinishedDeliveriesBefore, listDeliveries, notificationCounts, recordNotificationEvent, settleDelivery, upsertNotification, type NotificationRow } from './sql.js';

let owner: pg.Pool;
let producer: Producer;
let a: ProvisionedTenant;
let b: ProvisionedTenant;
let asA: pg.Pool;
let asB: pg.Pool;
const prefix = `t${randomBytes(4).toString('hex')}`;

const notification = (namespace: string, name: string, over: Partial<NotificationRow> = {}): NotificationRow => ({
  namespace,
  name,
  url: 'https://hooks.example.com/aether',
  events: ['JobSucceeded', 'JobFailed', 'JobCancelled', 'ItemSuccessful', 'ItemFailed', 'ItemAbandoned', 'QueueSlaBreached'],
  maxAttempts: 3,
  backoffInitialSeconds: 1,
  backoffMaxSeconds: 10,
  secretName: 'hook-key',
  secretKey: 'key',
  enabled: true,
  ...over,
});

async function attempt(db: pg.Pool, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

async function queuedJob(namespace: string, workflow = 'invoice'): Promise<string> {
  const p = testPayload({ namespace, workflowRef: { name: workflow } });
  await producer.enqueue({ payload: p });
  return p.uid;
}

beforeAll(async () => {
  let url: string;
  ({ url, pool: owner, producer } = await migratedQueueDatabase('notifications'));
  a = await provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-a', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
  b = await provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-b', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
  asA = new pg.Pool({ connectionString: a.url, max: 2 });
  asB = new pg.Pool({ connectionString: b.url, max: 2 });
  await upsertNotification(owner, notification('team-a', 'all'));
  await upsertNotification(owner, notification('team-a', 'other-workflow', { workflows: ['payroll'] }));
  await upsertNotification(owner, notification('team-a', 'disabled', { enabled: false }));
  await upsertNotification(owner, notification('team-b', 'b-hook'));
}, 60_000);
afterAll(async () => {
  await asA?.end();
  await asB?.end();
  for (const t of [a, b]) if (t) await owner.query(`drop owned by ${pg.escapeIdentifier(t.names.role)}; drop role ${pg.escapeIdentifier(t.names.role)}`);
  await owner?.end();
});

describe('deliveries from terminal writes', () => {
  it("a robot role's job success records one delivery for each matching notification of its namespace only", async () => {
    const uid = await queuedJob('team-a');
    expect(await completeRuns(asA, { results: [{ uid, outputs: { ok: true } }], robot: 'robot-a' })).toBe(1);
    // A second completion writes nothing, so records nothing.
    expect(await completeRuns(asA, { results: [{ uid, outputs: {} }], robot: 'robot-a' })).toBe(0);
    const rows = (await listDeliveries(owner, { namespace: 'team-a' })).filter((d) => d.subject.endsWith((d.payload.job as { name: string }).name) && (d.payload.job as { uid: string }).uid === uid);
    expect(rows.map((d) => [d.notification, d.event, d.state, d.attempts])).toEqual([['all', 'JobSucceeded', 'Pending', 0]]);
    expect(rows[0]!.payload).toMatchObject({
      event: 'JobSucceeded',
      namespace: 'team-a',
      notification: 'all',
      job: { namespace: 'team-a', uid, phase: 'Succeeded', pool: 'pool-a', workflow: 'invoice' },
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(rows[0]!.payload).not.toHaveProperty('job.outputs');
    expect(await listDeliveries(owner, { namespace: 'team-b' })).toEqual([]);
  });

  it('the workflows filter and a disabled notification hold; cancellations are JobCancelled', async () => {
    const uid = await queuedJob('team-a', 'payroll');
    expect(await markRunCancelled(asA, { uid })).toBe(true);
    const rows = (await listDeliveries(owner, { namespace: 'team-a' })).filter((d) => (d.payload.job as { uid?: string } | undefined)?.uid === uid);
    expect(rows.map((d) => [d.notification, d.event]).sort()).toEqual([['all', 'JobCancelled'], ['other-workflow', 'JobCancelled']]);
  });

  it("a robot role cannot finish another namespace's job, so it records nothing there", async () => {
    const uid = await queuedJob('team-b');
    expect(await completeRuns(asA, { results: [{ uid, outputs: {} }], robot: 'robot-a' })).toBe(0);
    expect(await listDeliveries(owner, { namespace: 'team-b' })).toEqual([]);
    expect(await completeRuns(asB, { results: [{ uid, outputs: {} }], robot: 'robot-b' })).toBe(1);
    expect((await listDeliveries(owner, { namespace: 'team-b' })).map((d) => [d.notification, d.event])).toEqual([['b-hook', 'JobSucceeded']]);
  });

  it("items finishing record ItemSuccessful / ItemFailed with the queue's workflow and pool; a retry records nothing", async () => {
    await upsertQueue(owner, testQueueRow('team-a', 'invoices', { maxRetries: 1 }));
    await addItems(owner, { namespace: 'team-a', name: 'invoices' }, parseItems([{ reference: 'i-1' }, { reference: 'i-2' }]));
    const first = (await claimItem(asA, { namespace: 'team-a', queue: 'invoices', robot: 'robot-a' }))!;
    expect(await completeItem(asA, { id: first.id, epoch: first.claimEpoch, outputs: { total: 3 } })).toBe(true);
    const second = (await claimItem(asA, { namespace: 'team-a', queue: 'invoices', robot: 'robot-a' }))!;
    expect(await failItem(asA, { id: second.id, epoch: second.claimEpoch, error: { kind: 'application', message: 'timeout' } })).toBe('New');
    await owner.query(`update aether.queue_items set postpone_until = null where id = $1`, [second.id]);
    const again = (await claimItem(asA, { namespace: 'team-a', queue: 'invoices', robot: 'robot-a' }))!;
    expect(await failItem(asA, { id: again.id, epoch: again.claimEpoch, error: { kind: 'business', message: 'unknown customer' } })).toBe('Failed');
    const rows = (await listDeliveries(owner, { namespace: 'team-a', notification: 'all' })).filter((d) => d.event.startsWith('Item'));
    expect(rows.map((d) => [d.event, d.subject])).toEqual([
      ['ItemSuccessful', `team-a/invoices/${first.id}`],
      ['ItemFailed', `team-a/invoices/${second.id}`],
    ]);
    expect(rows[1]!.payload).toMatchObject({ item: { queue: 'invoices', reference: 'i-2', status: 'Failed', retries: 1, error: { kind: 'business' } } });
    // The workflows filter sees the queue's workflow ('invoice'), so 'other-workflow' (payroll) got none.
    expect((await listDeliveries(owner, { namespace: 'team-a', notification: 'other-workflow' })).filter((d) => d.event.startsWith('Item'))).toEqual([]);
  });

  it('robot roles neither read deliveries or notifications nor forge events', async () => {
    expect(await attempt(asA, 'select * from aether.notification_deliveries')).toMatch(/permission denied/);
    expect(await attempt(asA, 'select * from aether.notifications')).toMatch(/permission denied/);
    expect(await attempt(asA, `select aether.record_notification_event('team-b', 'JobFailed', 'x', null, null, null, '{}')`)).toMatch(/permission denied/);
    expect(await attempt(asA, `insert into aether.notification_deliveries (namespace, notification, event, subject, payload) values ('team-a', 'all', 'JobFailed', 'x', '{}')`)).toMatch(/permission denied/);
  });
});

describe('the sender statements', () => {
  it('a queue SLA breach recorded by the owner reaches notifications that list the queue', async () => {
    await upsertNotification(owner, notification('team-b', 'sla-only', { events: ['QueueSlaBreached'], queues: ['urgent'] }));
    const rec = (queue: string) => recordNotificationEvent(owner, { namespace: 'team-b', event: 'QueueSlaBreached', subject: `team-b/${queue}`, queue, workflow: 'w', pool: 'p', payload: { queue: { name: queue } } });
    expect(await rec('urgent')).toBe(2); // b-hook (all events) and sla-only
    expect(await rec('relaxed')).toBe(1); // b-hook only
  });

  it('claims each due delivery once, moves it past the lease, and ignores a stale settle', async () => {
    await owner.query(`update aether.notification_deliveries set state = 'Failed', finished_at = now() where namespace <> 'team-b'`);
    const pending = (await listDeliveries(owner, { namespace: 'team-b' })).filter((d) => d.state === 'Pending');
    expect(pending.length).toBeGreaterThan(1);
    const [x, y] = await Promise.all([claimDueDeliveries(owner, { limit: 100, leaseSeconds: 60 }), claimDueDeliveries(owner, { limit: 100, leaseSeconds: 60 })]);
    const ids = [...x, ...y].map((d) => d.id).sort();
    expect(ids).toEqual(pending.map((d) => d.id).sort());
    expect(await claimDueDeliveries(owner, { limit: 100, leaseSeconds: 60 })).toEqual([]);
    const d = [...x, ...y][0]!;
    expect(d).toMatchObject({ attempts: 1, url: 'https://hooks.example.com/aether', secretName: 'hook-key', secretKey: 'key', maxAttempts: 3 });
    expect(await settleDelivery(owner, { id: d.id, attempt: 2, result: { state: 'Delivered', status: 200 } })).toBe(false);
    expect(await settleDelivery(owner, { id: d.id, attempt: 1, result: { state: 'Pending', status: 500, error: 'the receiver answered 500', retryInMs: 0 } })).toBe(true);
    const again = await claimDueDeliveries(owner, { limit: 100, leaseSeconds: 60 });
    expect(again.map((r) => [r.id, r.attempts])).toEqual([[d.id, 2]]);
    expect(await settleDelivery(owner, { id: d.id, attempt: 2, result: { state: 'Delivered', status: 204 } })).toBe(true);
    const counts = await notificationCounts(owner, { namespace: 'team-b', name: d.notification });
    expect(counts.delivered).toBe(1);
    expect(counts.last).toMatchObject({ status: 204, state: 'Delivered' });
  });

  it('prunes finished deliveries past retention, never pending ones', async () => {
    const pendingBefore = (await owner.query(`select count(*)::int as n from aether.notification_deliveries where state = 'Pending'`)).rows[0].n as number;
    const finished = (await owner.query(`select count(*)::int as n from aether.notification_deliveries where state <> 'Pending'`)).rows[0].n as number;
    expect(finished).toBeGreaterThan(0);
    expect(await deleteFinishedDeliveriesBefore(owner, { before: new Date(Date.now() - 60_000), limit: 1000 })).toBe(0);
    expect(await deleteFinishedDeliveriesBefore(owner, { before: new Date(Date.now() + 60_000), limit: 1000 })).toBe(finished);
    expect((await owner.query(`select count(*)::int as n from aether.notification_deliveries`)).rows[0].n).toBe(pendingBefore);
  });
});
