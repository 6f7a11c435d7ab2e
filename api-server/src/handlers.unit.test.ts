import { itemEvent, itemNamespace, jobEvent, resumeFrom, robotEvent, sseFrame } from './events.js';
import { stepEntry, stepErrorText } from './handlers.js';

describe('stepErrorText', () => {
  it.each([
    ['{"name":"Error","message":"element not found: #pay"}', 'element not found: #pay'],
    ['"plain string"', 'plain string'],
    ['not json at all', 'not json at all'],
  ])('%s', (raw, text) => expect(stepErrorText(raw)).toBe(text));

  it('is bounded', () => {
    const text = stepErrorText(JSON.stringify({ message: 'x'.repeat(10_000) }));
    expect(text.length).toBe(4096);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('stepEntry', () => {
  const base = { workflowId: 'rpa-0b7c-a2', seq: 3, step: 'rows[1].submit', error: null, startedAtMs: '1700000000000', completedAtMs: '1700000000500' };
  it('reads the attempt from the workflow id and the outcome from the row', () => {
    expect(stepEntry(base)).toEqual({
      attempt: 2,
      seq: 3,
      step: 'rows[1].submit',
      status: 'succeeded',
      startedAt: '2023-11-14T22:13:20.000Z',
      completedAt: '2023-11-14T22:13:20.500Z',
    });
  });
  it('a row with an error failed; one without completion is running', () => {
    expect(stepEntry({ ...base, error: '{"message":"boom"}' })).toMatchObject({ status: 'failed', error: 'boom' });
    expect(stepEntry({ ...base, completedAtMs: null })).toMatchObject({ status: 'running' });
  });
});

describe('events', () => {
  it('itemNamespace and itemEvent read the queue key <namespace>/<queue>', () => {
    expect(itemNamespace('team-b/invoices')).toBe('team-b');
    expect(itemEvent('team-b/invoices')).toEqual({ queue: 'invoices' });
    expect(itemNamespace('nothing')).toBeUndefined();
    expect(itemEvent('team-b/')).toBeUndefined();
  });

  it('robotEvent reads <namespace>/<robot id>', () => {
    expect(robotEvent('team-b/robot-a-1f2e3d')).toEqual({ namespace: 'team-b', robot: 'robot-a-1f2e3d' });
    expect(robotEvent('robot-a')).toBeUndefined();
  });

  it('sseFrame is one event block, with an id when given', () => {
    expect(sseFrame('job', { a: 1 })).toBe('event: job\ndata: {"a":1}\n\n');
    expect(sseFrame('job', { a: 1 }, '42')).toBe('id: 42\nevent: job\ndata: {"a":1}\n\n');
  });

  it.each([
    ['12345', '12345'],
    [undefined, undefined],
    ['', undefined],
    ['12&watch=false', undefined],
  ])('resumeFrom(%j) -> %j', (id, want) => expect(resumeFrom(id)).toBe(want));

  it('jobEvent keeps identity and status, never the spec', () => {
    const e = jobEvent('MODIFIED', {
      apiVersion: 'rpa.aether.dev/v1alpha1',
      kind: 'RpaJob',
      metadata: { name: 'j', namespace: 'n', uid: 'u' },
      spec: { params: { secretish: 'x' } },
      status: { phase: 'Running', progress: '1/3' },
    });
    expect(e).toMatchObject({ type: 'MODIFIED', name: 'j', uid: 'u', phase: 'Running', progress: '1/3' });
    expect(JSON.stringify(e)).not.toContain('secretish');
  });
});
