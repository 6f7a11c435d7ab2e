import {
  abstainMessage,
  descriptorDigest,
  healAfterMs,
  imageKeyOf,
  recordKey,
  shouldCaptureImage,
  shouldDescribe,
  shouldWrite,
  stepIdOf,
  targetKey,
  type RecordMemory,
} from './record-policy.js';

const timing = { checkEveryMs: 60_000, refreshMs: 3_600_000 };
const mem = (checkedAt: number, writtenAt: number, digest = 'd1'): RecordMemory => ({ checkedAt, writtenAt, digest });

describe('recordKey / stepIdOf', () => {
  it.each([
    ['save', 'save', 'save'],
    ['rows[2].typeName', 'rows.typeName', 'typeName'],
    ['outer[0].inner[11].click', 'outer.inner.click', 'click'],
    ['maybe.then.clickOk', 'maybe.then.clickOk', 'clickOk'],
    ['rows[3]', 'rows', 'rows'],
  ])('%s -> record %s, step %s', (path, key, id) => {
    expect(recordKey(path)).toBe(key);
    expect(stepIdOf(path)).toBe(id);
  });
});

describe('shouldDescribe', () => {
  it.each([
    ['never described in this process', undefined, 0, true],
    ['described a moment ago', mem(1_000, 1_000), 30_000, false],
    ['described a check period ago', mem(1_000, 1_000), 61_000, true],
  ])('%s', (_what, m, now, want) => {
    expect(shouldDescribe(m, now, timing)).toBe(want);
  });
});

describe('shouldWrite', () => {
  it.each([
    ['nothing remembered', undefined, 'd1', 0, true],
    ['unchanged and fresh', mem(0, 0), 'd1', 120_000, false],
    ['changed element', mem(0, 0), 'd2', 120_000, true],
    ['unchanged but older than the refresh period', mem(0, 0), 'd1', 3_600_000, true],
  ])('%s', (_what, m, digest, now, want) => {
    expect(shouldWrite(m, digest, now, timing)).toBe(want);
  });
});

describe('descriptorDigest', () => {
  const base = {
    tag: 'button',
    id: 'save',
    classes: ['a', 'b'],
    text: 'Save',
    box: { x: 1, y: 2, width: 3, height: 4 },
  };
  it('ignores the box and key order', () => {
    const moved = {
      text: 'Save',
      classes: ['a', 'b'],
      id: 'save',
      tag: 'button',
      box: { x: 100, y: 200, width: 3, height: 4 },
    };
    expect(descriptorDigest(moved)).toBe(descriptorDigest(base));
  });
  it.each([
    ['text', { ...base, text: 'Store' }],
    ['id', { ...base, id: 'store' }],
    ['class order', { ...base, classes: ['b', 'a'] }],
    ['a new attribute', { ...base, attributes: { 'data-testid': 'x' } }],
  ])('changes with %s', (_what, other) => {
    expect(descriptorDigest(other)).not.toBe(descriptorDigest(base));
  });
});

describe('healAfterMs', () => {
  it.each([
    [400, 250],
    [2_000, 500],
    [6_000, 1_500],
    [30_000, 3_000],
    [600_000, 3_000],
  ])('timeout %d ms -> waits %d ms before healing', (timeout, want) => {
    expect(healAfterMs(timeout)).toBe(want);
  });
});

describe('abstainMessage', () => {
  it.each([
    [
      0,
      'tier 1: abstained (best 0.41, runner-up 0.39)',
      'target css="#save" matched 0 elements; healing abstained: tier 1: abstained (best 0.41, runner-up 0.39)',
    ],
    [
      3,
      'tier 2: anchor matched 0 elements',
      'target css="#save" matched 3 elements; healing abstained: tier 2: anchor matched 0 elements',
    ],
    [
      0,
      undefined,
      'target css="#save" matched 0 elements; healing abstained: no recorded descriptor, fingerprint, anchor or image',
    ],
  ])('%d matches, reason %s', (n, reason, want) => {
    expect(abstainMessage('css="#save"', n, reason)).toBe(want);
  });
});

describe('targetKey', () => {
  it('keeps locator fields only, in canonical order', () => {
    const a = targetKey({ name: 'Save', role: 'button', fingerprint: { tag: 'button' }, anchor: { relation: 'near' } });
    const b = targetKey({ role: 'button', name: 'Save' });
    expect(a).toBe(b);
    expect(a).toBe('{"name":"Save","role":"button"}');
  });
  it('tells different locators apart', () => {
    expect(targetKey({ css: '#a' })).not.toBe(targetKey({ css: '#b' }));
    expect(targetKey({ css: '#a' })).not.toBe(targetKey({ css: '#a', nth: 1 }));
  });
});

describe('shouldCaptureImage', () => {
  const key = imageKeyOf('sha256:a', { width: 80, height: 30 });
  it.each<[string, RecordMemory | undefined, string, boolean]>([
    ['never tried in this process', undefined, key, true],
    ['tried for this look', { ...mem(0, 0), imageKey: key }, key, false],
    [
      'the element moved only',
      { ...mem(0, 0), imageKey: key },
      imageKeyOf('sha256:a', { width: 80, height: 30 }),
      false,
    ],
    ['the element changed', { ...mem(0, 0), imageKey: key }, imageKeyOf('sha256:b', { width: 80, height: 30 }), true],
    [
      'the element was resized',
      { ...mem(0, 0), imageKey: key },
      imageKeyOf('sha256:a', { width: 90, height: 30 }),
      true,
    ],
    ['described before, never pictured', mem(0, 0), key, true],
  ])('%s', (_name, memory, k, want) => {
    expect(shouldCaptureImage(memory, k)).toBe(want);
  });
});
