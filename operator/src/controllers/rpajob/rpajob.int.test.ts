// The RpaJob controller on the real API server and PostgreSQL: queued exactly once (two operators at
// once, and after a restart), deletion removes the queue entry, invalid jobs get a clear condition and
// no queue entry, TTL, suspend, deadline, and a lost robot status patch.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { withTransaction } from '../../../../api/queue/db.js';
import { releaseDeadRobots } from '../../../../api/queue/release.js';
import { completeRuns } from '../../../../api/queue/sql/runs.js';
import { jobKey } from '../../../../api/v1alpha1/names.js';
import { waitFor } from '../../../../e2e/harness/wait.js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../tracing.js';
import {
  counterValue,
  createObject,
  eventsFor,
  NOOP_WORKFLOW,
  setUpEnv,
  startTestOperator,
  tearDownEnv,
  waitForGone,
  waitForObject,
  type TestEnv,
} from '../../testing/operator-env.js';
import type { Operator } from '../../operator.js';
import { ANNOTATIONS, RPAJOB_FINALIZER } from '../names.js';

jest.setTimeout(120_000);

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jobSpec = (extra: Record<string, unknown> = {}) => ({ pool: 'pool-a', workflow: NOOP_WORKFLOW, ...extra });

/** The phase and the Finished condition may land in successive reconciles: wait for both. */
const finishedAs = (phase: string) => (o: { status?: { phase?: string; conditions?: { type: string }[] } }) =>
  o.status?.phase === phase && (o.status.conditions ?? []).some((c) => c.type === 'Finished');

