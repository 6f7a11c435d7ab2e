import type { QueueCounts } from '../../../../api/queue/items/store.js';
import { RpaQueueSpec, type RpaQueueStatus } from '../../../../api/v1alpha1/index.js';
import type { RpaWorkflowObject } from '../objects.js';
import { COUNTS_MIN_INTERVAL_MS, countsWriteDecision, decideQueue, queueRow, QUEUE_RESYNC_MS, resolveQueueWorkflow, slaVerdict, type QueueWorkflow } from './decide.js';

const T = Date.parse('2026-12-06T12:00:00Z');
const spec = (over: Record<string, unknown> = {}) => RpaQueueSpec.parse({ pool: 'web', workflowRef: { name: 'invoice' }, ...over });
const NOOP = { steps: [{ id: 'noop', action: 'setVariable', name: 'done', value: 'yes' }] };
const OK: QueueWorkflow = { ok: true, workflow: { steps: [] } as never };
const counts = (over: Partial<QueueCounts> = {}): QueueCounts => ({ new: 0, inProgress: 0, successful: 0, failed: 0, abandoned: 0, oldestNewAt: null, ...over });

describe('countsWriteDecision: at most one counts write per second per queue', () => {
  it.each([
    ['nothing changed', { now: T, lastWriteAt: T - 5000, changed: false }, { write: false, retryInMs: 0 }],
    ['never written', { now: T, lastWriteAt: undefined, changed: true }, { write: true }],
    ['last write a second ago', { now: T, lastWriteAt: T - COUNTS_MIN_INTERVAL_MS, changed: true }, { write: true }],
    ['last write 300 ms ago', { now: T, lastWriteAt: T - 300, changed: true }, { write: false, retryInMs: 700 }],
    ['last write just now', { now: T, lastWriteAt: T, changed: true }, { write: false, retryInMs: 1000 }],
    ['a clock that went back', { now: T, lastWriteAt: T + 5000, changed: true }, { write: true }],
  ])('%s', (_what, input, expected) => {
    expect(countsWriteDecision(input)).toEqual(expected);
  });

  it('items moving every 10 ms for 5 s give one write a second (5)', () => {
    let lastWriteAt: number | undefined;
    let writes = 0;
    for (let t = T; t < T + 5000; t += 10) {
      if (countsWriteDecision({ now: t, lastWriteAt, changed: true }).write) {
        writes++;
        lastWriteAt = t;
      }
    }
    expect(writes).toBe(5);
  });
});

describe('slaVerdict', () => {
  it.each([
    [undefined, T - 10_000, { sla: undefined, recheckInMs: undefined }],
    [60, undefined, { sla: 'Met', recheckInMs: undefined }],
    [60, T - 10_000, { sla: 'Met', recheckInMs: 50_001 }],
    [60, T - 60_000, { sla: 'Breached', recheckInMs: undefined }],
  ])('sla %p, oldest %p', (sla, oldest, expected) => {
    expect(slaVerdict(sla, oldest, T)).toEqual(expected);
  });
});

describe('decideQueue', () => {
  const ready = { type: 'Ready', status: 'True' as const, reason: 'QueueReady', message: 'robots of pool web take the items', lastTransitionTime: '2026-12-06T11:00:00Z' };

  it('writes counts, the oldest item and the SLA verdict, with a SlaBreached Event on the transition', () => {
    const d = decideQueue({ workflow: OK, spec: spec({ slaSeconds: 60 }), status: { sla: 'Met' }, counts: counts({ new: 3, successful: 2, oldestNewAt: new Date(T - 120_000) }), lastWriteAt: undefined, now: T });
    expect(d.report?.fields).toEqual({
      items: { new: 3, inProgress: 0, successful: 2, failed: 0, abandoned: 0 },
      oldestNewItemTime: '2026-12-06T11:58:00Z',
      sla: 'Breached',
      countsTime: '2026-12-06T12:00:00Z',
    });
    expect(d.slaBreached).toBe(true);
    expect(d.report?.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'SlaBreached' })]);
  });

  it('does not repeat the breach once reported, and reports the recovery', () => {
    const breached: RpaQueueStatus = { sla: 'Breached', items: { new: 3, inProgress: 0, successful: 2, failed: 0, abandoned: 0 }, conditions: [ready] };
    const again = decideQueue({ workflow: OK, spec: spec({ slaSeconds: 60 }), status: breached, counts: counts({ new: 4, oldestNewAt: new Date(T - 120_000) }), lastWriteAt: T - 2000, now: T });
    expect(again.slaBreached).toBe(false);
    expect(again.report?.events).toEqual([]);
    const recovered = decideQueue({ workflow: OK, spec: spec({ slaSeconds: 60 }), status: breached, counts: counts(), lastWriteAt: T - 2000, now: T });
    expect(recovered.report?.events).toEqual([expect.objectContaining({ type: 'Normal', reason: 'SlaRecovered' })]);
  });

  it('holds a change back until a second has passed since the last write', () => {
    const d = decideQueue({ workflow: OK, spec: spec(), status: { conditions: [ready] }, counts: counts({ new: 1, oldestNewAt: new Date(T) }), lastWriteAt: T - 400, now: T });
    expect(d.report).toBeUndefined();
    expect(d.result).toEqual({ type: 'requeueAfter', afterMs: 600 });
  });

  it('writes nothing when nothing changed and looks again at the resync or when the oldest item will breach', () => {
    const status: RpaQueueStatus = { items: { new: 1, inProgress: 0, successful: 0, failed: 0, abandoned: 0 }, oldestNewItemTime: '2026-12-06T11:59:50Z', sla: 'Met', conditions: [ready] };
    const d = decideQueue({ workflow: OK, spec: spec({ slaSeconds: 15 }), status, counts: counts({ new: 1, oldestNewAt: new Date(T - 10_000) }), lastWriteAt: T - 100, now: T });
    expect(d.report).toBeUndefined();
    expect(d.result).toEqual({ type: 'requeueAfter', afterMs: 5001 });
    const noSla = decideQueue({ workflow: OK, spec: spec(), status: { ...status, sla: undefined }, counts: counts({ new: 1, oldestNewAt: new Date(T - 10_000) }), lastWriteAt: T - 100, now: T });
    expect(noSla.result).toEqual({ type: 'requeueAfter', afterMs: QUEUE_RESYNC_MS });
  });
});

