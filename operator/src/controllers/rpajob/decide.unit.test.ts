import { describe, expect, it } from '@jest/globals';
import type { RunRow, RunState, SuspendResult } from '../../../../api/queue/index.js';
import type { JobPhase } from '../../../../api/v1alpha1/index.js';
import type { ReconcileResult } from '../../runtime/result.js';
import type { RpaJobObject } from '../objects.js';
import { bindingProblems } from './bindings.js';
import type { Resolution } from './resolve.js';
import {
  afterEnqueue,
  afterResume,
  afterSuspendRequest,
  decideJob,
  needsRunRow,
  type JobAction,
  type JobDecision,
  type JobWorld,
  type Resolved,
  followRun, jobDeadline, phaseOfRun, purgesRowsOnDelete, suspensionStep, ttlExpiry, type RunFollowUp, type SuspensionStep } from './decide.js';

describe('followRun', () => {
  const now = 100_000;
  const base = { now, recheckMs: 60_000, graceMs: 5_000, deadlineMs: undefined as number | undefined };
  it.each<[string, JobPhase | undefined, RunState, number | null, number | undefined, RunFollowUp]>([
    ['a queued run shows Queued', undefined, 'queued', null, undefined, { kind: 'live', phase: 'Queued', recheckMs: 60_000 }],
    ['Pending becomes Queued', 'Pending', 'queued', null, undefined, { kind: 'live', phase: 'Queued', recheckMs: 60_000 }],
    ["the robot's Running is kept", 'Running', 'running', null, undefined, { kind: 'live', phase: 'Running', recheckMs: 60_000 }],
    ['Running is kept while a retry waits', 'Running', 'queued', null, undefined, { kind: 'live', phase: 'Running', recheckMs: 60_000 }],
    ['the recheck comes at the deadline when sooner', 'Queued', 'queued', null, now + 1_000, { kind: 'live', phase: 'Queued', recheckMs: 1_000 }],
    ['past the deadline', 'Running', 'running', null, now, { kind: 'deadlineExceeded' }],
    ['finished and reported', 'Succeeded', 'succeeded', now - 60_000, undefined, { kind: 'inSync' }],
    ['finished moments ago: wait for the robot', 'Running', 'succeeded', now - 1_000, undefined, { kind: 'waitForRobot', afterMs: 4_000 }],
    ['finished long ago: adopt', 'Running', 'failed', now - 10_000, undefined, { kind: 'adoptOutcome', phase: 'Failed' }],
    ['cancelled while queued: adopt', 'Queued', 'cancelled', now - 10_000, undefined, { kind: 'adoptOutcome', phase: 'Cancelled' }],
    ['a finished run is not failed by a passed deadline', 'Succeeded', 'succeeded', now - 10_000, now - 1, { kind: 'inSync' }],
    ['a parked run the job does not show: Queued at once, then the suspension', undefined, 'suspended', null, undefined, { kind: 'live', phase: 'Queued', recheckMs: 1 }],
    ['a parked run is not failed by a passed deadline', 'Running', 'suspended', null, now - 1, { kind: 'live', phase: 'Running', recheckMs: 1 }],
  ])('%s', (_n, phase, state, finishedAt, deadlineMs, expected) => {
    expect(followRun({ ...base, phase, run: { state, finishedAt: finishedAt === null ? null : new Date(finishedAt) }, deadlineMs })).toEqual(expected);
  });
});

