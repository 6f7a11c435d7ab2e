import { parsePayload } from '../../../api/queue/payload.js';
import { ManifestError, parseDocuments, resolveJob } from './manifests.js';
import { jobParams, localPayload, localRunUid, typedParam } from './payload.js';

const FILE = `
apiVersion: rpa.aether.dev/v1alpha1
kind: RpaJob
metadata: { name: j1, namespace: team-a }
spec:
  pool: default
  activeDeadlineSeconds: 60
  params: { customer: C-1 }
  credentials: { portal: { secretName: portal-login } }
  workflow:
    params:
      - { name: customer, type: string, required: true }
      - { name: max, type: number, default: 3 }
      - { name: site, type: string }
    credentials: [{ name: portal, keys: [username] }]
    steps:
      - { id: open, action: goto, url: '{{ params.site }}/x' }
`;
const job = () => resolveJob(parseDocuments('job.yaml', FILE));

describe('localRunUid', () => {
  it('is a stable UUID per job and sequence', () => {
    const a = localRunUid('default', 'j1', 0);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(localRunUid('default', 'j1', 0)).toBe(a);
    expect(
      new Set([a, localRunUid('default', 'j1', 1), localRunUid('other', 'j1', 0), localRunUid('default', 'j2', 0)])
        .size,
    ).toBe(4);
  });
});

describe('typedParam', () => {
  it.each([
    ['string stays text', { name: 'a', type: 'string' as const }, '007', '007'],
    ['number', { name: 'a', type: 'number' as const }, '5', 5],
    ['boolean', { name: 'a', type: 'boolean' as const }, 'false', false],
    ['list', { name: 'a', type: 'list' as const }, '[1, "x"]', [1, 'x']],
    ['object', { name: 'a', type: 'object' as const }, '{a: 1}', { a: 1 }],
    ['undeclared is text', undefined, '5', '5'],
  ])('%s', (_n, decl, raw, expected) => {
    expect(typedParam(decl, raw)).toEqual(expected);
  });

  it('rejects a value of the wrong type, naming the param', () => {
    expect(() => typedParam({ name: 'max', type: 'number' }, 'lots')).toThrow(
      '--param max=lots: param "max" is a number',
    );
  });
});

describe('jobParams', () => {
  it('applies overrides over the job params', () => {
    expect(jobParams(job(), { customer: 'C-2', max: 7 })).toEqual({ customer: 'C-2', max: 7 });
  });

  it.each([
    ['an undeclared override', { nope: 1 }, '--param nope: the workflow declares no param "nope"'],
    ['a wrong type', { max: 'x' }, '--param max: param "max" is a number'],
  ])('rejects %s', (_n, overrides, message) => {
    expect(() => jobParams(job(), overrides)).toThrow(message);
  });

  it('requires required params', () => {
    const j = job();
    j.job.spec.params = {};
    expect(() => jobParams(j, {})).toThrow(ManifestError);
    expect(() => jobParams(j, {})).toThrow('spec.params.customer: required by the workflow');
  });
});

describe('localPayload', () => {
  it('is a payload the consumer accepts, with the deadline from activeDeadlineSeconds', () => {
    const uid = localRunUid('team-a', 'j1', 0);
    const p = parsePayload(
      localPayload({ resolved: job(), uid, params: { customer: 'C-1' }, now: new Date('2030-01-01T00:00:00Z') }),
    );
    expect(p).toMatchObject({
      uid,
      namespace: 'team-a',
      name: 'j1',
      pool: 'default',
      params: { customer: 'C-1' },
      credentials: { portal: { secretName: 'portal-login' } },
      maxAttempts: 3,
      priority: 'normal',
      deadline: '2030-01-01T00:01:00.000Z',
    });
    expect(p.workflowDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(p).not.toHaveProperty('workflowRef');
  });

  it('names the referenced RpaWorkflow as the operator does', () => {
    const file = `${FILE.replace(/  workflow:[\s\S]*$/, '  workflowRef: { name: wf }\n')}---
apiVersion: rpa.aether.dev/v1alpha1
kind: RpaWorkflow
metadata: { name: wf, namespace: team-a }
spec:
  params: [{ name: customer, type: string }]
  credentials: [{ name: portal, keys: [username] }]
  steps: [{ id: open, action: goto, url: 'https://example.com' }]
`;
    const resolved = resolveJob(parseDocuments('job.yaml', file));
    const p = parsePayload(localPayload({ resolved, uid: localRunUid('team-a', 'j1', 0), params: { customer: 'C-1' }, now: new Date() }));
    expect(p.workflowRef).toEqual({ name: 'wf' });
  });
});
