// What the console's browser tests and screenshots look at, in namespace A of an API server test stack:
// an RpaWorkflow with a healing suggestion in its status, RpaJobs created through the API server (the CRs
// are real; their status is written as the operator would), their runs enqueued by aether.enqueue_runs
// and then moved as robots move them (a success, a dead letter that crashed twice and was taken over, with
// a screenshot, an artifact and a healing event, one running), robots, a queue with items, and an hour of
// history for the overview. No operator or robot runs in this stack: the rows are what they write.
import { randomUUID } from 'node:crypto';
import { kubeRequest } from '../../e2e/api/client.js';
import { enqueueRuns } from '../../api/queue/sql/runs.js';
import { upsertQueue } from '../../api/queue/items/queues.js';
import { addItems, claimItem, failItem } from '../../api/queue/items/store.js';
import type { ApiServerTestEnv } from './env.js';

const API = '/apis/rpa.aether.dev/v1alpha1/namespaces';

export const WORKFLOW = 'invoice';
export const SUGGESTED = { testId: 'pay-button' };

export interface ConsoleSeed {
  /** Job names: finished, dead letter with crashes, running. */
  ok: string;
  crashed: string;
  live: string;
  crashedUid: string;
  liveUid: string;
}

/** Writes an object's status subresource as the operator would (read, set, replace). */
export async function writeStatus(env: ApiServerTestEnv, plural: string, name: string, status: Record<string, unknown>): Promise<void> {
  const path = `${API}/${env.nsA}/${plural}/${name}`;
  for (let attempt = 0; ; attempt++) {
    const obj = await kubeRequest<Record<string, unknown>>(env.kc, 'GET', path);
    const res = await kubeRequest(env.kc, 'PUT', `${path}/status`, { ...obj.body, status });
    if (res.status === 200) return;
    if (res.status !== 409 || attempt > 5) throw new Error(`status of ${plural}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export async function createJob(env: ApiServerTestEnv, name: string): Promise<string> {
  const res = await env.client(env.tokens.editor).POST('/api/v1/namespaces/{namespace}/jobs', {
    params: { path: { namespace: env.nsA } },
    body: { name, spec: { pool: 'default', workflowRef: { name: WORKFLOW } } },
  });
  if (res.response.status !== 201) throw new Error(`create ${name}: ${res.response.status} ${JSON.stringify(res.error)}`);
  return res.data!.metadata.uid;
}

export async function enqueue(env: ApiServerTestEnv, uid: string, name: string): Promise<void> {
  await enqueueRuns(env.db, {
    specs: [
      {
        uid,
        namespace: env.nsA,
        name,
        pool: 'default',
        task_identifier: `rpa.run.${env.nsA}.default`,
        workflow_digest: 'seed',
        priority: 0,
        max_attempts: 3,
        max_crashes: 3,
        run_at: null,
        deadline: null,
        payload: { uid, workflowRef: { name: WORKFLOW } },
      },
    ],
  });
}

async function steps(env: ApiServerTestEnv, uid: string, attempt: number, rows: Array<[string, number, number | null, string | null]>): Promise<void> {
  for (const [i, [step, start, end, error]] of rows.entries()) {
    await env.db.query(
      `insert into dbos.operation_outputs (workflow_uuid, function_id, function_name, output, error, started_at_epoch_ms, completed_at_epoch_ms)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [`rpa-${uid}-a${attempt}`, i, step, error === null && end !== null ? '"ok"' : null, error === null ? null : JSON.stringify({ name: 'Error', message: error }), start, end],
    );
  }
}

