import { retryDelayMs } from './backoff.js';
import { canonicalJson, workflowDigest } from './digest.js';
import { NOOP_WORKFLOW, testPayload } from './fixtures.js';
import { jobKey, parsePoolKey, parseStopNotice, poolKey, stopNotice, taskIdentifier, type StopNotice } from './identifiers.js';
import { createPayloadParser, parsePayload, InvalidPayloadError, type QueuePayloadInput } from './payload.js';
import { graphilePriority, priorityValue, type Priority } from './priority.js';
import { uuidArray } from './sql/runs.js';

describe('taskIdentifier', () => {
  it.each([
    ['default', 'web', 'rpa.run.default.web'],
    ['team-a', 'pool.with.dots', 'rpa.run.team-a.pool.with.dots'],
  ])('%s/%s -> %s', (ns, pool, want) => expect(taskIdentifier(ns, pool)).toBe(want));

  it('shortens names beyond 128 characters with a hash, distinct per pool', () => {
    const a = taskIdentifier('ns', 'p'.repeat(200));
    const b = taskIdentifier('ns', 'p'.repeat(199) + 'q');
    expect(a).toHaveLength(128);
    expect(b).toHaveLength(128);
    expect(a).not.toBe(b);
    expect(a.startsWith('rpa.run.ns.ppp')).toBe(true);
  });

  it('pool keys round-trip; job keys derive from the UID', () => {
    expect(parsePoolKey(poolKey('ns', 'p'))).toEqual({ namespace: 'ns', pool: 'p' });
    expect(parsePoolKey('no-slash')).toBeNull();
    expect(jobKey('abc')).toBe('rpa:abc');
  });
});

describe('stop notices', () => {
  const uid = '0f3c2a9e-6b7d-4c1e-9a2b-3c4d5e6f7a8b';
  it.each<[StopNotice, string]>([
    [{ kind: 'cancel', uid }, uid],
    [{ kind: 'suspend', uid }, `suspend:${uid}`],
  ])('%j <-> %s', (notice, payload) => {
    expect(stopNotice(notice)).toBe(payload);
    expect(parseStopNotice(payload)).toEqual(notice);
  });
});

describe('priority', () => {
  it.each<[Priority | undefined, number, number]>([
    [undefined, 0, 0],
    ['low', -100, 100],
    ['normal', 0, 0],
    ['high', 100, -100],
    ['urgent', 200, -200],
    [50, 50, -50],
    [5000, 1000, -1000],
    [-5000, -1000, 1000],
    [7.9, 7, -7],
  ])('%p -> api %p, graphile %p', (p, api, graphile) => {
    expect(priorityValue(p)).toBe(api);
    expect(graphilePriority(p)).toBe(graphile);
  });
  it('rejects non-finite numbers', () => expect(() => priorityValue(Number.NaN)).toThrow(RangeError));
});

describe('retryDelayMs', () => {
  const policy = { baseMs: 1000, factor: 2, maxMs: 10_000, jitter: 0 };
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 10_000],
    [50, 10_000],
    [0, 1000],
  ])('failure %p -> %p ms', (n, want) => expect(retryDelayMs(n, policy)).toBe(want));
  it('jitter only shortens the delay, within its fraction', () => {
    const p = { ...policy, jitter: 0.5 };
    expect(retryDelayMs(2, p, () => 0)).toBe(2000);
    expect(retryDelayMs(2, p, () => 1)).toBe(1000);
  });
});

