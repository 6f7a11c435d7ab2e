// aether.artifacts (migrations 0011, 0016) against a real server: a robot role of namespace A stores and reads its
// own jobs' artifacts, and neither reads, lists nor writes namespace B's; artifacts are written once. The
// migration goes down (table and grant gone) and up again (the grant is back for existing roles).
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { testPayload } from '../queue/fixtures.js';
import { migratedQueueDatabase } from '../queue/testing/database.js';
import { findArtifact, insertArtifact, listArtifacts, readArtifactContent } from '../queue/sql/artifacts.js';
import { upsertQueue } from '../queue/items/queues.js';
import { itemArtifactsUid } from '../queue/items/run-id.js';
import { addItems } from '../queue/items/store.js';
import { parseItems } from '../queue/items/validate.js';
import { testQueueRow } from '../queue/testing/queues.js';
import { AETHER_SCHEMA, MIGRATIONS_DIR } from '../../migrations/index.js';
import { provisionTenant, type ProvisionedTenant } from './index.js';

let url: string;
let owner: pg.Pool;
let a: ProvisionedTenant;
let b: ProvisionedTenant;
let asA: pg.Pool;
let runA: string;
let runB: string;
const prefix = `t${randomBytes(4).toString('hex')}`;
const bytes = (s: string) => Buffer.from(s, 'utf8');
const sha = '0'.repeat(64);