/** `screenshot`: the failed step's picture (default a small blank PNG). */
export async function seedConsole(env: ApiServerTestEnv, opts: { screenshot?: Buffer } = {}): Promise<ConsoleSeed> {
  const wfPath = `${API}/${env.nsA}/rpaworkflows`;
  const wf = await kubeRequest(env.kc, 'POST', wfPath, {
    apiVersion: 'rpa.aether.dev/v1alpha1',
    kind: 'RpaWorkflow',
    metadata: { name: WORKFLOW },
    spec: {
      description: 'Pay open invoices in the supplier portal',
      steps: [
        { id: 'open', action: 'goto', url: 'https://portal.example.com/invoices' },
        { id: 'pay', action: 'click', target: { css: '#pay' } },
        { id: 'confirm', action: 'click', target: { role: 'button', name: 'Confirm' } },
      ],
    },
  });
  if (wf.status !== 201) throw new Error(`create workflow: ${wf.status} ${JSON.stringify(wf.body)}`);
  await writeStatus(env, 'rpaworkflows', WORKFLOW, {
    stepCount: 3,
    conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'the workflow is valid', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
    healingSuggestions: [
      { stepId: 'pay', suggested: SUGGESTED, score: 0.93, count: 2, tier: 1, lastSeen: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), message: '#pay disappeared; the button with test id pay-button was chosen' },
    ],
  });

  const seed = { ok: 'inv-ok', crashed: 'inv-crashed', live: 'inv-live' };
  const okUid = await createJob(env, seed.ok);
  const crashedUid = await createJob(env, seed.crashed);
  const liveUid = await createJob(env, seed.live);
  for (const [uid, name] of [[okUid, seed.ok], [crashedUid, seed.crashed], [liveUid, seed.live]] as const) await enqueue(env, uid, name);

  // An hour of history: 40 finished runs, one every 90 s, a few of them failed.
  for (let i = 0; i < 40; i++) {
    const uid = randomUUID();
    await enqueue(env, uid, `hist-${i}`);
    await env.db.query(
      `update aether.runs set state = $2, attempts = 1, robot = 'robot-' || (array['19ab', '3c05', '7f2c'])[1 + $4 % 3], created_at = now() - make_interval(secs => $3),
              started_at = now() - make_interval(secs => $3 - 5 - ($4 % 5) * 10), finished_at = now() - make_interval(secs => $3 - 60 - ($4 % 4) * 12),
              error = case when $2 = 'failed' then '{"message":"portal timed out"}'::jsonb end
        where uid = $1`,
      [uid, i % 9 === 4 ? 'failed' : 'succeeded', 3600 - i * 90, i],
    );
  }

  const now = Date.now();
  await env.db.query(
    // robot-3c05 is default-robot-1's container after a restart (robot-19ab was the first).
    `insert into aether.robots (id, namespace, pool, pod, lease_seconds, jobs_held, state, started_at, heartbeat_at, died_at, version)
     values ('robot-7f2c', $1, 'default', 'default-robot-0', 30, 1, 'alive', now() - interval '50 minutes', now(), null, '0.4.2'),
            ('robot-19ab', $1, 'default', 'default-robot-1', 30, 0, 'dead', now() - interval '58 minutes', now() - interval '12 minutes', now() - interval '11 minutes', '0.4.1'),
            ('robot-3c05', $1, 'default', 'default-robot-1', 30, 0, 'dead', now() - interval '40 minutes', now() - interval '6 minutes', now() - interval '5 minutes', '0.4.2')`,
    [env.nsA],
  );

  await env.db.query(
    `update aether.runs set state = 'succeeded', attempts = 1, robot = 'robot-7f2c', created_at = now() - interval '9 minutes 20 seconds', started_at = now() - interval '9 minutes',
            finished_at = now() - interval '8 minutes', outputs = '{"pay":{"paid":3,"total":"1,240.00 EUR"}}'::jsonb where uid = $1`,
    [okUid],
  );
  await steps(env, okUid, 1, [
    ['open', now - 540_000, now - 539_200, null],
    ['pay', now - 539_200, now - 538_900, null],
    ['confirm', now - 538_900, now - 538_700, null],
  ]);

  // The dead letter: robot-19ab died in step pay, robot-3c05 took over and died too, robot-7f2c resumed
  // the run; the page had changed (#pay gone), healing chose pay-button, then confirm failed for good.
  await env.db.query(
    `update aether.runs set state = 'failed', attempts = 3, failed_attempts = 3, robot = 'robot-7f2c', previous_robot = 'robot-3c05',
            created_at = now() - interval '15 minutes 30 seconds', started_at = now() - interval '15 minutes', finished_at = now() - interval '4 minutes', crash_count = 2,
            crashes = jsonb_build_array(
              jsonb_build_object('robot', 'robot-19ab', 'pod', 'default-robot-1', 'reason', 'lease expired', 'at', to_jsonb(now() - interval '11 minutes')),
              jsonb_build_object('robot', 'robot-3c05', 'pod', 'default-robot-1', 'reason', 'pod deleted', 'at', to_jsonb(now() - interval '5 minutes'))),
            error = '{"message":"no element matches role=button name=Confirm","stepId":"confirm","code":"StepFailed"}'::jsonb
      where uid = $1`,
    [crashedUid],
  );
  await steps(env, crashedUid, 1, [
    ['open', now - 900_000, now - 899_000, null],
    ['pay', now - 899_000, null, null],
    ['pay', now - 640_000, now - 639_000, null],
    ['confirm', now - 280_000, now - 250_000, 'no element matches role=button name=Confirm'],
  ]);
  const png = opts.screenshot ?? Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAEAAAAAgCAIAAAAt/+nTAAAAPUlEQVR4nO3PMQ0AIBDAwAf/nrGAgy4kVwM3s8/MTq29HeivNwgAAAAAAAAAAAAAAAAAAAAAAAAAAAB+8wB3OwLjLaWdNgAAAABJRU5ErkJggg==',
    'base64',
  );
  await env.db.query(
    `with s as (insert into aether.screenshots (run_uid, step_id, image) values ($1, 'confirm', $2) returning id)
     update aether.runs set screenshot_id = (select id from s) where uid = $1`,
    [crashedUid, png],
  );
  const pdf = Buffer.from('%PDF-1.4 receipt 2026-12');
  await env.db.query(
    `insert into aether.artifacts (run_uid, namespace, name, step_path, content_type, size, sha256, content)
     values ($1, $2, 'receipt.pdf', 'pay', 'application/pdf', $3, encode(sha256($4), 'hex'), $4)`,
    [crashedUid, env.nsA, pdf.length, pdf],
  );
  await env.db.query(
    `insert into aether.healing_events (workflow_namespace, workflow_name, step_id, run_uid, tier, outcome, chosen_selector, score, at, target, suggestion)
     values ($1, $2, 'pay', $3, '1', 'healed', '[data-testid="pay-button"]', 0.93, now() - interval '10 minutes', '{"css":"#pay"}', $4)`,
    [env.nsA, WORKFLOW, crashedUid, JSON.stringify(SUGGESTED)],
  );

  await env.db.query(
    `update aether.runs set state = 'running', attempts = 1, robot = 'robot-7f2c', created_at = now() - interval '45 seconds', started_at = now() - interval '40 seconds' where uid = $1`,
    [liveUid],
  );
  await steps(env, liveUid, 1, [['open', now - 40_000, now - 39_000, null], ['pay', now - 39_000, null, null]]);

  await writeStatus(env, 'rpajobs', seed.ok, { phase: 'Succeeded', attempts: 1, robot: 'robot-7f2c' });
  await writeStatus(env, 'rpajobs', seed.crashed, { phase: 'Failed', attempts: 3, robot: 'robot-7f2c' });
  await writeStatus(env, 'rpajobs', seed.live, { phase: 'Running', attempts: 1, robot: 'robot-7f2c', currentStep: 'pay' });

  await upsertQueue(env.db, {
    namespace: env.nsA,
    name: 'invoices',
    pool: 'default',
    workflowRef: { name: WORKFLOW },
    maxRetries: 0,
    backoffSeconds: 1,
    backoffMaxSeconds: 10,
    uniqueReference: 'reject',
    inProgressTimeoutSeconds: 600,
    slaSeconds: 60,
    priority: 0,
  });
  await addItems(
    env.db,
    { namespace: env.nsA, name: 'invoices' },
    Array.from({ length: 6 }, (_, i) => ({ reference: `INV-2026-${1040 + i}`, data: { invoice: `INV-2026-${1040 + i}`, amount: 100 + i * 35 } })),
  );
  await env.db.query(`update aether.queue_items set created_at = now() - interval '3 minutes' where namespace = $1 and queue = 'invoices'`, [env.nsA]);
  const held = await claimItem(env.db, { namespace: env.nsA, queue: 'invoices', robot: 'robot-7f2c' });
  await failItem(env.db, { id: held!.id, epoch: held!.claimEpoch, error: { kind: 'application', message: 'portal returned 502' } });
  await claimItem(env.db, { namespace: env.nsA, queue: 'invoices', robot: 'robot-7f2c' });

  return { ...seed, crashedUid, liveUid };
}
