// The queueAdd step in robot processes (DBOS on PostgreSQL, the item consumer, the engine): a dispatcher
// item whose queueAdd step adds N work items. The first robot is SIGKILLed right after the add, before the
// step's checkpoint; the next is SIGKILLed right after the step's checkpoint; the third finishes the run.
// Exactly N items exist throughout, the dispatcher's output names them, and a robot of the work queue's
// pool then processes every one.
import pg from 'pg';
import { upsertQueue } from '../../../api/queue/items/queues.js';
import { addItems, getItem, queueCounts, releaseItemsOfRobots } from '../../../api/queue/items/store.js';
import { parseItems } from '../../../api/queue/items/validate.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { testQueueRow } from '../../../api/queue/testing/queues.js';
import { itemRunUid } from './item-run.js';
import { ItemRobots, waitUntil as waitFor } from './testing/item-robots.js';

const NS = 'dispatch';
const N = 50;

let url: string;
let pool: pg.Pool;
const robots = new ItemRobots(new URL('./fixtures/item-engine-child.ts', import.meta.url));

beforeAll(async () => {
  ({ url, pool } = await migratedQueueDatabase('queueadd'));
});
afterAll(async () => {
  robots.killAll();
  await pool.end();
});

const spawnRobot = (id: string, pool_: string, env: Record<string, string> = {}) =>
  robots.start(id, { DATABASE_URL: url, AETHER_NAMESPACE: NS, AETHER_POOL: pool_, ...env }, 'STEP ');

const workItems = async () =>
  (await pool.query<{ reference: string; payload: { n: number } }>(`select reference, payload from aether.queue_items where namespace = $1 and queue = 'work' order by id`, [NS])).rows;

