// The RpaQueue controller on the real API server and Postgres: the spec and its workflow mirrored to aether.queues, the
// counts and the oldest item in status (and so in `kubectl get rpaqueues`) as items move, a SlaBreached
// Event and a NOTIFY on aether_queue_sla, and the items gone with the queue.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { waitFor } from '../../../../e2e/harness/wait.js';
import { getQueue } from '../../../../api/queue/items/queues.js';
import { addItems, claimItem, completeItem, failItem } from '../../../../api/queue/items/store.js';
import { parseItems } from '../../../../api/queue/items/validate.js';
import { QUEUE_SLA_CHANNEL } from '../../../../api/queue/items/notify.js';
import type { Operator } from '../../operator.js';
import { createObject, eventsFor, NOOP_WORKFLOW, setUpEnv, startTestOperator, tearDownEnv, waitForGone, waitForObject, type TestEnv } from '../../testing/operator-env.js';

jest.setTimeout(120_000);

describe('RpaQueue controller', () => {
  let env: TestEnv;
  let operator: Operator;

  beforeAll(async () => {
    env = await setUpEnv('rpaqueue');
    operator = await startTestOperator(env);
    await createObject(env, 'RpaWorkflow', 'invoice', NOOP_WORKFLOW);
  });
  afterAll(async () => {
    await operator?.stop();
    await tearDownEnv(env);
  });

  it('mirrors the spec, counts items as they move, and deletes the items with the queue', async () => {
    await createObject(env, 'RpaQueue', 'invoices', { pool: 'web', workflowRef: { name: 'invoice' }, uniqueReference: 'Replace', retry: { maxRetries: 1, backoffSeconds: 0, maxBackoffSeconds: 0 } });
    const row = await waitFor('the queue row', async () => (await getQueue(env.db, { namespace: env.namespace, name: 'invoices' })) ?? undefined);
    expect(row).toMatchObject({ pool: 'web', uniqueReference: 'replace', maxRetries: 1 });
    await waitFor('the workflow snapshot', async () => (await getQueue(env.db, { namespace: env.namespace, name: 'invoices' }))?.workflow ?? undefined);
    await waitForObject(env, 'RpaQueue', 'invoices', 'Ready', (o) => o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false);

    const q = { namespace: env.namespace, name: 'invoices' };
    await addItems(env.db, q, parseItems(Array.from({ length: 5 }, (_, i) => ({ reference: `inv-${i}` }))));
    const take = () => claimItem(env.db, { namespace: env.namespace, queue: 'invoices', robot: 'r1' });
    const a = (await take())!;
    await completeItem(env.db, { id: a.id, epoch: a.claimEpoch, outputs: {} });
    const b = (await take())!;
    await failItem(env.db, { id: b.id, epoch: b.claimEpoch, error: { kind: 'business', message: 'unknown customer' } });
    await take(); // in progress
    const counted = await waitForObject(env, 'RpaQueue', 'invoices', 'the counts', (o) => o.status?.items?.failed === 1 && o.status?.items?.inProgress === 1);
    expect(counted.status?.items).toEqual({ new: 2, inProgress: 1, successful: 1, failed: 1, abandoned: 0 });
    expect(counted.status?.oldestNewItemTime).toEqual(expect.any(String));

    await env.custom.deleteNamespacedCustomObject({ group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpaqueues', namespace: env.namespace, name: 'invoices' });
    await waitForGone(env, 'RpaQueue', 'invoices');
    await waitFor('the items deleted', async () => {
      const r = await env.db.query<{ n: number }>('select count(*)::int as n from aether.queue_items where namespace = $1', [env.namespace]);
      return (r.rows[0]!.n === 0 && (await getQueue(env.db, q)) === null) || undefined;
    });
  });

  it('reports an SLA breach as a Warning Event, in status and on aether_queue_sla', async () => {
    const listener = new pg.Client({ connectionString: env.databaseUrl });
    await listener.connect();
    const notices: string[] = [];
    listener.on('notification', (n) => notices.push(n.payload ?? ''));
    await listener.query(`listen ${QUEUE_SLA_CHANNEL}`);
    try {
      await createObject(env, 'RpaQueue', 'urgent', { pool: 'web', workflowRef: { name: 'invoice' }, slaSeconds: 1 });
      await waitFor('the queue row', async () => (await getQueue(env.db, { namespace: env.namespace, name: 'urgent' })) ?? undefined);
      await addItems(env.db, { namespace: env.namespace, name: 'urgent' }, parseItems([{ reference: 'late' }]));
      const breached = await waitForObject(env, 'RpaQueue', 'urgent', 'SLA Breached', (o) => o.status?.sla === 'Breached');
      expect(breached.status?.items?.new).toBe(1);
      const event = await waitFor('a SlaBreached event', async () => (await eventsFor(env, 'urgent')).find((e) => e.reason === 'SlaBreached'));
      expect(event.type).toBe('Warning');
      await waitFor('the SLA notice', async () => notices[0]);
      expect(JSON.parse(notices[0]!)).toMatchObject({ namespace: env.namespace, queue: 'urgent', slaSeconds: 1, new: 1 });
      expect(notices).toHaveLength(1);
    } finally {
      await listener.end();
    }
  });
  it('removes the items of queues deleted while no operator ran, and of a deleted queue whose name was taken again', async () => {
    await createObject(env, 'RpaQueue', 'gone', { pool: 'web', workflowRef: { name: 'invoice' } });
    await createObject(env, 'RpaQueue', 'reborn', { pool: 'web', workflowRef: { name: 'invoice' } });
    await createObject(env, 'RpaQueue', 'kept', { pool: 'web', workflowRef: { name: 'invoice' } });
    for (const name of ['gone', 'reborn', 'kept']) {
      await waitFor(`the ${name} row`, async () => (await getQueue(env.db, { namespace: env.namespace, name }))?.workflow ?? undefined);
      await addItems(env.db, { namespace: env.namespace, name }, parseItems([{ reference: `${name}-1` }, { reference: `${name}-2` }]));
    }
    const itemsOf = async (queue: string) =>
      (await env.db.query<{ n: number }>('select count(*)::int as n from aether.queue_items where namespace = $1 and queue = $2', [env.namespace, queue])).rows[0]!.n;

    await operator.stop();
    const path = { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpaqueues', namespace: env.namespace };
    await env.custom.deleteNamespacedCustomObject({ ...path, name: 'gone' });
    await env.custom.deleteNamespacedCustomObject({ ...path, name: 'reborn' });
    await waitForGone(env, 'RpaQueue', 'gone');
    await waitForGone(env, 'RpaQueue', 'reborn');
    const reborn = await createObject(env, 'RpaQueue', 'reborn', { pool: 'web', workflowRef: { name: 'invoice' } });
    expect(await itemsOf('gone')).toBe(2);

    operator = await startTestOperator(env, { orphanQueueIntervalMs: 500 });
    await waitFor('the orphaned items deleted', async () => ((await itemsOf('gone')) === 0 && (await itemsOf('reborn')) === 0) || undefined);
    expect(await getQueue(env.db, { namespace: env.namespace, name: 'gone' })).toBeNull();
    // The new "reborn" is mirrored with its own uid; the untouched queue keeps its items.
    const row = await waitFor('the new reborn row', async () => {
      const r = await getQueue(env.db, { namespace: env.namespace, name: 'reborn' });
      return r?.uid === reborn.metadata.uid ? r : undefined;
    });
    expect(row.pool).toBe('web');
    expect(await itemsOf('kept')).toBe(2);
  });
});