describe('queueRow', () => {
  it('maps the spec to the database row (policies, priority on the graphile scale, defaults)', () => {
    expect(queueRow({ namespace: 'ns', name: 'q', uid: 'u' }, spec({ uniqueReference: 'AllowDuplicates', priority: 'high', slaSeconds: 30 }))).toEqual({
      namespace: 'ns',
      name: 'q',
      uid: 'u',
      pool: 'web',
      workflowRef: { name: 'invoice' },
      maxRetries: 3,
      backoffSeconds: 10,
      backoffMaxSeconds: 600,
      uniqueReference: 'allow',
      itemTtlSeconds: undefined,
      inProgressTimeoutSeconds: 3600,
      retentionSeconds: 604800,
      slaSeconds: 30,
      priority: -100,
      workflow: null,
      workflowDigest: null,
      credentials: {},
    });
  });
});

describe('resolveQueueWorkflow', () => {
  const wf = (spec: unknown, generation = 1): RpaWorkflowObject => ({ metadata: { name: 'invoice', namespace: 'ns', uid: 'u', generation }, spec: spec as Record<string, unknown> });
  it.each([
    ['missing', undefined, {}, { ok: false, reason: 'WorkflowNotFound' }],
    ['invalid', wf({ steps: [{ id: 'x', action: 'nope' }] }), {}, { ok: false, reason: 'WorkflowInvalid' }],
    ['pinned to another generation', wf(NOOP, 3), { generation: 2 }, { ok: false, reason: 'WorkflowInvalid' }],
    ['with a credential slot the queue does not bind', wf({ ...NOOP, credentials: [{ name: 'login', keys: ['user'] }] }), {}, { ok: false, reason: 'WorkflowInvalid', message: expect.stringContaining('spec.credentials.login: the workflow needs this credential slot bound to a Secret') }],
    ['valid', wf(NOOP), {}, { ok: true }],
  ])('%s', (_what, found, ref, expected) => {
    expect(resolveQueueWorkflow(spec({ workflowRef: { name: 'invoice', ...ref } }), () => found)).toMatchObject(expected);
  });

  it('accepts a workflow with credential slots when the queue binds each of them, and mirrors the bindings (names only)', () => {
    const withSlot = wf({ ...NOOP, credentials: [{ name: 'login', keys: ['user'] }] });
    const bound = spec({ credentials: { login: { secretName: 'portal-login' } } });
    const resolved = resolveQueueWorkflow(bound, () => withSlot);
    expect(resolved).toMatchObject({ ok: true });
    expect(queueRow({ namespace: 'ns', name: 'q', uid: 'u' }, bound, resolved).credentials).toEqual({ login: { secretName: 'portal-login' } });
    const extra = spec({ credentials: { login: { secretName: 'a' }, other: { secretName: 'b' } } });
    expect(resolveQueueWorkflow(extra, () => withSlot)).toMatchObject({ ok: false, reason: 'WorkflowInvalid', message: expect.stringContaining('spec.credentials.other: is not a credential slot of the workflow') });
  });

  it('a queue whose workflow is missing is not Ready, with a Warning once, and its row has no workflow', () => {
    const missing = resolveQueueWorkflow(spec(), () => undefined);
    const d = decideQueue({ workflow: missing, spec: spec(), status: undefined, counts: counts(), lastWriteAt: undefined, now: T });
    expect(d.report?.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'WorkflowNotFound' })]);
    expect(d.report?.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'WorkflowNotFound' })]);
    expect(queueRow({ namespace: 'ns', name: 'q', uid: 'u' }, spec(), missing)).toMatchObject({ workflow: null, workflowDigest: null });
    const ok = resolveQueueWorkflow(spec(), () => ({ metadata: { name: 'invoice', namespace: 'ns', uid: 'u' }, spec: NOOP }));
    expect(queueRow({ namespace: 'ns', name: 'q', uid: 'u' }, spec(), ok)).toMatchObject({ workflow: NOOP, workflowDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });
});