describe('suspensionStep', () => {
  it.each<[string, boolean, RunState | null, boolean, SuspensionStep | null]>([
    ['suspend, never queued', true, null, false, { kind: 'suspended', parked: false }],
    ['suspend a waiting run', true, 'queued', false, { kind: 'request' }],
    ['suspend a running run', true, 'running', false, { kind: 'request' }],
    ['the robot was asked: wait for it to park', true, 'running', true, { kind: 'waitForPark' }],
    ['a run flagged while waiting in a robot\'s local queue', true, 'queued', true, { kind: 'waitForPark' }],
    ['parked', true, 'suspended', false, { kind: 'suspended', parked: true }],
    ['suspend a finished run: nothing to do', true, 'succeeded', false, null],
    ['suspend a cancelled run: nothing to do', true, 'cancelled', false, null],
    ['unsuspend a parked run', false, 'suspended', false, { kind: 'resume' }],
    ['unsuspend before the robot parked it', false, 'running', true, { kind: 'withdrawRequest' }],
    ['unsuspend a flagged waiting run', false, 'queued', true, { kind: 'withdrawRequest' }],
    ['not suspended, running', false, 'running', false, null],
    ['not suspended, no run', false, null, false, null],
    ['not suspended, failed', false, 'failed', false, null],
  ])('%s', (_n, suspend, state, suspendRequested, expected) => {
    expect(suspensionStep({ suspend, run: state === null ? null : { state, suspendRequested } })).toEqual(expected);
  });
  it('a parked run shows as Pending', () => expect(phaseOfRun('suspended')).toBe('Pending'));
});

describe('deadline and TTL', () => {
  it.each<[number | undefined, number | undefined, number | undefined]>([
    [1000, 5, 6000],
    [1000, undefined, undefined],
    [undefined, 5, undefined],
  ])('jobDeadline(%p, %p) = %p', (created, seconds, expected) => expect(jobDeadline(created, seconds)).toBe(expected));
  it.each<[number | undefined, number | undefined, number | undefined]>([
    [1000, 0, 1000],
    [1000, 60, 61_000],
    [1000, undefined, undefined],
  ])('ttlExpiry(%p, %p) = %p', (finished, ttl, expected) => expect(ttlExpiry(finished, ttl)).toBe(expected));

  const at = (iso: string) => ({ metadata: { name: 'j', namespace: 'n', uid: 'u' }, status: { phase: 'Succeeded', completionTime: iso } }) as unknown as RpaJobObject;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  it.each<[string, RpaJobObject, number | undefined, number, boolean]>([
    ['finished, TTL passed', at('2026-01-01T00:00:00Z'), 10, t0 + 10_000, true],
    ['finished, TTL not yet passed (deleted by hand)', at('2026-01-01T00:00:00Z'), 10, t0 + 9_999, false],
    ['finished, no TTL', at('2026-01-01T00:00:00Z'), undefined, t0 + 1e9, false],
    ['not finished', { metadata: { name: 'j', namespace: 'n', uid: 'u' }, status: { phase: 'Running' } } as unknown as RpaJobObject, 0, t0, false],
    [
      'finished, completion time only in the Finished condition',
      { metadata: { name: 'j', namespace: 'n', uid: 'u' }, status: { phase: 'Failed', conditions: [{ type: 'Finished', status: 'True', reason: 'Failed', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }] } } as unknown as RpaJobObject,
      5,
      t0 + 5_000,
      true,
    ],
  ])('purgesRowsOnDelete: %s', (_name, job, ttl, now, expected) => expect(purgesRowsOnDelete(job, ttl, now)).toBe(expected));
});

describe('bindingProblems', () => {
  const workflow = {
    params: [
      { name: 'account', type: 'string' as const, required: true },
      { name: 'count', type: 'number' as const },
    ],
    credentials: [{ name: 'login', keys: ['username', 'password'] }],
  };
  it.each<[string, Record<string, unknown> | undefined, Record<string, unknown> | undefined, string[]]>([
    ['all bound', { account: 'a', count: 2 }, { login: { secretName: 's' } }, []],
    ['a required param is missing', { count: 2 }, { login: { secretName: 's' } }, ['spec.params.account: is required by the workflow']],
    ['a param of the wrong type', { account: 'a', count: 'two' }, { login: { secretName: 's' } }, ['spec.params.count: must be of type number']],
    ['an undeclared param', { account: 'a', extra: 1 }, { login: { secretName: 's' } }, ['spec.params.extra: is not a param of the workflow']],
    ['an unbound credential slot', { account: 'a' }, undefined, ['spec.credentials.login: the workflow needs this credential slot bound to a Secret']],
    ['an unknown credential slot', { account: 'a' }, { login: { secretName: 's' }, other: { secretName: 't' } }, ['spec.credentials.other: is not a credential slot of the workflow']],
  ])('%s', (_n, params, credentials, expected) => {
    expect(bindingProblems(workflow, params, credentials).map((p) => `${p.field}: ${p.message}`)).toEqual(expected);
  });
});

