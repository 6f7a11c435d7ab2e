import { bearerToken, tokenKey, TtlCache } from './auth.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer abc', 'abc'],
    ['Bearer  abc  ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('%j -> %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('tokenKey', () => {
  it('is the sha256 of the token, never the token', () => {
    expect(tokenKey('secret-token')).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenKey('secret-token')).not.toContain('secret');
    expect(tokenKey('a')).not.toBe(tokenKey('b'));
  });
});

describe('TtlCache', () => {
  it('forgets an entry once its TTL passed', () => {
    let now = 1000;
    const c = new TtlCache<string>(500, 10, () => now);
    c.set('k', 'v');
    now = 1499;
    expect(c.get('k')).toBe('v');
    now = 1500;
    expect(c.get('k')).toBeUndefined();
  });

  it('keeps at most `max` entries, dropping the oldest', () => {
    const c = new TtlCache<number>(10_000, 2, () => 0);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([undefined, 2, 3]);
    expect(c.size).toBe(2);
  });

  it('delete removes an entry', () => {
    const c = new TtlCache<number>(10_000, 2, () => 0);
    c.set('a', 1);
    c.delete('a');
    expect(c.get('a')).toBeUndefined();
  });
});