describe('workflowDigest', () => {
  it('ignores key order and undefined fields', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    expect(workflowDigest({ x: 1, y: 2 })).toBe(workflowDigest({ y: 2, x: 1 }));
    expect(workflowDigest({ x: 1 })).not.toBe(workflowDigest({ x: 2 }));
    expect(workflowDigest({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('parsePayload', () => {
  it('fills defaults', () => {
    const p = parsePayload(testPayload());
    expect(p).toMatchObject({ params: {}, credentials: {}, priority: 'normal', maxAttempts: 3, deadline: null });
  });
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a secret value in a credential binding', { credentials: { login: { secretName: 's', value: 'x' } } }, /credentials\.login/],
    ['a non-UUID uid', { uid: 'nope' }, /uid/],
    ['a bad namespace', { namespace: 'UPPER' }, /namespace/],
    ['an unknown version', { version: 2 }, /version/],
    ['a bad digest', { workflowDigest: 'md5:x' }, /workflowDigest/],
    ['maxAttempts 0', { maxAttempts: 0 }, /maxAttempts/],
    ['a priority name not in the list', { priority: 'asap' }, /priority/],
    ['an unknown field', { extra: 1 }, /extra|Unrecognized/],
    ['an empty workflow', { workflow: { steps: [] } }, /workflow/],
    ['a callee under a name that is not a Kubernetes name', { calls: { Bad_Name: { generation: 1, spec: NOOP_WORKFLOW } } }, /calls/],
    ['a callee without its generation', { calls: { w: { spec: NOOP_WORKFLOW } } }, /calls\.w\.generation/],
    ['a callee whose spec fails the schema', { calls: { w: { generation: 1, spec: { steps: [] } } } }, /calls\.w\.spec/],
    ['more than 16 callees', { calls: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`w${i}`, { generation: 1, spec: NOOP_WORKFLOW }])) }, /at most 16 called workflows/],
  ])('rejects %s', (_what, patch, field) => {
    const bad = { ...testPayload(), ...patch };
    expect(() => parsePayload(bad)).toThrow(InvalidPayloadError);
    expect(() => parsePayload(bad)).toThrow(field);
  });
});

describe('parsePayload with callees', () => {
  it('takes the snapshots of called workflows, parsed like the workflow (defaults filled), through the memo parser too', () => {
    const raw = testPayload({ calls: { 'read-page': { generation: 4, spec: { ...NOOP_WORKFLOW, params: [{ name: 'p' }] } } } });
    const p = parsePayload(raw);
    expect(p.calls).toEqual({ 'read-page': { generation: 4, spec: { ...NOOP_WORKFLOW, params: [{ name: 'p', type: 'string' }] } } });
    const parse = createPayloadParser();
    expect(parse(JSON.parse(JSON.stringify(raw)))).toEqual(p);
    expect(parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });
});

describe('createPayloadParser', () => {
  const stored = () => JSON.parse(JSON.stringify(parsePayload(testPayload()))) as Record<string, unknown>;

  it('gives what parsePayload gives, for first and repeated workflows, stored or raw', () => {
    const parse = createPayloadParser();
    for (const raw of [stored(), stored(), testPayload(), testPayload(), stored()]) {
      expect(parse(JSON.parse(JSON.stringify(raw)))).toEqual(parsePayload(raw));
    }
  });

  it.each([
    ['checking changes nothing', NOOP_WORKFLOW],
    ['checking fills defaults', { ...NOOP_WORKFLOW, params: [{ name: 'p' }] }],
  ])('never hands one workflow object to two jobs (%s)', (_what, workflow) => {
    const parse = createPayloadParser();
    const raw = testPayload({ workflow: workflow as QueuePayloadInput['workflow'] });
    const [first, a, b] = [0, 1, 2].map(() => parse(JSON.parse(JSON.stringify(raw))));
    expect(a).toEqual(parsePayload(raw));
    expect(a!.workflow).toEqual(first!.workflow);
    expect(a!.workflow).not.toBe(b!.workflow);
    expect(a!.workflow).not.toBe(first!.workflow);
  });

  it('still rejects a bad envelope or a bad workflow after good ones were seen', () => {
    const parse = createPayloadParser({ maxWorkflows: 1 });
    parse(stored());
    expect(() => parse({ ...stored(), uid: 'nope' })).toThrow(/uid/);
    expect(() => parse({ ...stored(), workflow: { steps: [] } })).toThrow(/workflow/);
    expect(() => parse({ ...stored(), workflow: { steps: [{ id: 'x', action: 'nope' }] } })).toThrow(InvalidPayloadError);
    expect(() => parse({ ...stored(), extra: 1 })).toThrow(/extra|Unrecognized/);
    expect(parse(stored()).workflow).toEqual(parsePayload(stored()).workflow);
  });
});

describe('uuidArray', () => {
  it('writes UUIDs as Postgres array text and refuses anything else', () => {
    const a = '0d3e32f0-804f-494d-bca4-d7b7ca72f54f';
    const b = 'C1BDEA91-E83C-406A-A6E6-99C7D1588169';
    expect(uuidArray([a, b])).toBe(`{${a},${b}}`);
    expect(uuidArray([])).toBe('{}');
    expect(() => uuidArray([a, '"},{x'])).toThrow(TypeError);
  });
});
