// Inbound webhooks (RpaTrigger) against the real API server stack: the test kube-apiserver (triggers,
// Secrets, RpaJobs, the CRD's rules) and real PostgreSQL (delivery ids, queue items). Requests are signed
// as the README tells senders to sign them.
import { randomUUID } from 'node:crypto';
import { kubeRequest } from '../../../e2e/api/client.js';
import { apiserverRequests } from '../../../e2e/operator/bench-env.js';
import { deleteNamespace, freshNamespace, waitFor } from '../../../e2e/harness/kube.js';
import { upsertQueue } from '../../../api/queue/items/queues.js';
import { listItems } from '../../../api/queue/items/store.js';
import { setUpApiServerEnv, type ApiServerTestEnv } from '../../testing/env.js';
import { DELIVERY_ANNOTATION, TRIGGER_ANNOTATION, TRIGGER_UID_ANNOTATION } from './deliver.js';
import { deliveryJobName } from './payload.js';
import { signDelivery } from './signature.js';

const KEY = 'c2VjcmV0LWhtYWMta2V5';
const V1 = '/apis/rpa.aether.dev/v1alpha1/namespaces';

let env: ApiServerTestEnv;
let ns: string;

async function create(plural: string, kind: string, name: string, spec: Record<string, unknown>): Promise<void> {
  const r = await kubeRequest(env.kc, 'POST', `${V1}/${ns}/${plural}`, { apiVersion: 'rpa.aether.dev/v1alpha1', kind, metadata: { name }, spec });
  expect([name, r.status]).toEqual([name, 201]);
}

