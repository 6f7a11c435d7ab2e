import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { provisionTenant } from '../../tenancy/index.js';
import { migratedQueueDatabase } from '../testing/database.js';
import { testQueueRow } from '../testing/queues.js';
import { abandonItems, deleteFinishedItemsBefore } from './housekeeping.js';
import { QUEUE_ITEM_CHANNEL } from './notify.js';
import { getQueue, upsertQueue, type QueueRow } from './queues.js';
import {
  addItems,
  claimItem,
  completeItem,
  deleteItems,
  failItem,
  getItem,
  holdsItem,
  listItems,
  poolItemDepth,
  queueCounts,
  releaseItemsOfRobots,
  retryItems,
} from './store.js';
import { parseItems } from './validate.js';

let url: string;
let pool: pg.Pool;

beforeAll(async () => {
  ({ url, pool } = await migratedQueueDatabase('items'));
});
afterAll(async () => {
  await pool.end();
});

function queue(name: string, over: Partial<QueueRow> = {}): QueueRow {
  return testQueueRow('ns1', name, { maxRetries: 2, ...over });
}
const ref = (q: QueueRow) => ({ namespace: q.namespace, name: q.name });
const claim = (q: QueueRow, robot = 'r1') => claimItem(pool, { namespace: q.namespace, queue: q.name, robot });

