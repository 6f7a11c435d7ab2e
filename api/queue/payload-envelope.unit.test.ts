import { NOOP_WORKFLOW, testPayload } from './fixtures.js';
import { isCanonicalEnvelope } from './payload-envelope.js';
import { createPayloadParser, parsePayload, QueuePayload, sameJson } from './payload.js';

const stored = (over: Record<string, unknown> = {}) => ({ ...(JSON.parse(JSON.stringify(parsePayload(testPayload()))) as Record<string, unknown>), ...over });
const zodAccepts = (raw: unknown) => QueuePayload.safeParse(raw).success;

describe('isCanonicalEnvelope', () => {
  it.each([
    ['a stored payload', stored(), true],
    ['workflowRef and traceparent', stored({ workflowRef: { name: 'wf.a' }, traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` }), true],
    ['credentials with keys', stored({ credentials: { login: { secretName: 's', keys: { user: 'u' } } } }), true],
    ['numeric priority', stored({ priority: 1000 }), true],
    ['a deadline', stored({ deadline: '2030-01-01T00:00:00Z' }), true],
    ['a default left out', (({ params: _p, ...rest }) => rest)(stored()), false],
    ['an extra field', stored({ extra: 1 }), false],
    ['version 2', stored({ version: 2 }), false],
    ['bad uid', stored({ uid: 'nope' }), false],
    ['upper-case namespace', stored({ namespace: 'Ns' }), false],
    ['namespace of 64', stored({ namespace: 'a'.repeat(64) }), false],
    ['bad pool', stored({ pool: '-p' }), false],
    ['bad digest', stored({ workflowDigest: 'sha256:xyz' }), false],
    ['workflowRef with extra', stored({ workflowRef: { name: 'a', x: 1 } }), false],
    ['params an array', stored({ params: [] }), false],
    ['binding with extra', stored({ credentials: { a: { secretName: 's', x: 1 } } }), false],
    ['binding with empty key', stored({ credentials: { a: { secretName: 's', keys: { '': 'u' } } } }), false],
    ['binding with bad secret', stored({ credentials: { a: { secretName: 'S_' } } }), false],
    ['unknown priority', stored({ priority: 'max' }), false],
    ['priority out of range', stored({ priority: 1001 }), false],
    ['fractional priority', stored({ priority: 1.5 }), false],
    ['maxAttempts 0', stored({ maxAttempts: 0 }), false],
    ['maxAttempts 101', stored({ maxAttempts: 101 }), false],
    ['bad deadline', stored({ deadline: 'tomorrow' }), false],
    ['bad traceparent', stored({ traceparent: 'x' }), false],
    ['not an object', [], false],
  ])('%s -> %s, and zod agrees whenever it says true', (_what, raw, want) => {
    expect(isCanonicalEnvelope(raw)).toBe(want);
    if (want) expect(zodAccepts(raw)).toBe(true);
  });
});

describe('sameJson', () => {
  it.each([
    [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: 1, b: 2 }, { a: 1 }, false],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [{ a: null }, { a: {} }, false],
    ['1', 1, false],
  ])('%j vs %j -> %s', (a, b, want) => expect(sameJson(a, b)).toBe(want));
});

describe('createPayloadParser with a remembered digest', () => {
  it('checks in full a workflow that differs from the one checked under its digest', () => {
    const parse = createPayloadParser();
    parse(stored());
    expect(() => parse(stored({ workflow: { steps: [] } }))).toThrow(/workflow/);
    const other = { steps: [{ id: 'other', action: 'setVariable', name: 'x', value: 'y' }] };
    expect(parse(stored({ workflow: other })).workflow).toEqual(parsePayload(stored({ workflow: other })).workflow);
    expect(parse(stored()).workflow).toEqual(NOOP_WORKFLOW);
  });
});
