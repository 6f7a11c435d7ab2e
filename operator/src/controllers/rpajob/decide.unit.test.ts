import { describe, expect, it } from '@jest/globals';
import type { RunState } from '../../../../api/queue/index.js';
import type { JobPhase } from '../../../../api/v1alpha1/index.js';
import { bindingProblems } from './bindings.js';
import { followRun, jobDeadline, phaseOfRun, suspensionStep, ttlExpiry, type RunFollowUp, type SuspensionStep } from './decide.js';

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
