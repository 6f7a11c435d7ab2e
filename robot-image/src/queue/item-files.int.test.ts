// download and upload steps in a work item's run (real Chromium, the local test site, real PostgreSQL):
// the item run stores its artifacts with the item (it has no aether.runs row), uploads one back, and its
// steps are in DBOS under the item's run id, where the API server's item log reads them.
import { createLogger } from '../../../api/log.js';
import { ORDERS_CSV, sha256, type ReceivedUpload } from '../../../e2e/site/files.js';
import { itemArtifactsUid } from '../../../api/queue/items/run-id.js';
import { queuesOfPool, upsertQueue } from '../../../api/queue/items/queues.js';
import { addItems, claimItem } from '../../../api/queue/items/store.js';
import { parseItems } from '../../../api/queue/items/validate.js';
import { migratedQueueDatabase, type QueueTestDatabase } from '../../../api/queue/testing/database.js';
import { testQueueRow } from '../../../api/queue/testing/queues.js';
import { listArtifacts, readArtifactContent } from '../../../api/queue/sql/artifacts.js';
import pg from 'pg';
import { startEngineBed, type EngineBed } from '../engine/testing/engine-bed.js';
import { createItemRunner } from './item-run.js';
import { DEFAULT_USERS } from '../../../e2e/site/server.js';
import { siteCredential } from '../engine/testing/credentials.js';
import type { CredentialsFactory } from '../agent/robot.js';

let bed: EngineBed;
let jobs: QueueTestDatabase;
const NS = 'team-a';

beforeAll(async () => {
  bed = await startEngineBed('item-files');
  jobs = await migratedQueueDatabase('itemfiles');
}, 60_000);
afterAll(async () => {
  await bed?.stop();
  await jobs?.pool.end();
});

