// addItemsOnce (migrations/sql/0016_queue_add_step.sql), the queueAdd step's exactly-once add, on a real
// PostgreSQL: a repeat with the same key adds nothing and answers what the first call did, under every
// unique-reference policy; a robot namespace role adds only to its own namespace's queues.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { provisionTenant } from '../../tenancy/index.js';
import { migratedQueueDatabase } from '../testing/database.js';
import { testQueueRow } from '../testing/queues.js';
import { upsertQueue, type UniqueReferencePolicy } from './queues.js';
import { addItemsOnce, claimItem, completeItem, QueueNotFoundError } from './store.js';
import { parseItems } from './validate.js';

let url: string;
let pool: pg.Pool;

beforeAll(async () => {
  ({ url, pool } = await migratedQueueDatabase('addonce'));
});
afterAll(async () => {
  await pool.end();
});

const itemsOf = (queue: string) =>
  pool.query<{ id: string; reference: string; status: string; added_by: string | null }>(
    'select id::text, reference, status, added_by from aether.queue_items where namespace = $1 and queue = $2 order by id',
    ['ns1', queue],
  );

describe('addItemsOnce', () => {
  it.each<UniqueReferencePolicy>(['reject', 'replace', 'allow'])(
    'a repeat with the same key adds nothing and answers the first call’s ids (policy %s)',
    async (policy) => {
      const name = `once-${policy}`;
      await upsertQueue(pool, testQueueRow('ns1', name, { uniqueReference: policy }));
      const q = { namespace: 'ns1', name };
      const items = parseItems([{ reference: 'a', data: { n: 1 } }, { reference: 'b', data: { n: 2 } }, { reference: 'a', data: { n: 3 } }]);
      const first = await addItemsOnce(pool, q, 'wf-1/dispatch', items);
      expect(first.map((r) => r.result)).toEqual(['added', 'added', 'duplicate'].map((r, i) => (policy === 'allow' && i === 2 ? 'added' : r)));
      // The first item was processed meanwhile: a repeat must not make it New again (replace) nor add it again (allow).
      const held = await claimItem(pool, { namespace: 'ns1', queue: name, robot: 'r' });
      await completeItem(pool, { id: held!.id, epoch: held!.claimEpoch, outputs: {} });
      const again = await addItemsOnce(pool, q, 'wf-1/dispatch', items);
      expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
      expect(again.filter((r) => r.result === 'added')).toHaveLength(first.filter((r) => r.result === 'added').length);
      const rows = (await itemsOf(name)).rows;
      expect(rows).toHaveLength(policy === 'allow' ? 3 : 2);
      expect(rows.filter((r) => r.status === 'Successful')).toHaveLength(1);
      expect(rows.every((r) => r.added_by === 'wf-1/dispatch')).toBe(true);
      // Another key (another step, another run) adds as usual.
      const other = await addItemsOnce(pool, q, 'wf-2/dispatch', parseItems([{ reference: 'c' }]));
      expect(other[0]!.result).toBe('added');
    },
  );

  it('names the queue that does not exist', async () => {
    const err = await addItemsOnce(pool, { namespace: 'ns1', name: 'nope' }, 'k', parseItems([{}])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueNotFoundError);
    expect((err as Error).message).toBe('RpaQueue "nope" does not exist in namespace "ns1"');
  });

  it('a robot namespace role adds once to its own namespace’s queue; another namespace’s does not exist for it', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const tenant = await provisionTenant({ pool, databaseUrl: url, namespace: 'team-a', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
    const asTenant = new pg.Pool({ connectionString: tenant.url, max: 2 });
    try {
      await upsertQueue(pool, testQueueRow('team-a', 'work'));
      await upsertQueue(pool, testQueueRow('team-b', 'work'));
      const items = parseItems([{ reference: 'x' }, { reference: 'y' }]);
      const first = await addItemsOnce(asTenant, { namespace: 'team-a', name: 'work' }, 'wf/step', items);
      expect(first.map((r) => r.result)).toEqual(['added', 'added']);
      expect((await addItemsOnce(asTenant, { namespace: 'team-a', name: 'work' }, 'wf/step', items)).map((r) => r.id)).toEqual(first.map((r) => r.id));
      await expect(addItemsOnce(asTenant, { namespace: 'team-b', name: 'work' }, 'wf/step', items)).rejects.toThrow(
        'RpaQueue "work" does not exist in namespace "team-b"',
      );
      const counts = await pool.query<{ namespace: string; n: number }>(
        `select namespace, count(*)::int as n from aether.queue_items where queue = 'work' group by namespace order by namespace`,
      );
      expect(counts.rows).toEqual([{ namespace: 'team-a', n: 2 }]);
    } finally {
      await asTenant.end();
      await pool.query(`drop owned by ${pg.escapeIdentifier(tenant.names.role)}; drop role ${pg.escapeIdentifier(tenant.names.role)}`);
    }
  });
});