async function createSecret(name: string, data: Record<string, string>): Promise<void> {
  const r = await kubeRequest(env.kc, 'POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data });
  expect(r.status).toBe(201);
}

interface Sent {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs `body` to the trigger, signed with `key` at `timestamp` (default now). */
async function send(
  trigger: string,
  body: unknown,
  opts: { delivery?: string; key?: string; timestamp?: number; signature?: string; namespace?: string } = {},
): Promise<Sent> {
  const raw = Buffer.from(JSON.stringify(body));
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const res = await fetch(`${env.server.url}/hooks/v1/namespaces/${opts.namespace ?? ns}/triggers/${trigger}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Aether-Timestamp': ts,
      'X-Aether-Delivery': opts.delivery ?? randomUUID(),
      'X-Aether-Signature': opts.signature ?? signDelivery(Buffer.from(opts.key ?? 'secret-hmac-key'), ts, raw),
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function jobsOfDelivery(delivery: string): Promise<string[]> {
  const list = await kubeRequest<{ items: Array<{ metadata: { name: string; annotations?: Record<string, string> } }> }>(env.kc, 'GET', `${V1}/${ns}/rpajobs`);
  return list.body.items.filter((j) => j.metadata.annotations?.[DELIVERY_ANNOTATION] === delivery).map((j) => j.metadata.name);
}

async function readyOf(name: string): Promise<{ status?: string; reason?: string; message?: string; deliveries?: number; lastDelivery?: string }> {
  const t = await kubeRequest<{ status?: { deliveries?: number; lastDelivery?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } }>(
    env.kc,
    'GET',
    `${V1}/${ns}/rpatriggers/${name}`,
  );
  const c = t.body.status?.conditions?.find((x) => x.type === 'Ready');
  return { ...(c && { status: c.status, reason: c.reason, message: c.message }), ...t.body.status };
}

beforeAll(async () => {
  env = await setUpApiServerEnv('hooks');
  ns = env.nsA;
  await waitFor('rpatriggers served', async () => ((await kubeRequest(env.kc, 'GET', `${V1}/${ns}/rpatriggers`)).status === 200 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  await createSecret('hook-key', { hmac: KEY });
  await create('rpaworkflows', 'RpaWorkflow', 'pay', {
    params: [
      { name: 'invoice', type: 'string', required: true },
      { name: 'amount', type: 'number' },
      { name: 'mode', type: 'string' },
    ],
    steps: [{ id: 'open', action: 'goto', url: 'https://example.com/' }],
  });
  await create('rpatriggers', 'RpaTrigger', 'pay-hook', {
    secretRef: { name: 'hook-key', key: 'hmac' },
    job: { pool: 'default', workflowRef: { name: 'pay' }, params: { mode: 'webhook' }, paramMap: { invoice: '/invoice/id', amount: '/invoice/total' } },
  });
  await upsertQueue(env.db, {
    namespace: ns, name: 'inbox', pool: 'default', workflowRef: { name: 'inbox-wf' }, maxRetries: 0, backoffSeconds: 1,
    backoffMaxSeconds: 10, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
  });
  await create('rpatriggers', 'RpaTrigger', 'inbox-hook', { secretRef: { name: 'hook-key', key: 'hmac' }, queue: { name: 'inbox' } });
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

describe('RpaTrigger webhooks', () => {
  it('a signed POST to a job trigger creates one RpaJob with the mapped params; a replay of its delivery id creates none', async () => {
    const delivery = `inv-${randomUUID()}`;
    const first = await send('pay-hook', { invoice: { id: 'A-17', total: 99.5 }, ignored: true }, { delivery });
    expect(first.status).toBe(200);
    const job = first.body.job as { name: string; uid: string };
    expect(job.name).toMatch(/^pay-hook-[0-9a-f]{16}$/);

    const got = await kubeRequest<{ metadata: { uid: string; annotations: Record<string, string> }; spec: Record<string, unknown> }>(env.kc, 'GET', `${V1}/${ns}/rpajobs/${job.name}`);
    expect(got.status).toBe(200);
    expect(got.body.metadata.uid).toBe(job.uid);
    expect(got.body.spec).toMatchObject({ pool: 'default', workflowRef: { name: 'pay' }, params: { mode: 'webhook', invoice: 'A-17', amount: 99.5 } });
    expect(got.body.metadata.annotations).toMatchObject({ 'rpa.aether.dev/trigger': 'pay-hook', [DELIVERY_ANNOTATION]: delivery });

    // The same delivery again, freshly signed (a retry, or a replay within the tolerance): refused, no second job.
    const again = await send('pay-hook', { invoice: { id: 'A-17', total: 99.5 } }, { delivery });
    expect([again.status, again.body.reason]).toEqual([409, 'DeliveryReplayed']);
    expect(await jobsOfDelivery(delivery)).toEqual([job.name]);

    // Copies of one new delivery at once: exactly one is accepted.
    const burst = `burst-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => send('pay-hook', { invoice: { id: 'B-1' } }, { delivery: burst })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(await jobsOfDelivery(burst)).toHaveLength(1);

    // The status counts accepted deliveries (replays not), written by the API server.
    await waitFor('deliveries counted', async () => ((await readyOf('pay-hook')).deliveries === 2 ? true : undefined), { timeoutMs: 15_000, intervalMs: 200 });
    const status = await readyOf('pay-hook');
    expect([status.status, status.reason]).toEqual(['True', 'TriggerReady']);
    expect(Date.parse(status.lastDelivery!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a retry after a crash between the job create and the commit answers with the same job; a foreign job of that name is refused', async () => {
    const t = await kubeRequest<{ metadata: { uid: string } }>(env.kc, 'GET', `${V1}/${ns}/rpatriggers/pay-hook`);
    const uid = t.body.metadata.uid;
    // The RpaJob exists, the delivery id was never committed: what a crash after the create leaves.
    const delivery = `crash-${randomUUID()}`;
    const name = deliveryJobName({ name: 'pay-hook', uid }, delivery);
    const annotations = { [TRIGGER_ANNOTATION]: 'pay-hook', [DELIVERY_ANNOTATION]: delivery, [TRIGGER_UID_ANNOTATION]: uid };
    const pre = await kubeRequest<{ metadata: { uid: string } }>(env.kc, 'POST', `${V1}/${ns}/rpajobs`, {
      apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaJob', metadata: { name, annotations }, spec: { pool: 'default', workflowRef: { name: 'pay' } },
    });
    expect(pre.status).toBe(201);
    const retry = await send('pay-hook', { invoice: { id: 'C-1' } }, { delivery });
    expect(retry.status).toBe(200);
    expect(retry.body.job).toEqual({ name, uid: pre.body.metadata.uid });
    expect((await send('pay-hook', { invoice: { id: 'C-1' } }, { delivery })).body.reason).toBe('DeliveryReplayed');

    const other = `foreign-${randomUUID()}`;
    const taken = deliveryJobName({ name: 'pay-hook', uid }, other);
    const foreign = await kubeRequest(env.kc, 'POST', `${V1}/${ns}/rpajobs`, { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaJob', metadata: { name: taken }, spec: { pool: 'default', workflowRef: { name: 'pay' } } });
    expect(foreign.status).toBe(201);
    const refused = await send('pay-hook', { invoice: { id: 'D-1' } }, { delivery: other });
    expect([refused.status, refused.body.reason]).toEqual([409, 'JobNameTaken']);
    // Refused, so not recorded: the delivery id is still free once the name is.
    const seen = await env.db.query('select 1 from aether.webhook_deliveries where delivery_id = $1', [other]);
    expect(seen.rowCount).toBe(0);
  });

  it('prunes delivery ids whose timestamp is past the longest tolerance', async () => {
    await env.db.query(
      `insert into aether.webhook_deliveries (trigger_uid, delivery_id, namespace, trigger_name, expires_at)
       values ($1, 'old', $2, 'gone', now() - interval '1 second'), ($1, 'young', $2, 'gone', now() + interval '1 hour')`,
      [randomUUID(), ns],
    );
    await waitFor('expired id pruned', async () => ((await env.db.query(`select 1 from aether.webhook_deliveries where delivery_id = 'old'`)).rowCount === 0 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect((await env.db.query(`select 1 from aether.webhook_deliveries where delivery_id = 'young'`)).rowCount).toBe(1);
  });

  it('a signed POST to a queue trigger adds its items once, by reference and by delivery id', async () => {
    const delivery = randomUUID();
    const body = { items: [{ reference: 'mail-1', data: { from: 'a@example.com' } }, { reference: 'mail-2' }] };
    const first = await send('inbox-hook', body, { delivery });
    expect(first.status).toBe(200);
    expect([first.body.added, first.body.duplicate]).toEqual([2, 0]);
    const replay = await send('inbox-hook', body, { delivery });
    expect([replay.status, replay.body.reason]).toEqual([409, 'DeliveryReplayed']);
    const one = await send('inbox-hook', { reference: 'mail-3', data: { from: 'c@example.com' } });
    expect([one.status, one.body.added]).toEqual([200, 1]);
    const items = await listItems(env.db, { namespace: ns, queue: 'inbox', limit: 100 });
    expect(items.map((i) => i.reference).sort()).toEqual(['mail-1', 'mail-2', 'mail-3']);
    const bad = await send('inbox-hook', { items: [{ reference: 'x', unknown: 1 }] });
    expect([bad.status, bad.body.reason]).toEqual([400, 'InvalidBody']);
  });

  it('refuses a wrong signature and an unknown trigger with the same 401, and a stale timestamp by name', async () => {
    const wrong = await send('pay-hook', { invoice: { id: 'X' } }, { key: 'not-the-key' });
    const unknown = await send('no-such-trigger', { invoice: { id: 'X' } });
    const otherNs = await send('pay-hook', { invoice: { id: 'X' } }, { namespace: env.nsB });
    expect(wrong).toEqual({ status: 401, body: { reason: 'SignatureMismatch', message: 'the signature does not verify for this trigger' } });
    expect(unknown).toEqual(wrong);
    expect(otherNs).toEqual(wrong);
    const stale = await send('pay-hook', { invoice: { id: 'X' } }, { timestamp: Math.floor(Date.now() / 1000) - 400 });
    expect([stale.status, stale.body.reason]).toEqual([401, 'TimestampOutsideTolerance']);
    const unsigned = await send('pay-hook', { invoice: { id: 'X' } }, { signature: '' });
    expect([unsigned.status, unsigned.body.reason]).toEqual([401, 'SignatureMissing']);
    const res = await fetch(`${env.server.url}/hooks/v1/namespaces/${ns}/triggers/pay-hook`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 0x20), headers: { 'Content-Type': 'application/json' } });
    expect([res.status, ((await res.json()) as { reason: string }).reason]).toEqual([413, 'PayloadTooLarge']);
    expect(await jobsOfDelivery('X')).toEqual([]);
  });

  it('a flood of requests naming made-up triggers costs the Kubernetes API next to no reads (the informer answers)', async () => {
    const triggerGets = async () => (await apiserverRequests(env.kc, ['rpatriggers'], ['GET']))['rpatriggers GET'] ?? 0;
    // The informer has listed once a request for a known trigger is answered without a GET.
    await waitFor('the trigger informer synced', async () => {
      const before = await triggerGets();
      await send('nobody-knows', { x: 1 });
      await send('inbox-hook', { reference: `sync-${randomUUID()}` });
      return (await triggerGets()) - before <= 1 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    const before = await triggerGets();
    const names = Array.from({ length: 200 }, () => `made-up-${randomUUID().slice(0, 8)}`);
    const answers = await Promise.all(names.map((n) => send(n, { x: 1 })));
    expect(new Set(answers.map((a) => `${a.status} ${a.body.reason}`))).toEqual(new Set(['401 SignatureMismatch']));
    // Before the informer every made-up name was one GET (200); now only the miss budget's burst and refill.
    expect((await triggerGets()) - before).toBeLessThanOrEqual(20);
    // A trigger created a moment ago is still found (its watch event, or one budgeted read).
    await create('rpatriggers', 'RpaTrigger', 'just-made', { secretRef: { name: 'hook-key', key: 'hmac' }, queue: { name: 'inbox' } });
    expect((await send('just-made', { reference: `new-${randomUUID()}` })).status).toBe(200);
  });

  it('reports a trigger whose Secret is missing as Ready=False, and Ready once the Secret exists', async () => {
    await create('rpatriggers', 'RpaTrigger', 'orphan', { secretRef: { name: 'orphan-key', key: 'hmac' }, queue: { name: 'inbox' } });
    await waitFor('orphan not ready', async () => ((await readyOf('orphan')).reason === 'SecretNotFound' ? true : undefined), { timeoutMs: 15_000, intervalMs: 200 });
    const before = await readyOf('orphan');
    expect(before.status).toBe('False');
    expect(before.message).toContain('Secret orphan-key does not exist');
    expect((await send('orphan', { reference: 'o-1' })).status).toBe(401);
    await createSecret('orphan-key', { hmac: KEY });
    await waitFor('orphan ready', async () => ((await readyOf('orphan')).status === 'True' ? true : undefined), { timeoutMs: 15_000, intervalMs: 200 });
    expect((await send('orphan', { reference: 'o-1' })).status).toBe(200);
  });

  it("leaves alone the RpaTriggers of namespaces it does not serve (another installation's): no delivery, no status", async () => {
    const other = await freshNamespace(env.kc, 'hooks-other');
    try {
      const secret = await kubeRequest(env.kc, 'POST', `/api/v1/namespaces/${other}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook-key' }, data: { hmac: KEY } });
      expect(secret.status).toBe(201);
      const made = await kubeRequest(env.kc, 'POST', `${V1}/${other}/rpatriggers`, {
        apiVersion: 'rpa.aether.dev/v1alpha1',
        kind: 'RpaTrigger',
        metadata: { name: 'inbox-hook' },
        spec: { secretRef: { name: 'hook-key', key: 'hmac' }, queue: { name: 'inbox' } },
      });
      expect(made.status).toBe(201);
      // Signed right, but answered as a trigger that does not exist.
      const res = await send('inbox-hook', { reference: 'elsewhere-1' }, { namespace: other });
      expect([res.status, res.body.reason]).toEqual([401, 'SignatureMismatch']);
      // Several status passes (every 500 ms here) later, its status is still nobody's.
      await new Promise((r) => setTimeout(r, 2_500));
      const t = await kubeRequest<{ status?: unknown }>(env.kc, 'GET', `${V1}/${other}/rpatriggers/inbox-hook`);
      expect(t.body.status).toBeUndefined();
    } finally {
      await deleteNamespace(env.kc, other);
    }
  });

  it('refuses a trigger with both targets or neither, naming them (the CRD rule)', async () => {
    for (const spec of [{ secretRef: { name: 'k', key: 'k' } }, { secretRef: { name: 'k', key: 'k' }, queue: { name: 'q' }, job: { pool: 'p', workflowRef: { name: 'w' } } }]) {
      const r = await kubeRequest<{ message: string }>(env.kc, 'POST', `${V1}/${ns}/rpatriggers`, { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaTrigger', metadata: { name: 'bad' }, spec });
      expect(r.status).toBe(422);
      expect(r.body.message).toContain('set exactly one target: job (create an RpaJob) or queue (add work items)');
    }
  });
});