describe('decideJob: the world a pass read → action, status, result', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const created = new Date(now - 60_000).toISOString();
  const job = (status: RpaJobObject['status'] = undefined, spec: Record<string, unknown> = {}): RpaJobObject => ({
    apiVersion: 'rpa.aether.dev/v1alpha1',
    kind: 'RpaJob',
    metadata: { name: 'j', namespace: 'ns', uid: 'u1', generation: 1, creationTimestamp: created as unknown as Date },
    spec: { pool: 'p', workflow: { steps: [] }, ...spec },
    ...(status ? { status } : {}),
  });
  const run = (over: Partial<RunRow> = {}): RunRow =>
    ({ uid: 'u1', pool: 'p', state: 'queued', suspendRequested: false, createdAt: new Date(now - 30_000), workflowDigest: 'sha256:abc', finishedAt: null, outputs: null, error: null, ...over }) as RunRow;
  const ok: Resolution = { kind: 'ok', spec: { pool: 'p' } as Resolved['spec'], workflow: { steps: [] } as unknown as Resolved['workflow'], calls: {} };
  const world = (over: Partial<JobWorld>): JobWorld => ({
    job: job(),
    spec: {},
    now,
    run: null,
    resolve: () => ok,
    recheckMs: 120_000,
    jitter: 0,
    graceMs: 5_000,
    ...over,
  });
  const conditionReasons = (d: JobDecision) => (d.report?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
  const eventReasons = (d: JobDecision) => [...(d.report?.events ?? []), ...(d.report?.actionEvents ?? [])].map((e) => e.reason);

  it.each<[string, Partial<JobWorld>, { action: JobAction['kind']; phase?: unknown; conditions?: string[]; events?: string[]; result: ReconcileResult; terminal?: boolean; noReport?: boolean }]>([
    ['a new job is enqueued before its run is read', { run: 'unread' }, { action: 'enqueue', result: { type: 'done' }, noReport: true }],
    ['no run and a valid workflow: enqueue', { run: null }, { action: 'enqueue', result: { type: 'done' }, noReport: true }],
    [
      'an invalid spec: Valid=False, a Warning, no retry',
      { resolve: () => ({ kind: 'invalid', reason: 'Invalid', message: 'spec.params.x: is required by the workflow' }) },
      { action: 'none', phase: 'Pending', conditions: ['Valid=False/Invalid'], events: ['Invalid'], result: { type: 'done' }, terminal: true },
    ],
    [
      'a missing workflow: Queued=False, wait for it',
      { resolve: () => ({ kind: 'notFound', message: 'RpaWorkflow w not found' }) },
      { action: 'none', phase: 'Pending', conditions: ['Queued=False/WorkflowNotFound'], events: ['WorkflowNotFound'], result: { type: 'done' } },
    ],
    [
      'a workflow a call step names is missing: Valid=False naming it, wait for it (no terminal error)',
      { resolve: () => ({ kind: 'calleeNotFound', message: 'step "sub" (spec.workflow.steps[0].call.workflow): RpaWorkflow w does not exist', missing: ['w'] }) },
      { action: 'none', phase: 'Pending', conditions: ['Valid=False/WorkflowNotFound'], events: ['WorkflowNotFound'], result: { type: 'done' } },
    ],
    [
      'a pinned generation that is gone: Failed',
      { resolve: () => ({ kind: 'generationMismatch', message: 'generation 1 is gone' }) },
      { action: 'none', phase: 'Failed', conditions: ['Valid=False/WorkflowGenerationMismatch', 'Finished=True/WorkflowGenerationMismatch'], events: ['WorkflowGenerationMismatch'], result: { type: 'done' } },
    ],
    [
      'a live run shows Queued and is looked at again later',
      { job: job({ phase: 'Pending' }), run: run() },
      { action: 'none', phase: 'Queued', conditions: ['Valid=True/Valid', 'Queued=True/Queued'], events: [], result: { type: 'requeueAfter', afterMs: 120_000 } },
    ],
    [
      'past the deadline with a live run: cancel and fail',
      { job: job({ phase: 'Running' }), spec: { activeDeadlineSeconds: 10 }, run: run({ state: 'running' }) },
      { action: 'cancel', phase: 'Failed', conditions: ['Finished=True/DeadlineExceeded'], events: ['DeadlineExceeded'], result: { type: 'requeueAfter', afterMs: 1 } },
    ],
    [
      'past the deadline and never queued: fail (and cancel whatever may exist)',
      { job: job({ phase: 'Pending', queuedAt: created }), spec: { activeDeadlineSeconds: 10 }, run: null },
      { action: 'cancel', phase: 'Failed', conditions: ['Finished=True/DeadlineExceeded'], events: ['DeadlineExceeded'], result: { type: 'requeueAfter', afterMs: 1 } },
    ],
    [
      "a run finished long ago whose robot patch was lost: adopt its outcome",
      { job: job({ phase: 'Running' }), run: run({ state: 'succeeded', finishedAt: new Date(now - 60_000), outputs: { a: 1 } }) },
      { action: 'none', phase: 'Succeeded', conditions: [], events: [], result: { type: 'requeueAfter', afterMs: 1 } },
    ],
    ['a run finished moments ago: wait for the robot, write nothing', { job: job({ phase: 'Running' }), run: run({ state: 'failed', finishedAt: new Date(now - 1_000) }) }, { action: 'none', result: { type: 'requeueAfter', afterMs: 4_000 }, noReport: true }],
    ['suspend a live run: ask the queue', { spec: { suspend: true }, run: run() }, { action: 'requestSuspend', result: { type: 'done' }, noReport: true }],
    [
      'suspend with no run: Pending, Queued=False Suspended',
      { spec: { suspend: true }, run: null },
      { action: 'none', phase: 'Pending', conditions: ['Queued=False/Suspended'], events: ['Suspended'], result: { type: 'done' } },
    ],
    ['unsuspend a parked run: resume it', { run: run({ state: 'suspended' }) }, { action: 'resume', result: { type: 'done' }, noReport: true }],
    ['unsuspend before the robot parked it: withdraw the request', { run: run({ state: 'running', suspendRequested: true }) }, { action: 'withdrawSuspendRequest', result: { type: 'requeueAfter', afterMs: 1000 }, noReport: true }],
    [
      'a finished job gets its Finished condition once',
      { job: job({ phase: 'Succeeded', completionTime: created }), run: null },
      { action: 'none', conditions: ['Finished=True/Succeeded'], events: ['Succeeded'], result: { type: 'done' } },
    ],
    [
      'a finished job past its TTL is deleted',
      { job: job({ phase: 'Failed', completionTime: created, conditions: [{ type: 'Finished', status: 'True', reason: 'Failed', message: 'm', lastTransitionTime: created }] }), spec: { ttlSecondsAfterFinished: 10 } },
      { action: 'delete', result: { type: 'done' }, noReport: true },
    ],
    [
      'a finished job within its TTL is looked at again when it expires',
      { job: job({ phase: 'Failed', completionTime: created, conditions: [{ type: 'Finished', status: 'True', reason: 'Failed', message: 'm', lastTransitionTime: created }] }), spec: { ttlSecondsAfterFinished: 100 } },
      { action: 'none', result: { type: 'requeueAfter', afterMs: 40_050 }, noReport: true },
    ],
  ])('%s', (_n, over, expected) => {
    const d = decideJob(world(over));
    expect(d.action.kind).toBe(expected.action);
    expect(d.result).toEqual(expected.result);
    expect(d.terminal !== undefined).toBe(expected.terminal ?? false);
    if (expected.noReport) return expect(d.report).toBeUndefined();
    if (expected.phase !== undefined) expect(d.report?.fields?.phase).toBe(expected.phase);
    if (expected.conditions) expect(conditionReasons(d)).toEqual(expected.conditions);
    if (expected.events) expect(eventReasons(d)).toEqual(expected.events);
  });

  it('an adopted success points at the outputs kept in Postgres', () => {
    const d = decideJob(world({ job: job({ phase: 'Running' }), run: run({ state: 'succeeded', finishedAt: new Date(now - 60_000), outputs: { a: 1 } }) }));
    expect(d.report?.fields).toMatchObject({ outputsRef: 'postgres:aether.runs/u1#outputs', completionTime: '2026-01-01T11:59:00Z' });
    expect(d.log?.message).toMatch(/adopted/);
  });

  it("an adopted failure of a nested step shows the top-level step id and the step's path, as the CRD allows", () => {
    const path = `${'a'.repeat(63)}[12].${'b'.repeat(63)}.then.${'c'.repeat(63)}`;
    const d = decideJob(
      world({ job: job({ phase: 'Running' }), run: run({ state: 'failed', finishedAt: new Date(now - 60_000), error: { message: 'boom', code: 'StepFailed', stepId: path } }) }),
    );
    expect(d.report?.fields?.error).toEqual({ reason: 'StepFailed', message: 'boom', stepId: 'a'.repeat(63), stepPath: path });
  });

  it('a run failed as CrashLooping (robots died holding it past maxCrashes) is adopted; Finished says CrashLooping', () => {
    const message = "the job's robot died while running it 4 times (maxCrashes: 3 take-overs allowed); r-0 (lease expired), r-1 (pod deleted), r-2 (lease expired), r-3 (lease expired)";
    const d = decideJob(world({ job: job({ phase: 'Running' }), run: run({ state: 'failed', finishedAt: new Date(now - 60_000), error: { message, code: 'CrashLooping' } }) }));
    expect(d.report?.fields).toMatchObject({ phase: 'Failed', error: { reason: 'CrashLooping', message, stepId: null } });
    const after = decideJob(world({ job: job({ phase: 'Failed', error: { reason: 'CrashLooping', message } }) }));
    expect(conditionReasons(after)).toEqual(['Finished=True/CrashLooping']);
    expect(eventReasons(after)).toEqual(['CrashLooping']);
  });

  it.each([
    ['JobTimeout', 'JobTimeout'],
    ['StepFailed', 'Failed'],
    [undefined, 'Failed'],
  ])('a failure with error reason %s gives the Finished reason %s', (errorReason, finished) => {
    const d = decideJob(world({ job: job({ phase: 'Failed', ...(errorReason && { error: { reason: errorReason, message: 'm' } }) }) }));
    expect(conditionReasons(d)).toEqual([`Finished=True/${finished}`]);
  });

  it('a deadline failure from the Failed phase gives the Finished reason DeadlineExceeded', () => {
    const d = decideJob(world({ job: job({ phase: 'Failed', error: { reason: 'DeadlineExceeded', message: 'too slow' } }) }));
    expect(conditionReasons(d)).toEqual(['Finished=True/DeadlineExceeded']);
    expect(d.report?.conditions?.[0]?.message).toBe('Failed: too slow');
  });

  it.each<[string, Partial<JobWorld>, boolean]>([
    ['a new job (enqueued first)', {}, false],
    ['a finished job', { job: job({ phase: 'Succeeded', queuedAt: created }) }, false],
    ['a job queued before', { job: job({ phase: 'Queued', queuedAt: created }) }, true],
    ['a suspended job', { spec: { suspend: true } }, true],
    ['a job past its deadline', { spec: { activeDeadlineSeconds: 1 } }, true],
    ['a job whose workflow is missing', { resolve: () => ({ kind: 'notFound', message: 'm' }) }, true],
  ])('needsRunRow: %s → %p', (_n, over, expected) => {
    expect(needsRunRow(world(over))).toBe(expected);
  });

  it('after an enqueue: Queued (Running kept), its Event when asked for, a recheck no later than the deadline', () => {
    const run = { createdAt: new Date(now), workflowDigest: 'sha256:x' };
    const queued = afterEnqueue(world({ spec: { activeDeadlineSeconds: 90 } }), 'p', run, { event: true });
    expect(queued.report?.fields).toEqual({ phase: 'Queued', queuedAt: '2026-01-01T12:00:00Z', workflowDigest: 'sha256:x' });
    expect(queued.report?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Valid=True/Valid', 'Queued=True/Queued']);
    expect(queued.report?.actionEvents?.map((e) => e.reason)).toEqual(['Queued']);
    expect(queued.result).toEqual({ type: 'requeueAfter', afterMs: 30_000 });
    expect(afterEnqueue(world({ job: job({ phase: 'Running' }) }), 'p', run, { event: true }).report?.fields?.phase).toBe('Running');
    // Without the Event (the default): the same status, no Event write.
    const quiet = afterEnqueue(world({ spec: { activeDeadlineSeconds: 90 } }), 'p', run, { event: false });
    expect(quiet.report?.actionEvents ?? []).toEqual([]);
    expect(quiet.report?.fields).toEqual(queued.report?.fields);
    expect(quiet.report?.conditions).toEqual(queued.report?.conditions);
  });

  it.each<[SuspendResult, boolean, string[], string[], ReconcileResult]>([
    ['requested', true, ['Queued=False/Suspending'], ['Suspending'], { type: 'requeueAfter', afterMs: 1000 }],
    ['requested', false, ['Queued=False/Suspending'], [], { type: 'requeueAfter', afterMs: 1000 }],
    ['suspended', false, ['Queued=False/Suspended'], ['Suspended'], { type: 'done' }],
    ['withdrawn', true, ['Queued=False/Suspended'], ['Suspended'], { type: 'done' }],
    ['finished', true, [], [], { type: 'requeueAfter', afterMs: 1 }],
  ])('after a suspend request that says %s (first: %p)', (outcome, first, conditions, events, result) => {
    const d = afterSuspendRequest(first, outcome);
    expect(conditionReasons(d)).toEqual(conditions);
    expect(eventReasons(d)).toEqual(events);
    expect(d.result).toEqual(result);
  });

  it('a withdrawn run clears queuedAt (it is enqueued afresh); a parked one keeps it', () => {
    expect(afterSuspendRequest(true, 'withdrawn').report?.fields).toEqual({ phase: 'Pending', queuedAt: null });
    expect(afterSuspendRequest(true, 'suspended').report?.fields).toEqual({ phase: 'Pending' });
  });

  it.each([
    [true, ['Resumed']],
    [false, []],
  ])('after a resume (resumed by this pass: %p): Queued again', (resumed, events) => {
    const d = afterResume(world({ run: run({ state: 'suspended' }) }), resumed);
    expect(d.report?.fields).toEqual({ phase: 'Queued' });
    expect(conditionReasons(d)).toEqual(['Queued=True/Queued']);
    expect(eventReasons(d)).toEqual(events);
    // What the pass did: recorded even when the conditional status write loses to a robot's Running.
    expect(d.report?.actionEvents?.map((e) => e.reason)).toEqual(events);
  });

  it('a first suspend request records Suspending as what the pass did, whatever becomes of the status write', () => {
    expect(afterSuspendRequest(true, 'requested').report?.actionEvents?.map((e) => e.reason)).toEqual(['Suspending']);
  });
});