describe('RpaJob controller', () => {
  let env: TestEnv;
  const operators: Operator[] = [];

  beforeAll(async () => {
    env = await setUpEnv('rpajob');
  });
  afterAll(async () => {
    for (const o of operators) await o.stop();
    await tearDownEnv(env);
  });

  const jobPath = (name: string) => ({ group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpajobs', namespace: env.namespace, name });
  const runRows = async (uid: string) => (await env.db.query(`select state from aether.runs where uid = $1`, [uid])).rows as Array<{ state: string }>;
  const graphileJobs = async (uid: string) => Number((await env.db.query(`select count(*) from graphile_worker._private_jobs where key = $1`, [jobKey(uid)])).rows[0].count);

  it('queues each job exactly once when two operators reconcile at the same time, and again after a restart', async () => {
    // With the Queued Event on (chart operator.queuedEvents): it is recorded once per job, by the pass that queued it.
    const withEvents = { extraEnv: { AETHER_QUEUED_EVENTS: 'true' } };
    operators.push(await startTestOperator(env, withEvents), await startTestOperator(env, withEvents));
    const names = Array.from({ length: 8 }, (_, i) => `twice-${i}`);
    const uids = await Promise.all(names.map(async (n) => (await createObject(env, 'RpaJob', n, jobSpec())).metadata.uid));
    for (const n of names) {
      const job = await waitForObject(env, 'RpaJob', n, 'Queued', (o) => o.status?.phase === 'Queued');
      expect(job.metadata.finalizers).toContain(RPAJOB_FINALIZER);
      expect(job.status!.conditions.find((c: { type: string }) => c.type === 'Queued')).toMatchObject({ status: 'True', reason: 'Queued' });
      expect(job.status!.queuedAt).toEqual(expect.any(String));
      expect(job.status!.workflowDigest).toMatch(/^sha256:/);
    }
    for (const uid of uids) {
      expect(await runRows(uid)).toEqual([{ state: 'queued' }]);
      expect(await graphileJobs(uid)).toBe(1);
    }
    // Both operators did reconcile (the race was real), yet one Queued event each.
    expect(await counterValue(operators[0]!, 'aether_reconcile_total', { controller: 'rpajob' })).toBeGreaterThanOrEqual(names.length);
    expect(await counterValue(operators[1]!, 'aether_reconcile_total', { controller: 'rpajob' })).toBeGreaterThanOrEqual(names.length);
    for (const n of names) expect((await eventsFor(env, n)).filter((e) => e.reason === 'Queued')).toEqual([expect.objectContaining({ count: 1 })]);

    // Restart: a fresh operator reconciles every job again and queues nothing twice.
    for (const o of operators.splice(0)) await o.stop();
    const restarted = await startTestOperator(env, withEvents);
    operators.push(restarted);
    await waitForObject(env, 'RpaJob', names[0]!, 'seen by the restarted operator', () => true);
    await waitFor('the restarted operator to reconcile every job', async () =>
      (await counterValue(restarted, 'aether_reconcile_total', { controller: 'rpajob' })) >= names.length ? true : undefined,
    );
    const total = Number((await env.db.query(`select count(*) from aether.runs where uid = any($1::uuid[])`, [uids])).rows[0].count);
    expect(total).toBe(names.length);
    for (const uid of uids) expect(await graphileJobs(uid)).toBe(1);
    for (const n of names) expect((await eventsFor(env, n)).filter((e) => e.reason === 'Queued')).toEqual([expect.objectContaining({ count: 1 })]);
  });

  it('deleting a queued job removes its queue entry, then the finalizer', async () => {
    const { metadata } = await createObject(env, 'RpaJob', 'to-delete', jobSpec());
    await waitForObject(env, 'RpaJob', 'to-delete', 'Queued', (o) => o.status?.phase === 'Queued');
    expect(await graphileJobs(metadata.uid)).toBe(1);
    await env.custom.deleteNamespacedCustomObject(jobPath('to-delete'));
    await waitForGone(env, 'RpaJob', 'to-delete');
    expect(await graphileJobs(metadata.uid)).toBe(0);
    expect(await runRows(metadata.uid)).toEqual([{ state: 'cancelled' }]);
  });

  it('an invalid job gets Valid=False naming the step and field, no queue entry, and no retry storm', async () => {
    const errorsBefore = await counterValue(operators[0]!, 'aether_reconcile_total', { controller: 'rpajob', result: 'error' });
    const workflow = { steps: [{ id: 'open', action: 'goto', url: 'https://example.org/{{ params.missing }}' }] };
    const { metadata } = await createObject(env, 'RpaJob', 'invalid', { pool: 'pool-a', workflow });
    const job = await waitForObject(env, 'RpaJob', 'invalid', 'Valid=False', (o) => o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Valid' && c.status === 'False'));
    const valid = job.status!.conditions.find((c: { type: string }) => c.type === 'Valid');
    expect(valid.message).toContain('step "open"');
    expect(valid.message).toContain('steps[0].url');
    expect(valid.message).toContain('missing');
    expect(job.status!.phase).toBe('Pending');
    expect(await runRows(metadata.uid)).toEqual([]);
    const events = await eventsFor(env, 'invalid');
    expect(events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'Invalid', count: 1 })]);
    const operator = operators[0]!;
    const terminal = await counterValue(operator, 'aether_reconcile_total', { controller: 'rpajob', result: 'terminal' });
    expect(terminal).toBeGreaterThanOrEqual(1);
    expect(terminal).toBeLessThanOrEqual(3); // the first pass, and the one its own status patch caused
    expect(await counterValue(operator, 'aether_reconcile_total', { controller: 'rpajob', result: 'error' })).toBe(errorsBefore);
  });

  it('a missing param required by a referenced RpaWorkflow is named; the job waits for its workflow', async () => {
    await createObject(env, 'RpaJob', 'waits', { pool: 'pool-a', workflowRef: { name: 'later' }, params: { who: 'ada' } });
    await waitForObject(env, 'RpaJob', 'waits', 'WorkflowNotFound', (o) => o.status?.conditions?.some((c: { reason: string }) => c.reason === 'WorkflowNotFound'));
    await createObject(env, 'RpaWorkflow', 'later', { params: [{ name: 'who', required: true }], steps: [{ id: 'hi', action: 'setVariable', name: 'x', value: '{{ params.who }}' }] });
    const wf = await waitForObject(env, 'RpaWorkflow', 'later', 'Valid', (o) => o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Valid' && c.status === 'True'));
    expect(wf.status!.stepCount).toBe(1);
    expect(wf.status!.observedGeneration).toBe(1);
    await waitForObject(env, 'RpaJob', 'waits', 'Queued', (o) => o.status?.phase === 'Queued');

    await createObject(env, 'RpaJob', 'no-param', { pool: 'pool-a', workflowRef: { name: 'later' } });
    const bad = await waitForObject(env, 'RpaJob', 'no-param', 'Valid=False', (o) => o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Valid' && c.status === 'False'));
    expect(bad.status!.conditions.find((c: { type: string }) => c.type === 'Valid').message).toBe('spec.params.who: is required by the workflow');
  });

  it('a job calling a missing RpaWorkflow gets Valid=False WorkflowNotFound naming the field, and is queued with the callee snapshotted once it exists', async () => {
    const workflow = { steps: [{ id: 'sub', action: 'call', call: { workflow: 'callee-later', params: { who: 'ada' } } }] };
    const { metadata } = await createObject(env, 'RpaJob', 'calls-later', { pool: 'pool-a', workflow });
    const waiting = await waitForObject(env, 'RpaJob', 'calls-later', 'Valid=False', (o) => o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Valid' && c.status === 'False'));
    const message = 'step "sub" (spec.workflow.steps[0].call.workflow): RpaWorkflow callee-later does not exist';
    expect(waiting.status!.phase).toBe('Pending');
    expect(waiting.status!.conditions.find((c: { type: string }) => c.type === 'Valid')).toMatchObject({ reason: 'WorkflowNotFound', message });
    expect((await eventsFor(env, 'calls-later')).filter((e) => e.reason === 'WorkflowNotFound')).toEqual([expect.objectContaining({ type: 'Warning', message })]);
    expect(await graphileJobs(metadata.uid)).toBe(0);

    const callee = { params: [{ name: 'who', required: true }], steps: [{ id: 'hi', action: 'setVariable', name: 'x', value: '{{ params.who }}' }] };
    await createObject(env, 'RpaWorkflow', 'callee-later', callee);
    const queued = await waitForObject(env, 'RpaJob', 'calls-later', 'Queued', (o) => o.status?.phase === 'Queued');
    expect(queued.status!.conditions.find((c: { type: string }) => c.type === 'Valid')).toMatchObject({ status: 'True' });
    const payload = (await env.db.query(`select payload from graphile_worker._private_jobs where key = $1`, [jobKey(metadata.uid)])).rows[0].payload;
    expect(payload.calls).toEqual({ 'callee-later': { generation: 1, spec: { ...callee, params: [{ name: 'who', required: true, type: 'string' }] } } });
  });

  it('an invalid RpaWorkflow reports Valid=False naming the step and field', async () => {
    await createObject(env, 'RpaWorkflow', 'broken', { steps: [{ id: 'a', action: 'setVariable', name: 'x', value: '{{ steps.b.text }}' }, { id: 'b', action: 'extractText', target: { css: 'h1' } }] });
    const wf = await waitForObject(env, 'RpaWorkflow', 'broken', 'Valid=False', (o) => o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Valid' && c.status === 'False'));
    expect(wf.status!.conditions[0].message).toContain('step "a"');
    expect(wf.status!.conditions[0].message).toContain('comes later');
  });

  it('a finished job is deleted after ttlSecondsAfterFinished, and its database rows with it', async () => {
    const { metadata } = await createObject(env, 'RpaJob', 'ttl', jobSpec({ ttlSecondsAfterFinished: 1 }));
    await waitForObject(env, 'RpaJob', 'ttl', 'Queued', (o) => o.status?.phase === 'Queued');
    // What a robot leaves behind besides the run row: a healing event and an audit row of the job.
    await env.db.query(
      `insert into aether.healing_events (workflow_namespace, workflow_name, step_id, run_uid, tier, outcome) values ($1, 'wf', 'noop', $2, 'text', 'healed')`,
      [env.namespace, metadata.uid],
    );
    await env.db.query(`insert into aether.audit_log (actor, action, run_uid) values ('robot/test', 'run.claimed', $1)`, [metadata.uid]);
    // The robot's part: finish the run, report on the status.
    expect(await completeRuns(env.db, { results: [{ uid: metadata.uid, outputs: {} }], robot: 'robot-test' })).toBe(1);
    await env.custom.patchNamespacedCustomObjectStatus(
      { ...jobPath('ttl'), body: { status: { phase: 'Succeeded', completionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } } },
      mergePatch,
    );
    await waitForGone(env, 'RpaJob', 'ttl');
    // The finalizer came off only after the rows were gone.
    expect(await runRows(metadata.uid)).toEqual([]);
    const left = await env.db.query<{ n: number }>(
      `select (select count(*) from aether.healing_events where run_uid = $1) + (select count(*) from aether.audit_log where run_uid = $1) as n`,
      [metadata.uid],
    );
    expect(Number(left.rows[0]!.n)).toBe(0);
  });

  it('adopts the outcome from the run row when the robot status patch was lost', async () => {
    const quick = await startTestOperator(env, { jobRecheckMs: 500 });
    operators.push(quick);
    const { metadata } = await createObject(env, 'RpaJob', 'lost-patch', jobSpec());
    await waitForObject(env, 'RpaJob', 'lost-patch', 'Queued', (o) => o.status?.phase === 'Queued');
    expect(await completeRuns(env.db, { results: [{ uid: metadata.uid, outputs: { ok: true } }], robot: 'robot-test' })).toBe(1);
    const job = await waitForObject(env, 'RpaJob', 'lost-patch', 'Succeeded', finishedAs('Succeeded'));
    expect(job.status!.completionTime).toEqual(expect.any(String));
    expect(job.status!.conditions.find((c: { type: string }) => c.type === 'Finished')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  });

  it('adopts a failure three levels deep with long ids from the run row: the status write fits the CRD', async () => {
    const quick = await startTestOperator(env, { jobRecheckMs: 500 });
    operators.push(quick);
    const { metadata } = await createObject(env, 'RpaJob', 'lost-nested', jobSpec());
    await waitForObject(env, 'RpaJob', 'lost-nested', 'Queued', (o) => o.status?.phase === 'Queued');
    const path = `${'a'.repeat(63)}[12].${'b'.repeat(63)}.then.${'c'.repeat(63)}`;
    await env.db.query(
      `update aether.runs set state = 'failed', finished_at = now() - interval '1 minute', error = $2::jsonb where uid = $1`,
      [metadata.uid, JSON.stringify({ message: 'navigation answered HTTP 500', code: 'StepFailed', stepId: path })],
    );
    const job = await waitForObject(env, 'RpaJob', 'lost-nested', 'Failed', finishedAs('Failed'));
    expect(job.status!.error).toEqual({ reason: 'StepFailed', message: 'navigation answered HTTP 500', stepId: 'a'.repeat(63), stepPath: path });
  });

  it('a job whose robots die holding it more than spec.maxCrashes times ends Failed with CrashLooping', async () => {
    const quick = await startTestOperator(env, { jobRecheckMs: 500 });
    operators.push(quick);
    const { metadata } = await createObject(env, 'RpaJob', 'poison', jobSpec({ maxCrashes: 1 }));
    await waitForObject(env, 'RpaJob', 'poison', 'Queued', (o) => o.status?.phase === 'Queued');
    // robot-x marked the run running; robot-y died holding its queue job before the run row said so (marks
    // come after a moment). Each is then declared dead, as the sweeper does once a lease expired.
    await env.db.query(`update aether.runs set state = 'running', robot = 'robot-x', attempts = attempts + 1 where uid = $1`, [metadata.uid]);
    await withTransaction(env.db, (tx) => releaseDeadRobots(tx, [{ id: 'robot-x', namespace: env.namespace, pool: 'pool-a', pod: 'robot-x', workerPoolIds: ['wp-x'] }]));
    expect((await env.db.query(`select state, crash_count from aether.runs where uid = $1`, [metadata.uid])).rows[0]).toEqual({ state: 'queued', crash_count: 1 });
    await env.db.query(`update graphile_worker._private_jobs set locked_by = 'wp-y', locked_at = now() where key = $1`, [jobKey(metadata.uid)]);
    await withTransaction(env.db, (tx) => releaseDeadRobots(tx, [{ id: 'robot-y', namespace: env.namespace, pool: 'pool-a', pod: 'robot-y', workerPoolIds: ['wp-y'] }]));
    const run = (await env.db.query(`select state, crash_count, crashes, error from aether.runs where uid = $1`, [metadata.uid])).rows[0];
    expect(run).toMatchObject({ state: 'failed', crash_count: 2, error: { code: 'CrashLooping' } });
    expect(run.crashes.map((c: { robot: string }) => c.robot)).toEqual(['robot-x', 'robot-y']);
    expect(await graphileJobs(metadata.uid)).toBe(0);
    await env.db.query(`update aether.runs set finished_at = now() - interval '1 minute' where uid = $1`, [metadata.uid]);
    const job = await waitForObject(env, 'RpaJob', 'poison', 'Failed', finishedAs('Failed'));
    expect(job.status!.error).toMatchObject({ reason: 'CrashLooping', message: expect.stringMatching(/2 times \(maxCrashes: 1 take-overs allowed\): robot-x \(lease expired\), robot-y \(lease expired\)$/) });
    expect(job.status!.conditions.find((c: { type: string }) => c.type === 'Finished')).toMatchObject({ status: 'True', reason: 'CrashLooping' });
    // The Event is recorded after the status write: wait for it.
    await waitFor('a CrashLooping event', async () => ((await eventsFor(env, 'poison')).some((e) => e.reason === 'CrashLooping') ? true : undefined));
  });

  it('a suspended job is not queued; resuming queues it; suspending a queued job removes it from the queue', async () => {
    const { metadata } = await createObject(env, 'RpaJob', 'suspended', jobSpec({ suspend: true }));
    await waitForObject(env, 'RpaJob', 'suspended', 'Suspended', (o) => o.status?.conditions?.some((c: { reason: string }) => c.reason === 'Suspended'));
    expect(await runRows(metadata.uid)).toEqual([]);
    const patch = (suspend: boolean) => env.custom.patchNamespacedCustomObject({ ...jobPath('suspended'), body: { spec: { suspend } } }, mergePatch);
    await patch(false);
    await waitForObject(env, 'RpaJob', 'suspended', 'Queued', (o) => o.status?.phase === 'Queued');
    expect(await runRows(metadata.uid)).toEqual([{ state: 'queued' }]);
    await patch(true);
    await waitForObject(env, 'RpaJob', 'suspended', 'Pending again', (o) => o.status?.phase === 'Pending');
    expect(await runRows(metadata.uid)).toEqual([]);
    expect(await graphileJobs(metadata.uid)).toBe(0);
  });

  it('past activeDeadlineSeconds the job is cancelled and Failed with DeadlineExceeded', async () => {
    const { metadata } = await createObject(env, 'RpaJob', 'deadline', jobSpec({ activeDeadlineSeconds: 2 }));
    await waitForObject(env, 'RpaJob', 'deadline', 'Queued', (o) => o.status?.phase === 'Queued');
    const job = await waitForObject(env, 'RpaJob', 'deadline', 'Failed', finishedAs('Failed'));
    expect(job.status!.error).toMatchObject({ reason: 'DeadlineExceeded' });
    expect(job.status!.conditions.find((c: { type: string }) => c.type === 'Finished')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
    expect(await runRows(metadata.uid)).toEqual([{ state: 'cancelled' }]);
    // (Whether a Queued Event came too depends on which of this file's operators queued it: queuedEvents differs.)
    expect((await eventsFor(env, 'deadline')).map((e) => e.reason)).toContain('DeadlineExceeded');
  });

  it('one trace: the reconcile span is the parent recorded on the job and in the queue payload', async () => {
    for (const o of operators.splice(0)) await o.stop();
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ env: {}, processors: [new SimpleSpanProcessor(exporter)] });
    operators.push(await startTestOperator(env, { tracer: tracing.tracer }));
    const { metadata } = await createObject(env, 'RpaJob', 'traced', jobSpec());
    const job = await waitForObject(env, 'RpaJob', 'traced', 'Queued', (o) => o.status?.phase === 'Queued');
    // By default the Queued condition alone says it (no Event: one API write per job fewer).
    expect(job.status!.conditions.find((c: { type: string }) => c.type === 'Queued')).toMatchObject({ status: 'True', reason: 'Queued' });
    expect((await eventsFor(env, 'traced')).map((e) => e.reason)).not.toContain('Queued');
    const annotation = job.metadata.annotations?.[ANNOTATIONS.traceparent];
    expect(annotation).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = annotation!.split('-')[1];
    const payload = (await env.db.query(`select payload from graphile_worker._private_jobs where key = $1`, [jobKey(metadata.uid)])).rows[0].payload;
    expect(payload.traceparent.split('-')[1]).toBe(traceId);
    const spans = exporter.getFinishedSpans().filter((sp) => sp.name === 'reconcile RpaJob' && sp.attributes['aether.job.name'] === 'traced');
    expect(spans.length).toBeGreaterThanOrEqual(1);
    expect(new Set(spans.map((sp) => sp.spanContext().traceId))).toEqual(new Set([traceId]));
    // The span that wrote the annotation is the one the payload names (the robot's job span will be its child).
    expect(spans.map((sp) => sp.spanContext().spanId)).toContain(payload.traceparent.split('-')[2]);
    await tracing.shutdown();
  });
});