describe('work item store', () => {
  it('mirrors a queue; writing the same spec again changes nothing', async () => {
    const q = queue('mirror', { slaSeconds: 60 });
    await upsertQueue(pool, q);
    const before = await pool.query(`select updated_at from aether.queues where name = 'mirror'`);
    await upsertQueue(pool, q);
    const after = await pool.query(`select updated_at from aether.queues where name = 'mirror'`);
    expect(after.rows[0].updated_at).toEqual(before.rows[0].updated_at);
    await upsertQueue(pool, { ...q, maxRetries: 5 });
    expect(await getQueue(pool, ref(q))).toMatchObject({ maxRetries: 5, slaSeconds: 60, uniqueReference: 'reject' });
  });

  it('adds a batch in one call, in order; adding it again adds nothing (reject policy), repeats within a call are duplicates', async () => {
    const q = queue('idem');
    await upsertQueue(pool, q);
    const items = parseItems(Array.from({ length: 500 }, (_, i) => ({ reference: `inv-${i}`, data: { n: i } })));
    const first = await addItems(pool, ref(q), [...items, items[7]!]);
    expect(first).toHaveLength(501);
    expect(first.slice(0, 500).every((r, i) => r.result === 'added' && r.index === i)).toBe(true);
    expect(first[500]).toEqual({ index: 500, id: first[7]!.id, result: 'duplicate' });
    const again = await addItems(pool, ref(q), items);
    expect(again.map((r) => r.result)).toEqual(items.map(() => 'duplicate'));
    expect(again.map((r) => r.id)).toEqual(first.slice(0, 500).map((r) => r.id));
    expect((await queueCounts(pool, { namespace: 'ns1', queue: 'idem' })).new).toBe(500);
    const got = await getItem(pool, { namespace: 'ns1', queue: 'idem', id: first[42]!.id });
    expect(got).toMatchObject({ reference: 'inv-42', data: { n: 42 }, status: 'New' });
  });

  it('keeps items without a reference apart and maps each back to its input', async () => {
    const q = queue('noref');
    await upsertQueue(pool, q);
    const added = await addItems(pool, ref(q), parseItems([{ data: { a: 1 } }, { reference: 'x', data: { a: 2 } }, { data: { a: 3 } }]));
    expect(added.map((r) => r.result)).toEqual(['added', 'added', 'added']);
    const datas = await Promise.all(added.map((r) => getItem(pool, { namespace: 'ns1', queue: 'noref', id: r.id })));
    expect(datas.map((d) => d!.data)).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it('unique-reference policies: replace renews an item a robot does not hold; allow keeps duplicates', async () => {
    const rq = queue('replace', { uniqueReference: 'replace' });
    await upsertQueue(pool, rq);
    const [a] = await addItems(pool, ref(rq), parseItems([{ reference: 'r', data: { v: 1 } }]));
    const [b] = await addItems(pool, ref(rq), parseItems([{ reference: 'r', data: { v: 2 } }]));
    expect(b).toEqual({ index: 0, id: a!.id, result: 'replaced' });
    expect(await getItem(pool, { namespace: 'ns1', queue: 'replace', id: a!.id })).toMatchObject({ data: { v: 2 }, runSeq: 1 });
    await claim(rq);
    const [c] = await addItems(pool, ref(rq), parseItems([{ reference: 'r', data: { v: 3 } }]));
    expect(c!.result).toBe('duplicate');
    expect((await getItem(pool, { namespace: 'ns1', queue: 'replace', id: a!.id }))!.data).toEqual({ v: 2 });

    const aq = queue('allow', { uniqueReference: 'allow' });
    await upsertQueue(pool, aq);
    const twice = await addItems(pool, ref(aq), parseItems([{ reference: 'r' }, { reference: 'r' }]));
    expect(twice.map((r) => r.result)).toEqual(['added', 'added']);
    expect(twice[0]!.id).not.toBe(twice[1]!.id);
  });

  it('claims in priority order, completes with outputs, and fences a stale holder', async () => {
    const q = queue('claim');
    await upsertQueue(pool, q);
    await addItems(pool, ref(q), parseItems([{ reference: 'low', priority: 'low' }, { reference: 'urgent', priority: 'urgent' }, { reference: 'n' }]));
    const first = await claim(q);
    expect(first).toMatchObject({ reference: 'urgent', status: 'InProgress', robot: 'r1', claimEpoch: 1 });
    expect(await holdsItem(pool, { id: first!.id, epoch: 1 })).toBe(true);
    expect(await completeItem(pool, { id: first!.id, epoch: 0, outputs: {} })).toBe(false);
    expect(await completeItem(pool, { id: first!.id, epoch: 1, outputs: { total: 12 } })).toBe(true);
    expect(await completeItem(pool, { id: first!.id, epoch: 1, outputs: { total: 13 } })).toBe(false);
    expect(await getItem(pool, { namespace: 'ns1', queue: 'claim', id: first!.id })).toMatchObject({ status: 'Successful', outputs: { total: 12 } });
    expect((await claim(q))!.reference).toBe('n');
    expect((await claim(q))!.reference).toBe('low');
    expect(await claim(q)).toBeNull();
  });

  it('two robots claiming at once never get the same item', async () => {
    const q = queue('race');
    await upsertQueue(pool, q);
    await addItems(pool, ref(q), parseItems(Array.from({ length: 40 }, (_, i) => ({ reference: `x${i}` }))));
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => claim(q, `r${i % 4}`)));
    expect(new Set(got.map((g) => g!.id)).size).toBe(40);
  });

  it('a business failure is final; an application failure is retried up to maxRetries, then Failed', async () => {
    const q = queue('fail', { maxRetries: 2 });
    await upsertQueue(pool, q);
    await addItems(pool, ref(q), parseItems([{ reference: 'biz' }]));
    const biz = await claim(q);
    expect(await failItem(pool, { id: biz!.id, epoch: biz!.claimEpoch, error: { kind: 'business', message: 'no such customer' } })).toBe('Failed');
    expect(await getItem(pool, { namespace: 'ns1', queue: 'fail', id: biz!.id })).toMatchObject({ status: 'Failed', retries: 0, error: { kind: 'business' } });

    await addItems(pool, ref(q), parseItems([{ reference: 'app' }]));
    const outcomes: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const it = await claim(q);
      expect(it!.reference).toBe('app');
      outcomes.push(await failItem(pool, { id: it!.id, epoch: it!.claimEpoch, error: { kind: 'application', message: 'portal down' } }));
    }
    expect(outcomes).toEqual(['New', 'New', 'Failed']);
    const [item] = await listItems(pool, { namespace: 'ns1', queue: 'fail', reference: 'app' });
    expect(item).toMatchObject({ status: 'Failed', retries: 2, error: { kind: 'application', message: 'portal down' } });

    // retried by hand: New again, counters reset
    expect(await retryItems(pool, { namespace: 'ns1', queue: 'fail', ids: [item!.id, biz!.id] })).toHaveLength(2);
    expect(await getItem(pool, { namespace: 'ns1', queue: 'fail', id: item!.id })).toMatchObject({ status: 'New', retries: 0, error: null, runSeq: 1 });
  });

  it('the back-off postpones a retried item', async () => {
    const q = queue('backoff', { maxRetries: 1, backoffSeconds: 3600, backoffMaxSeconds: 7200 });
    await upsertQueue(pool, q);
    await addItems(pool, ref(q), parseItems([{ reference: 'a' }]));
    const it = await claim(q);
    expect(await failItem(pool, { id: it!.id, epoch: it!.claimEpoch, error: { kind: 'application', message: 'x' } })).toBe('New');
    expect(await claim(q)).toBeNull();
    const item = await getItem(pool, { namespace: 'ns1', queue: 'backoff', id: it!.id });
    expect(item!.postponeUntil!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(await poolItemDepth(pool, { namespace: 'ns1', pool: 'web' })).toMatchObject({ delayed: expect.any(Number) });
  });

  it('a dead robot’s item goes back to New without using a retry, and the old holder is fenced', async () => {
    const q = queue('crash');
    await upsertQueue(pool, q);
    await addItems(pool, ref(q), parseItems([{ reference: 'a' }]));
    const held = await claim(q, 'dead-robot');
    expect(await releaseItemsOfRobots(pool, { robots: ['dead-robot'] })).toEqual([held!.id]);
    expect(await completeItem(pool, { id: held!.id, epoch: held!.claimEpoch, outputs: {} })).toBe(false);
    const again = await claim(q, 'r2');
    expect(again).toMatchObject({ id: held!.id, claimEpoch: held!.claimEpoch + 2, retries: 0, robot: 'r2' });
  });

  it('abandons items past their deadline or in progress too long; deletes free the reference; retention deletes finished rows', async () => {
    const q = queue('house', { inProgressTimeoutSeconds: 1 });
    await upsertQueue(pool, q);
    await addItems(pool, ref(q), parseItems([{ reference: 'late', deadline: new Date(Date.now() - 1000).toISOString() }, { reference: 'run' }, { reference: 'del' }]));
    const run = await claim(q);
    expect(run!.reference).toBe('run'); // the late one is never claimed
    await pool.query(`update aether.queue_items set started_at = now() - interval '1 minute' where id = $1`, [run!.id]);
    expect(await abandonItems(pool, { namespace: 'ns1', queue: 'house' })).toBe(2);
    const abandoned = await listItems(pool, { namespace: 'ns1', queue: 'house', status: 'Abandoned' });
    expect(abandoned.map((i) => [i.reference, i.error?.code])).toEqual([
      ['late', 'DeadlineExceeded'],
      ['run', 'InProgressTimeout'],
    ]);

    const [del] = await listItems(pool, { namespace: 'ns1', queue: 'house', reference: 'del' });
    expect(await deleteItems(pool, { namespace: 'ns1', queue: 'house', ids: [del!.id] })).toEqual([del!.id]);
    const [readded] = await addItems(pool, ref(q), parseItems([{ reference: 'del' }]));
    expect(readded!.result).toBe('added');

    expect(await deleteFinishedItemsBefore(pool, { namespace: 'ns1', queue: 'house', before: new Date(Date.now() + 1000), limit: 100 })).toBe(3);
    expect(await queueCounts(pool, { namespace: 'ns1', queue: 'house' })).toMatchObject({ new: 1, abandoned: 0 });
  });

  it('notifies aether_queue_item once per add call, with the queue key', async () => {
    const q = queue('notify');
    await upsertQueue(pool, q);
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const got: string[] = [];
    listener.on('notification', (n) => got.push(n.payload ?? ''));
    await listener.query(`listen ${QUEUE_ITEM_CHANNEL}`);
    await addItems(pool, ref(q), parseItems([{ reference: 'a' }, { reference: 'b' }]));
    await listener.query('select 1'); // a round trip delivers what was sent before it
    await listener.end();
    expect(got).toEqual(['ns1/notify']);
  });

  it('refuses items for a queue that does not exist', async () => {
    await expect(addItems(pool, { namespace: 'ns1', name: 'nope' }, parseItems([{}]))).rejects.toThrow(/does not exist/);
  });

  it('a robot namespace role sees, claims and adds only its own namespace’s items', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const tenant = await provisionTenant({ pool, databaseUrl: url, namespace: 'team-q', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
    const asTenant = new pg.Pool({ connectionString: tenant.url, max: 2 });
    try {
      const mine = queue('work', { namespace: 'team-q' });
      const theirs = queue('work', { namespace: 'team-other' });
      await upsertQueue(pool, mine);
      await upsertQueue(pool, theirs);
      await addItems(pool, ref(theirs), parseItems([{ reference: 'secret' }]));
      // a dispatcher robot adds to its own queue; another namespace's queue does not exist for it
      expect((await addItems(asTenant, ref(mine), parseItems([{ reference: 'a' }])))[0]!.result).toBe('added');
      await expect(addItems(asTenant, ref(theirs), parseItems([{ reference: 'b' }]))).rejects.toThrow(/does not exist/);
      expect(await claimItem(asTenant, { namespace: 'team-other', queue: 'work', robot: 'x' })).toBeNull();
      const got = await claimItem(asTenant, { namespace: 'team-q', queue: 'work', robot: 'x' });
      expect(got).toMatchObject({ reference: 'a' });
      expect(await completeItem(asTenant, { id: got!.id, epoch: got!.claimEpoch, outputs: {} })).toBe(true);
      const seen = await asTenant.query<{ namespace: string }>('select distinct namespace from aether.queue_items');
      expect(seen.rows).toEqual([{ namespace: 'team-q' }]);
      expect(await queueCounts(pool, { namespace: 'team-other', queue: 'work' })).toMatchObject({ new: 1 });
    } finally {
      await asTenant.end();
      await pool.query(`drop owned by ${pg.escapeIdentifier(tenant.names.role)}; drop role ${pg.escapeIdentifier(tenant.names.role)}`);
    }
  });
});