async function attempt(db: pg.Pool, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

beforeAll(async () => {
  let producer;
  ({ url, pool: owner, producer } = await migratedQueueDatabase('artifacts'));
  a = await provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-a', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
  b = await provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-b', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
  asA = new pg.Pool({ connectionString: a.url, max: 2 });
  const pa = testPayload({ namespace: 'team-a' });
  const pb = testPayload({ namespace: 'team-b' });
  await producer.enqueue({ payload: pa });
  await producer.enqueue({ payload: pb });
  runA = pa.uid;
  runB = pb.uid;
  await insertArtifact(owner, { runUid: runB, namespace: 'team-b', name: 'secret.pdf', stepPath: 'd', contentType: 'application/pdf', sha256: sha, content: bytes('B only') });
}, 60_000);
afterAll(async () => {
  await asA?.end();
  for (const t of [a, b]) if (t) await owner.query(`drop owned by ${pg.escapeIdentifier(t.names.role)}; drop role ${pg.escapeIdentifier(t.names.role)}`);
  await owner?.end();
});

describe('aether.artifacts under tenancy', () => {
  it("a robot role stores and reads its namespace's artifacts, once per job and name", async () => {
    const first = await insertArtifact(asA, { runUid: runA, namespace: 'team-a', name: 'a.csv', stepPath: 's1', contentType: 'text/csv', sha256: sha, content: bytes('x,y') });
    expect(first).toMatchObject({ name: 'a.csv', stepPath: 's1', size: 3 });
    // A second write under the name keeps the first (a resumed step finds it; another step is told whose it is).
    const again = await insertArtifact(asA, { runUid: runA, namespace: 'team-a', name: 'a.csv', stepPath: 's2', contentType: 'text/plain', sha256: sha, content: bytes('other') });
    expect(again).toMatchObject({ stepPath: 's1', size: 3, contentType: 'text/csv' });
    expect((await readArtifactContent(asA, { runUid: runA, name: 'a.csv' }))!.toString()).toBe('x,y');
    expect((await listArtifacts(asA, { runUid: runA })).map((r) => r.name)).toEqual(['a.csv']);
    // Written once: no update, no delete.
    expect(await attempt(asA, `update aether.artifacts set content = '\\x00' where run_uid = $1`, [runA])).toMatch(/permission denied/);
    expect(await attempt(asA, `delete from aether.artifacts where run_uid = $1`, [runA])).toMatch(/permission denied/);
  });

  it("cannot read, list or write another namespace's artifacts", async () => {
    expect(await findArtifact(owner, { runUid: runB, name: 'secret.pdf' })).toBeDefined();
    expect(await findArtifact(asA, { runUid: runB, name: 'secret.pdf' })).toBeUndefined();
    expect(await readArtifactContent(asA, { runUid: runB, name: 'secret.pdf' })).toBeUndefined();
    expect((await asA.query(`select count(*)::int as n from aether.artifacts`)).rows[0].n).toBe(1);
    // Neither under B's namespace nor under its own name for B's run.
    const write = (namespace: string) =>
      attempt(asA, `insert into aether.artifacts (run_uid, namespace, name, step_path, content_type, size, sha256, content) values ($1, $2, 'evil.bin', 's', 'x/y', 1, $3, '\\x00')`, [runB, namespace, sha]);
    expect(await write('team-b')).toMatch(/row-level security/);
    expect(await write('team-a')).toMatch(/row-level security/);
    // Its own namespace is filled in without saying so.
    expect(await attempt(asA, `insert into aether.artifacts (run_uid, name, step_path, content_type, size, sha256, content) values ($1, 'n.bin', 's', 'x/y', 1, $2, '\\x00')`, [runA, sha])).toBe('ok');
    expect((await owner.query(`select namespace from aether.artifacts where name = 'n.bin'`)).rows).toEqual([{ namespace: 'team-a' }]);
  });

  it('refuses a name with a path, a size that is not the content, and a bad digest', async () => {
    const put = (name: string, size: number, digest: string) =>
      attempt(owner, `insert into aether.artifacts (run_uid, namespace, name, step_path, content_type, size, sha256, content) values ($1, 'team-a', $2, 's', 'x/y', $3, $4, '\\x0001')`, [runA, name, size, digest]);
    expect(await put('../x', 2, sha)).toMatch(/check constraint/);
    expect(await put('ok.bin', 5, sha)).toMatch(/check constraint/);
    expect(await put('ok2.bin', 2, 'nothex')).toMatch(/check constraint/);
    expect(await put('ok3.bin', 2, sha)).toBe('ok');
  });

  it("a work item run's artifacts and screenshots (0016): stored for an item of its own namespace only, gone with the item", async () => {
    await upsertQueue(owner, testQueueRow('team-a', 'qa'));
    await upsertQueue(owner, testQueueRow('team-b', 'qb'));
    const [itemA] = await addItems(owner, { namespace: 'team-a', name: 'qa' }, parseItems([{ reference: 'a1' }]));
    const [itemB] = await addItems(owner, { namespace: 'team-b', name: 'qb' }, parseItems([{ reference: 'b1' }]));
    const uidA = itemArtifactsUid({ id: itemA!.id, runSeq: 0 });
    const stored = await insertArtifact(asA, { runUid: uidA, namespace: 'team-a', name: 'i.csv', stepPath: 'd', contentType: 'text/csv', sha256: sha, content: bytes('1'), queueItem: itemA!.id });
    expect(stored).toMatchObject({ name: 'i.csv', size: 1 });
    const put = (runUid: string, item: string | null) =>
      attempt(asA, `insert into aether.artifacts (run_uid, name, step_path, content_type, size, sha256, content, queue_item) values ($1, 'x.bin', 's', 'x/y', 1, $2, '\\x00', $3)`, [runUid, sha, item]);
    // B's item is not there for A's role; a job artifact still needs a run row.
    expect(await put(itemArtifactsUid({ id: itemB!.id, runSeq: 0 }), itemB!.id)).toMatch(/row-level security/);
    expect(await put(randomUUID(), null)).toMatch(/row-level security|foreign key/);
    // Its failure screenshot likewise: for its own item only.
    const shot = (uid: string, item: string) => attempt(asA, `insert into aether.screenshots (run_uid, step_id, image, queue_item) values ($1, 's', '\\x00', $2)`, [uid, item]);
    expect(await shot(uidA, itemA!.id)).toBe('ok');
    expect(await shot(itemArtifactsUid({ id: itemB!.id, runSeq: 0 }), itemB!.id)).toMatch(/row-level security/);
    await owner.query('delete from aether.queue_items where id = $1', [itemA!.id]);
    expect(await listArtifacts(owner, { runUid: uidA })).toEqual([]);
    expect((await owner.query('select 1 from aether.screenshots where run_uid = $1', [uidA])).rowCount).toBe(0);
  });

  it('0011 goes down (table and grant gone) and up again (the grant is back for existing roles)', async () => {
    // 0011 and every migration after it: down to just before 0011, then up to the newest again.
    const count = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f) && f >= '0011').length;
    const step = (direction: 'up' | 'down') =>
      runner({ databaseUrl: url, dir: MIGRATIONS_DIR, direction, count, migrationsTable: 'pgmigrations', migrationsSchema: AETHER_SCHEMA, log: () => {} });
    const exists = async () => (await owner.query(`select to_regclass('aether.artifacts') is not null as ok`)).rows[0].ok as boolean;
    await step('down');
    expect(await exists()).toBe(false);
    expect(await attempt(asA, `select 1 from aether.runs limit 1`)).toBe('ok');
    await step('up');
    expect(await exists()).toBe(true);
    expect(await attempt(asA, `select count(*) from aether.artifacts`)).toBe('ok');
  });
});