describe('the queueAdd step', () => {
  it('adds N items exactly once across a crash inside the step and one right after it; the items are then processed', async () => {
    const dispatcher = {
      params: [{ name: 'invoices', type: 'list' }],
      steps: [
        { id: 'add', action: 'queueAdd', queueAdd: { queue: 'work', items: 'params.invoices', priority: 'high' } },
        { id: 'done', action: 'setVariable', name: 'done', value: '{{ steps.add.output.added }}' },
      ],
    };
    const worker = { params: [{ name: 'n', type: 'number' }], steps: [{ id: 'book', action: 'setVariable', name: 'n', value: '{{ params.n }}' }] };
    await upsertQueue(pool, testQueueRow(NS, 'inbox', { pool: 'dispatchers', workflow: dispatcher, workflowDigest: 'sha256:dispatcher' }));
    await upsertQueue(pool, testQueueRow(NS, 'work', { pool: 'workers', workflow: worker, workflowDigest: 'sha256:worker', uniqueReference: 'allow' }));
    const invoices = Array.from({ length: N }, (_, n) => ({ n }));
    const [job] = await addItems(pool, { namespace: NS, name: 'inbox' }, parseItems([{ reference: 'batch-1', data: { invoices } }]));

    // Robot a dies after the items went in, before the step's checkpoint: the step runs again.
    const a = await spawnRobot('robot-a', 'dispatchers', { CRASH_AFTER_QUEUE_ADD: '1' });
    await a.exited;
    expect(a.child.signalCode).toBe('SIGKILL');
    expect(a.lines).toEqual([`${job!.id} add`, `added ${N}`]);
    const added = await workItems();
    expect(added).toHaveLength(N);
    // Under the 'allow' policy references do not keep items apart: only the step's key does.
    const key = `${itemRunUid({ id: job!.id, runSeq: 0 })}/add`;
    expect(added.map((i) => i.reference)).toEqual(invoices.map((_, i) => `${key}#${i}`));
    expect(added.map((i) => i.payload.n)).toEqual(invoices.map((x) => x.n));
    await releaseItemsOfRobots(pool, { robots: ['robot-a'] });

    // Robot b runs the step again (adds nothing), checkpoints it and dies right after.
    const b = await spawnRobot('robot-b', 'dispatchers', { CRASH_AFTER_STEP: '1' });
    await b.exited;
    expect(b.child.signalCode).toBe('SIGKILL');
    expect(b.lines).toEqual([`${job!.id} add`]);
    expect(await workItems()).toHaveLength(N);
    await releaseItemsOfRobots(pool, { robots: ['robot-b'] });

    // Robot c resumes after the step: it does not run it again.
    const c = await spawnRobot('robot-c', 'dispatchers');
    const done = await waitFor('the dispatcher finished', async () => {
      const it = await getItem(pool, { namespace: NS, queue: 'inbox', id: job!.id });
      return it?.status === 'Successful' ? it : undefined;
    }, 90_000);
    expect(c.lines).toEqual([`${job!.id} done`]);
    const ids = (await pool.query<{ id: string }>(`select i.id::text as id from aether.queue_items i where namespace = $1 and queue = 'work' order by i.id`, [NS])).rows.map((r) => r.id);
    expect(done.outputs).toEqual({ add: { added: N, duplicates: 0, replaced: 0, ids }, done: undefined });
    expect(await workItems()).toHaveLength(N);
    const prio = await pool.query<{ priority: number }>(`select distinct priority from aether.queue_items where namespace = $1 and queue = 'work'`, [NS]);
    expect(prio.rows).toEqual([{ priority: -100 }]);

    // A robot of the work queue's pool processes them all.
    await spawnRobot('robot-w', 'workers');
    await waitFor('every work item done', async () => (await queueCounts(pool, { namespace: NS, queue: 'work' })).successful === N, 120_000);
    expect(await queueCounts(pool, { namespace: NS, queue: 'work' })).toMatchObject({ new: 0, inProgress: 0, successful: N, failed: 0 });
  });

  it('a later attempt of the run (an automatic retry from the start) adds none of the items again', async () => {
    // The second step fails (its queue does not exist): an application failure, retried once from the
    // start under a new workflow id. The first step's items stay N.
    const dispatcher = {
      steps: [
        { id: 'add', action: 'queueAdd', queueAdd: { queue: 'work-once', items: Array.from({ length: 5 }, (_, n) => ({ n })) } },
        { id: 'then', action: 'queueAdd', queueAdd: { queue: 'missing', items: [{ n: 1 }] } },
      ],
    };
    const worker = { params: [{ name: 'n', type: 'number' }], steps: [{ id: 'book', action: 'setVariable', name: 'n', value: '{{ params.n }}' }] };
    await upsertQueue(pool, testQueueRow(NS, 'retried', { pool: 'retried', workflow: dispatcher, workflowDigest: 'sha256:retried', maxRetries: 1 }));
    await upsertQueue(pool, testQueueRow(NS, 'work-once', { pool: 'nobody', workflow: worker, workflowDigest: 'sha256:work-once', uniqueReference: 'allow' }));
    const [job] = await addItems(pool, { namespace: NS, name: 'retried' }, parseItems([{ reference: 'r' }]));
    await spawnRobot('robot-r', 'retried');
    const failed = await waitFor('the dispatcher failed twice', async () => {
      const it = await getItem(pool, { namespace: NS, queue: 'retried', id: job!.id });
      return it?.status === 'Failed' ? it : undefined;
    }, 60_000);
    expect(failed.retries).toBe(1);
    const refs = (await pool.query<{ reference: string }>(`select reference from aether.queue_items where namespace = $1 and queue = 'work-once' order by id`, [NS])).rows;
    expect(refs.map((r) => r.reference)).toEqual([0, 1, 2, 3, 4].map((i) => `${itemRunUid({ id: job!.id, runSeq: 0 })}/add#${i}`));
  });

  it("fails the step naming the items whose data do not fit the params of the queue's workflow; nothing is added", async () => {
    const dispatcher = { steps: [{ id: 'add', action: 'queueAdd', queueAdd: { queue: 'typed', items: [{ n: 1 }, { n: 'two' }, { m: 3 }] } }] };
    const worker = { params: [{ name: 'n', type: 'number', required: true }], steps: [{ id: 'book', action: 'setVariable', name: 'n', value: '{{ params.n }}' }] };
    await upsertQueue(pool, testQueueRow(NS, 'typed-in', { pool: 'typed', workflow: dispatcher, workflowDigest: 'sha256:typed-in' }));
    await upsertQueue(pool, testQueueRow(NS, 'typed', { pool: 'nobody', workflow: worker, workflowDigest: 'sha256:typed', workflowRef: { name: 'booker' } }));
    const [job] = await addItems(pool, { namespace: NS, name: 'typed-in' }, parseItems([{ reference: 'x' }]));
    await spawnRobot('robot-t', 'typed');
    const failed = await waitFor('the dispatcher failed', async () => {
      const it = await getItem(pool, { namespace: NS, queue: 'typed-in', id: job!.id });
      return it?.status === 'Failed' ? it : undefined;
    }, 60_000);
    expect(failed.error).toMatchObject({
      kind: 'application',
      step: 'add',
      message: expect.stringContaining('items do not fit the params of workflow booker: items[1].data.n: must be of type number; items[2].data.n: is required by the workflow; items[2].data.m: is not a param of the workflow'),
    });
    expect((await queueCounts(pool, { namespace: NS, queue: 'typed' })).new).toBe(0);
  });

  it('fails the step naming a queue that does not exist (an application failure of the dispatcher)', async () => {
    const dispatcher = { steps: [{ id: 'add', action: 'queueAdd', queueAdd: { queue: 'missing', items: [{ n: 1 }] } }] };
    await upsertQueue(pool, testQueueRow(NS, 'bad', { pool: 'bad', workflow: dispatcher, workflowDigest: 'sha256:bad' }));
    const [job] = await addItems(pool, { namespace: NS, name: 'bad' }, parseItems([{ reference: 'x' }]));
    await spawnRobot('robot-x', 'bad');
    const failed = await waitFor('the dispatcher failed', async () => {
      const it = await getItem(pool, { namespace: NS, queue: 'bad', id: job!.id });
      return it?.status === 'Failed' ? it : undefined;
    }, 60_000);
    expect(failed.error).toMatchObject({ kind: 'application', step: 'add', message: expect.stringContaining(`RpaQueue "missing" does not exist in namespace "${NS}"`) });
  });
});
