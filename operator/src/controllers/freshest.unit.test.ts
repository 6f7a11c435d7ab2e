import { describe, expect, it } from '@jest/globals';
import { Freshest } from './freshest.js';

const obj = (uid: string, rv: string, tag: string) => ({ metadata: { uid, resourceVersion: rv }, tag });

describe('Freshest', () => {
  it.each<[string, string | undefined, string, string]>([
    ['nothing written: the cache', undefined, '10', 'cache'],
    ['our write is newer than the cache: ours', '12', '10', 'mine'],
    ['the cache caught up: the cache', '12', '12', 'cache'],
    ['someone wrote after us: the cache', '12', '15', 'cache'],
    ['versions that are not numbers: the cache', 'abc', '10', 'cache'],
  ])('%s', (_n, written, cached, expected) => {
    const f = new Freshest<ReturnType<typeof obj>>();
    if (written) f.wrote(obj('u', written, 'mine'));
    expect(f.resolve(obj('u', cached, 'cache')).tag).toBe(expected);
  });

  it('forgets a write once the cache has caught up', () => {
    const f = new Freshest<ReturnType<typeof obj>>();
    f.wrote(obj('u', '12', 'mine'));
    expect(f.resolve(obj('u', '12', 'cache')).tag).toBe('cache');
    expect(f.resolve(obj('u', '11', 'stale')).tag).toBe('stale'); // entry dropped
  });

  it.each<[string, string | undefined, string, boolean]>([
    ['nothing written: not an echo', undefined, '12', false],
    ['the version our write returned: an echo', '12', '12', true],
    ['an older version (our write still in flight): not an echo', '12', '11', false],
    ['a newer version (someone wrote after us): not an echo', '12', '15', false],
  ])('isEcho: %s', (_n, written, seen, expected) => {
    const f = new Freshest<ReturnType<typeof obj>>();
    if (written) f.wrote(obj('u', written, 'mine'));
    expect(f.isEcho(obj('u', seen, 'event'))).toBe(expected);
  });

  it('an echo is recognised once: the write is forgotten, the cache has it', () => {
    const f = new Freshest<ReturnType<typeof obj>>();
    f.wrote(obj('u', '12', 'mine'));
    expect(f.isEcho(obj('u', '12', 'event'))).toBe(true);
    expect(f.isEcho(obj('u', '12', 'event'))).toBe(false);
    expect(f.resolve(obj('u', '11', 'stale')).tag).toBe('stale');
  });

  it('an object without a resourceVersion is never an echo', () => {
    const f = new Freshest<{ metadata: { uid: string; resourceVersion?: string } }>();
    f.wrote({ metadata: { uid: 'u' } });
    expect(f.isEcho({ metadata: { uid: 'u' } })).toBe(false);
  });
});
