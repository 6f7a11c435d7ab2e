import { cursorOf, outcomesByHour, parseCursor, poolsView, seriesByPool, timeline } from './console-view.js';
import { fieldPointer, stepPointer, SuggestionError, suggestionChange, suggestionPatch } from './suggestion-patch.js';

const spec = {
  steps: [
    { id: 'open', action: 'goto', url: 'https://x' },
    { id: 'rows', action: 'forEach', steps: [{ id: 'pay', action: 'click', target: { css: '#pay' } }] },
    { id: 'check', action: 'if', then: [{ id: 'ok', action: 'click', target: { text: 'OK' } }], else: [{ id: 'no', action: 'click', target: { css: '.no' } }] },
  ],
  blocks: [{ name: 'cleanup', steps: [{ id: 'close', action: 'click', target: { css: '#close' }, mask: { elements: [{ css: '.a' }] } }] }],
};

describe('stepPointer', () => {
  it.each([
    ['open', '/spec/steps/0'],
    ['pay', '/spec/steps/1/steps/0'],
    ['ok', '/spec/steps/2/then/0'],
    ['no', '/spec/steps/2/else/0'],
    ['close', '/spec/blocks/0/steps/0'],
    ['gone', undefined],
  ])('%s -> %s', (id, pointer) => expect(stepPointer(spec, id)).toBe(pointer));
});

describe('fieldPointer', () => {
  it.each([
    ['target', '/target'],
    ['mask.elements[0]', '/mask/elements/0'],
    ['a/b.c~d', '/a~1b/c~0d'],
  ])('%s -> %s', (field, pointer) => expect(fieldPointer(field)).toBe(pointer));
  it('refuses a malformed path', () => expect(() => fieldPointer('a..b')).toThrow(SuggestionError));
});

describe('suggestionChange and suggestionPatch', () => {
  it('replaces the nested step target, guarded by the resourceVersion', () => {
    const c = suggestionChange({ spec }, { stepId: 'pay', suggested: { testId: 'pay-button' } });
    expect(c).toEqual({ stepId: 'pay', field: 'target', pointer: '/spec/steps/1/steps/0/target', before: { css: '#pay' }, after: { testId: 'pay-button' } });
    expect(suggestionPatch(c, '42')).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      { op: 'replace', path: '/spec/steps/1/steps/0/target', value: { testId: 'pay-button' } },
    ]);
  });
  it('reaches a field inside a block step', () => {
    expect(suggestionChange({ spec }, { stepId: 'close', field: 'mask.elements[0]', suggested: { css: '.b' } }).before).toEqual({ css: '.a' });
  });
  it('says when the step or its field is gone', () => {
    expect(() => suggestionChange({ spec }, { stepId: 'gone', suggested: {} })).toThrow(/no step gone/);
    expect(() => suggestionChange({ spec }, { stepId: 'open', suggested: {} })).toThrow(/step open has no target/);
  });
});

describe('timeline', () => {
  const s = (start: number, end?: number) => ({
    status: end === undefined ? 'running' : 'succeeded',
    startedAt: new Date(start).toISOString(),
    ...(end !== undefined && { completedAt: new Date(end).toISOString() }),
  });
  it('gives durations and marks the first step begun after each take-over', () => {
    const out = timeline([s(0, 100), s(100, 150), s(5000, 5300), s(5300)], [{ at: new Date(1000).toISOString() }], { runEnded: false });
    expect(out.map((x) => x.durationMs)).toEqual([100, 50, 300, null]);
    expect(out.map((x) => x.afterTakeover)).toEqual([false, false, true, false]);
  });
  it('marks nothing without take-overs', () => {
    expect(timeline([s(0, 1)], [], { runEnded: false }).map((x) => x.afterTakeover)).toEqual([false]);
  });
  it('calls a step that never ended interrupted once a later step began or the run ended', () => {
    const steps = [{ ...s(0), status: 'running' }, { ...s(10, 20), status: 'succeeded' }, { ...s(30), status: 'running' }];
    expect(timeline(steps, [], { runEnded: false }).map((x) => x.status)).toEqual(['interrupted', 'succeeded', 'running']);
    expect(timeline(steps, [], { runEnded: true }).map((x) => x.status)).toEqual(['interrupted', 'succeeded', 'interrupted']);
  });
  it('marks the last record of the step the run failed at as failed', () => {
    const steps = [{ ...s(0, 1), step: 'open' }, { ...s(1, 2), step: 'go' }, { ...s(3, 4), step: 'open' }, { ...s(5, 6), step: 'go' }];
    expect(timeline(steps, [], { runEnded: true, failedStep: 'go' }).map((x) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed']);
    expect(timeline(steps, [], { runEnded: true, failedStep: 'gone' }).map((x) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });
});

describe('overview shaping', () => {
  it('groups queue series per pool in time order', () => {
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    const rows = [
      { pool: 'a', at: at(0), depth: 2, oldestAgeSeconds: 30.4 },
      { pool: 'a', at: at(1), depth: 0, oldestAgeSeconds: null },
      { pool: 'b', at: at(0), depth: 1, oldestAgeSeconds: 5 },
    ];
    expect(seriesByPool(rows)).toEqual([
      { pool: 'a', at: [at(0).toISOString(), at(1).toISOString()], depth: [2, 0], oldestAgeSeconds: [30, null] },
      { pool: 'b', at: [at(0).toISOString()], depth: [1], oldestAgeSeconds: [5] },
    ]);
  });
  it('counts outcomes per hour', () => {
    const h = new Date(Date.UTC(2026, 0, 1, 3));
    expect(outcomesByHour([{ hour: h, state: 'failed', count: 2 }, { hour: h, state: 'succeeded', count: 5 }])).toEqual([
      { hour: h.toISOString(), succeeded: 5, failed: 2, cancelled: 0 },
    ]);
  });
  it('joins RobotPool status with robots and runs, pools known to either side', () => {
    const out = poolsView([{ pool: 'b', robots: 2, busy: 1, queued: 3, running: 1 }], [{ name: 'a', desired: 1, ready: 0 }]);
    expect(out).toEqual([
      { pool: 'a', desired: 1, ready: 0, robots: 0, busy: 0, queued: 0, running: 0 },
      { pool: 'b', desired: null, ready: null, robots: 2, busy: 1, queued: 3, running: 1 },
    ]);
  });
});

describe('page cursors', () => {
  it('round-trip', () => {
    const c = cursorOf({ createdUs: '1765000000123456', uid: '0b7c0000-0000-4000-8000-000000000001' });
    expect(c).toBe('1765000000123456~0b7c0000-0000-4000-8000-000000000001');
    expect(parseCursor(c)).toEqual({ createdUs: '1765000000123456', uid: '0b7c0000-0000-4000-8000-000000000001' });
  });
});