describe('files in a work item run', () => {
  it('downloads a file as an artifact of the item, uploads it back, and records its steps in DBOS', async () => {
    const workflow = {
      params: [{ name: 'order', type: 'string' }],
      steps: [
        { id: 'csv', action: 'download', artifact: '{{ params.order }}.csv', url: `${bed.site.url}/files/orders.csv` },
        { id: 'form', action: 'goto', url: `${bed.site.url}/files/upload` },
        { id: 'up', action: 'upload', target: { label: 'Data file' }, file: { artifact: '{{ params.order }}.csv' } },
        { id: 'send', action: 'click', target: { role: 'button', name: 'Send' } },
      ],
    };
    await upsertQueue(jobs.pool, testQueueRow(NS, 'orders', { workflow, workflowDigest: 'sha256:orders' }));
    await addItems(jobs.pool, { namespace: NS, name: 'orders' }, parseItems([{ reference: 'o-1', data: { order: 'o-1' } }]));
    const item = (await claimItem(jobs.pool, { namespace: NS, queue: 'orders', robot: 'r1' }))!;
    const logger = createLogger({ name: 'item-files', level: 'warn', destination: process.stderr });
    const run = createItemRunner({ engine: bed.engine, db: jobs.pool, logger });
    const outcome = await run({
      item,
      queue: { name: 'orders', workflow, workflowDigest: 'sha256:orders', workflowName: 'orders' },
      signal: new AbortController().signal,
    });
    expect(outcome).toMatchObject({ status: 'succeeded', outputs: { csv: { name: 'o-1.csv', size: ORDERS_CSV.length, sha256: sha256(ORDERS_CSV) } } });

    // Stored with the item, under the uuid of its run.
    const runUid = itemArtifactsUid(item);
    expect((await listArtifacts(jobs.pool, { runUid })).map((a) => [a.name, a.stepPath])).toEqual([['o-1.csv', 'csv']]);
    expect((await readArtifactContent(jobs.pool, { runUid, name: 'o-1.csv' }))!.equals(ORDERS_CSV)).toBe(true);
    const owner = await jobs.pool.query<{ queue_item: string; job_run: string | null }>('select queue_item::text, job_run from aether.artifacts where run_uid = $1', [runUid]);
    expect(owner.rows).toEqual([{ queue_item: item.id, job_run: null }]);
    const received = (await (await fetch(`${bed.site.url}/files/received`)).json()) as ReceivedUpload[];
    expect(received.at(-1)).toMatchObject({ fileName: 'o-1.csv', sha256: sha256(ORDERS_CSV) });

    // The step log the API server reads (api-server/src/sql.ts listSteps): DBOS steps of 'rpa-item-<id>-0-a1'.
    const dbos = new pg.Client({ connectionString: bed.dbUrl });
    await dbos.connect();
    try {
      const steps = await dbos.query<{ name: string }>(
        `select function_name as name from dbos.operation_outputs where workflow_uuid = $1 and error is null order by function_id`,
        [`rpa-item-${item.id}-0-a1`],
      );
      expect(steps.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['csv', 'form', 'up', 'send']));
    } finally {
      await dbos.end();
    }

    // The artifacts go with the item.
    await jobs.pool.query('delete from aether.queue_items where id = $1', [item.id]);
    expect(await listArtifacts(jobs.pool, { runUid })).toEqual([]);
  }, 90_000);

  it('keeps the screenshot of the failed step with the item', async () => {
    const workflow = {
      steps: [
        { id: 'open', action: 'goto', url: `${bed.site.url}/files` },
        { id: 'pay', action: 'click', target: { css: '#no-such-button' }, timeoutSeconds: 2 },
      ],
    };
    await upsertQueue(jobs.pool, testQueueRow(NS, 'pay', { workflow, workflowDigest: 'sha256:pay' }));
    await addItems(jobs.pool, { namespace: NS, name: 'pay' }, parseItems([{ reference: 'p-1' }]));
    const item = (await claimItem(jobs.pool, { namespace: NS, queue: 'pay', robot: 'r1' }))!;
    const run = createItemRunner({ engine: bed.engine, db: jobs.pool, logger: createLogger({ name: 'item-files', level: 'error', destination: process.stderr }) });
    const outcome = await run({ item, queue: { name: 'pay', workflow, workflowDigest: 'sha256:pay', workflowName: 'pay' }, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'application', step: 'pay' } });
    const shots = await jobs.pool.query<{ step_id: string; queue_item: string; png: boolean }>(
      `select step_id, queue_item::text, substring(image from 1 for 4) = '\\x89504e47'::bytea as png from aether.screenshots where run_uid = $1`,
      [itemArtifactsUid(item)],
    );
    expect(shots.rows).toEqual([{ step_id: 'pay', queue_item: item.id, png: true }]);
  }, 90_000);
  it("signs in with the queue's credential binding, and no value of it reaches the item's outputs or error", async () => {
    const [user, password] = Object.entries(DEFAULT_USERS)[0]!;
    const workflow = {
      credentials: [{ name: 'site', keys: ['username', 'password'] }],
      steps: [
        { id: 'open', action: 'goto', url: `${bed.site.url}/login` },
        { id: 'user', action: 'fill', target: { label: 'Username' }, value: '{{ credentials.site.username }}' },
        { id: 'pass', action: 'fill', target: { label: 'Password' }, value: '{{ credentials.site.password }}' },
        { id: 'signIn', action: 'click', target: { role: 'button', name: 'Sign in' } },
        { id: 'welcome', action: 'extractText', target: { css: '#welcome' } },
      ],
    };
    const bindings = { site: { secretName: 'portal-login' } };
    await upsertQueue(jobs.pool, testQueueRow(NS, 'logins', { workflow, workflowDigest: 'sha256:logins', credentials: bindings }));
    await addItems(jobs.pool, { namespace: NS, name: 'logins' }, parseItems([{ reference: 'l-1' }]));
    const item = (await claimItem(jobs.pool, { namespace: NS, queue: 'logins', robot: 'r1' }))!;
    const asked: Array<{ namespace: string; bindings: unknown; workflowRef: string | undefined }> = [];
    let cleared = false;
    const credentials: CredentialsFactory = (req) => {
      asked.push({ namespace: req.namespace, bindings: req.bindings, workflowRef: req.job.workflowRef });
      return {
        get: async (slot) => {
          if (slot !== 'site') throw new Error(`unknown slot ${slot}`);
          return siteCredential({ username: user, password: password! }, bed.site.url, 'portal-login');
        },
        knownValues: () => [user, password!],
        clear: () => void (cleared = true),
      };
    };
    const logger = createLogger({ name: 'item-files', level: 'warn', destination: process.stderr });
    const run = createItemRunner({ engine: bed.engine, db: jobs.pool, logger, credentials });
    const queues = await queuesOfPool(jobs.pool, { namespace: NS, pool: 'web' });
    const queue = queues.find((q) => q.name === 'logins')!;
    expect(queue.credentials).toEqual(bindings);
    const outcome = await run({ item, queue, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ status: 'succeeded', outputs: { welcome: expect.stringContaining('Welcome') } });
    expect(asked).toEqual([{ namespace: NS, bindings, workflowRef: 'invoice' }]);
    expect(cleared).toBe(true);
    expect(JSON.stringify(outcome)).not.toContain(password);

    // A robot that cannot read credentials fails such an item as an application error (retried), naming why.
    await addItems(jobs.pool, { namespace: NS, name: 'logins' }, parseItems([{ reference: 'l-2' }]));
    const second = (await claimItem(jobs.pool, { namespace: NS, queue: 'logins', robot: 'r1' }))!;
    const without = createItemRunner({ engine: bed.engine, db: jobs.pool, logger });
    expect(await without({ item: second, queue, signal: new AbortController().signal })).toMatchObject({
      status: 'failed',
      error: { kind: 'application', code: 'CredentialsUnavailable' },
    });
  }, 90_000);
});
