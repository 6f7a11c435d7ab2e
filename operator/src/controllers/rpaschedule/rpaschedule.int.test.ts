// The RpaSchedule controller on the real API server: a job on the cron time (the operator's clock is
// moved close to a minute boundary instead of waiting for one), Forbid skipping a run while a job is
// active, the late start once it finished, history limits, owner references; Replace and Allow.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { waitFor } from '../../../../e2e/harness/wait.js';
import type { Operator } from '../../operator.js';
import { counterValue, createObject, eventsFor, getObject, NOOP_WORKFLOW, setUpEnv, startTestOperator, tearDownEnv, waitForGone, waitForObject, type TestEnv } from '../../testing/operator-env.js';
import { ANNOTATIONS } from '../names.js';

jest.setTimeout(120_000);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const MINUTE = 60_000;

describe('RpaSchedule controller', () => {
  let env: TestEnv;
  let operator: Operator;
  let offset = 0;
  const now = () => Date.now() + offset;
  /** Moves the operator's clock to `ms` before the next minute boundary and returns that boundary. */
  const nearNextMinute = (ms: number): number => {
    const boundary = (Math.floor(now() / MINUTE) + 1) * MINUTE;
    offset += boundary - ms - now();
    return boundary;
  };

  beforeAll(async () => {
    env = await setUpEnv('rpaschedule');
    operator = await startTestOperator(env, { now });
  });
  afterAll(async () => {
    await operator?.stop();
    await tearDownEnv(env);
  });

  const jobsOf = async (schedule: string) => {
    const list = (await env.custom.listNamespacedCustomObject({ group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpajobs', namespace: env.namespace, labelSelector: `rpa.aether.dev/schedule=${schedule}` })) as {
      items: Array<{ metadata: { name: string; annotations?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> } }>;
    };
    return list.items;
  };

  it('creates a job at the cron time, skips a run under Forbid while one is active, starts it late when the job ends, and trims history', async () => {
    const first = nearNextMinute(1500);
    await createObject(env, 'RpaSchedule', 'every-minute', {
      schedule: '* * * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 0,
      jobTemplate: { metadata: { labels: { team: 'ops' } }, spec: { pool: 'no-robots', workflow: NOOP_WORKFLOW } },
    });
    const firstName = `every-minute-${first / MINUTE}`;
    const job = await waitForObject(env, 'RpaJob', firstName, 'created for the first minute', () => true);
    expect(job.metadata.annotations?.[ANNOTATIONS.scheduledAt]).toBe(new Date(first).toISOString().replace('.000Z', 'Z'));
    const [listed] = await jobsOf('every-minute');
    expect(listed?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'RpaSchedule', name: 'every-minute', controller: true })]);
    expect((await getObject(env, 'RpaJob', firstName))?.metadata).toMatchObject({ name: firstName });
    const status = (await waitForObject(env, 'RpaSchedule', 'every-minute', 'lastScheduleTime', (o) => o.status?.lastScheduleTime !== undefined)).status!;
    expect(new Date(status.lastScheduleTime).getTime()).toBe(first);
    await waitForObject(env, 'RpaJob', firstName, 'Queued', (o) => o.status?.phase === 'Queued'); // no robots: it stays active

    // The next minute comes while the first job is still active: Forbid skips it.
    const second = nearNextMinute(500);
    operator.controllers.rpaSchedule.enqueue(`${env.namespace}/every-minute`);
    const skipped = await waitFor('a JobAlreadyActive event', async () => (await eventsFor(env, 'every-minute')).find((e) => e.reason === 'JobAlreadyActive'));
    expect(skipped.message).toContain(firstName);
    expect((await jobsOf('every-minute')).map((j) => j.metadata.name)).toEqual([firstName]);
    const active = (await getObject(env, 'RpaSchedule', 'every-minute'))!.status!;
    expect(active.active).toEqual([expect.objectContaining({ name: firstName })]);
    expect(new Date(active.lastScheduleTime).getTime()).toBe(first);

    // The first job ends: the skipped run starts late, and the finished job is beyond the history limit (0).
    await env.custom.patchNamespacedCustomObjectStatus(
      { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpajobs', namespace: env.namespace, name: firstName, body: { status: { phase: 'Succeeded', completionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } } },
      mergePatch,
    );
    const secondName = `every-minute-${second / MINUTE}`;
    await waitForObject(env, 'RpaJob', secondName, 'created late for the skipped minute', () => true);
    await waitForGone(env, 'RpaJob', firstName);
    const after = await waitForObject(env, 'RpaSchedule', 'every-minute', 'second run recorded', (o) => new Date(o.status?.lastScheduleTime ?? 0).getTime() === second);
    expect(after.status!.lastSuccessfulTime).toEqual(expect.any(String));
    expect(after.status!.active).toEqual([expect.objectContaining({ name: secondName })]);
  });

  it('Replace deletes the active job (its finalizer releases the queue entry) and starts the new run', async () => {
    const first = nearNextMinute(1500);
    // The starting deadline keeps the minute before (long past on the operator's moved clock) from running.
    await createObject(env, 'RpaSchedule', 'replacing', { schedule: '* * * * *', startingDeadlineSeconds: 10, concurrencyPolicy: 'Replace', jobTemplate: { spec: { pool: 'no-robots', workflow: NOOP_WORKFLOW } } });
    const firstName = `replacing-${first / MINUTE}`;
    const firstJob = await waitForObject(env, 'RpaJob', firstName, 'Queued', (o) => o.status?.phase === 'Queued'); // no robots: it stays active

    const second = nearNextMinute(500);
    operator.controllers.rpaSchedule.enqueue(`${env.namespace}/replacing`);
    const secondName = `replacing-${second / MINUTE}`;
    await waitForObject(env, 'RpaJob', secondName, 'created for the next minute', () => true);
    await waitForGone(env, 'RpaJob', firstName);
    const replaced = await waitFor('a JobReplaced event', async () => (await eventsFor(env, 'replacing')).find((e) => e.reason === 'JobReplaced'));
    expect(replaced.message).toContain(firstName);
    const run = await env.db.query<{ state: string }>('select state from aether.runs where uid = $1', [firstJob.metadata.uid]);
    expect(run.rows[0]?.state).toBe('cancelled');
    expect((await jobsOf('replacing')).map((j) => j.metadata.name)).toEqual([secondName]);
    const status = (await waitForObject(env, 'RpaSchedule', 'replacing', 'the new run active', (o) => new Date(o.status?.lastScheduleTime ?? 0).getTime() === second)).status!;
    expect(status.active).toEqual([expect.objectContaining({ name: secondName })]);
  });

  it('Allow starts the next run beside the active one', async () => {
    const first = nearNextMinute(1500);
    await createObject(env, 'RpaSchedule', 'allowing', { schedule: '* * * * *', startingDeadlineSeconds: 10, concurrencyPolicy: 'Allow', jobTemplate: { spec: { pool: 'no-robots', workflow: NOOP_WORKFLOW } } });
    const firstName = `allowing-${first / MINUTE}`;
    await waitForObject(env, 'RpaJob', firstName, 'Queued', (o) => o.status?.phase === 'Queued');
    const second = nearNextMinute(500);
    operator.controllers.rpaSchedule.enqueue(`${env.namespace}/allowing`);
    const secondName = `allowing-${second / MINUTE}`;
    await waitForObject(env, 'RpaJob', secondName, 'created for the next minute', () => true);
    const status = (await waitForObject(env, 'RpaSchedule', 'allowing', 'two runs active', (o) => (o.status?.active?.length ?? 0) === 2)).status!;
    expect(status.active.map((a: { name: string }) => a.name)).toEqual([firstName, secondName].sort());
    expect((await getObject(env, 'RpaJob', firstName))?.metadata.name).toBe(firstName);
  });

  it('a suspended schedule creates nothing', async () => {
    nearNextMinute(300);
    await createObject(env, 'RpaSchedule', 'paused', { schedule: '* * * * *', suspend: true, jobTemplate: { spec: { pool: 'p', workflow: NOOP_WORKFLOW } } });
    const s = await waitForObject(env, 'RpaSchedule', 'paused', 'ScheduleSuspended', (o) => o.status?.conditions?.some((c: { reason: string }) => c.reason === 'ScheduleSuspended'));
    expect(s.status!.lastScheduleTime).toBeUndefined();
    // Past the minute boundary on the operator's clock and reconciled again: still nothing.
    offset += 1000;
    const before = await counterValue(operator, 'aether_reconcile_total', { controller: 'rpaschedule' });
    operator.controllers.rpaSchedule.enqueue(`${env.namespace}/paused`);
    await waitFor('the reconcile after the boundary', async () =>
      (await counterValue(operator, 'aether_reconcile_total', { controller: 'rpaschedule' })) > before ? true : undefined,
    );
    expect(await jobsOf('paused')).toEqual([]);
  });
});
