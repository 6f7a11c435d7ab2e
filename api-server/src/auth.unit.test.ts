import { AuthError, Authorizer, bearerToken, CallLimiter, tokenKey, TtlCache, type ReviewApi } from './auth.js';

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

describe('CallLimiter', () => {
  it('runs at most inFlight calls at once, queues `waiting` more in order, and refuses the rest at once', async () => {
    const limiter = new CallLimiter(2, 1);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    const call = (n: number) => () => {
      started.push(n);
      return new Promise<number>((resolve) => releases.push(() => resolve(n)));
    };
    const refused = () => new Error('full');
    const results = [1, 2, 3].map((n) => limiter.run(call(n), refused));
    await expect(limiter.run(call(4), refused)).rejects.toThrow('full');
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    releases[0]!();
    await results[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3]);
    releases[1]!();
    releases[2]!();
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    // Free again: a new call starts at once.
    const again = limiter.run(call(5), refused);
    expect(started).toEqual([1, 2, 3, 5]);
    releases[3]!();
    expect(await again).toBe(5);
  });

  it('frees its slot when a call fails', async () => {
    const limiter = new CallLimiter(1, 0);
    await expect(limiter.run(() => Promise.reject(new Error('boom')), () => new Error('full'))).rejects.toThrow('boom');
    expect(await limiter.run(() => Promise.resolve('ok'), () => new Error('full'))).toBe('ok');
  });
});

describe('Authorizer.authenticate under a flood of made-up tokens', () => {
  function reviews(): ReviewApi & { reviewed: string[]; hold: boolean; held: Array<() => void> } {
    const r = {
      reviewed: [] as string[],
      hold: false,
      held: [] as Array<() => void>,
      async tokenReview(token: string) {
        r.reviewed.push(token);
        if (r.hold) await new Promise<void>((resolve) => r.held.push(resolve));
        return token === 'good' ? { authenticated: true, user: { username: 'alice' } } : { authenticated: false };
      },
      async subjectAccessReview() {
        return { allowed: true };
      },
    };
    return r;
  }

  it("keeps a signed-in user's token cached however many bad tokens come, and remembers a bad token without a second review", async () => {
    const api = reviews();
    const auth = new Authorizer({ reviews: api, now: () => 0 });
    expect(await auth.authenticate('Bearer good')).toEqual({ username: 'alice' });
    for (let i = 0; i < 12_000; i++) await expect(auth.authenticate(`Bearer bad-${i}`)).rejects.toMatchObject({ status: 401 });
    expect(await auth.authenticate('Bearer good')).toEqual({ username: 'alice' });
    expect(api.reviewed.filter((t) => t === 'good')).toHaveLength(1);
    await expect(auth.authenticate('Bearer bad-11999')).rejects.toBeInstanceOf(AuthError);
    expect(api.reviewed.filter((t) => t === 'bad-11999')).toHaveLength(1);
  });

  it('answers 429 once too many reviews are in flight and waiting, without calling the Kubernetes API for them', async () => {
    const api = reviews();
    api.hold = true;
    const auth = new Authorizer({ reviews: api, reviewsInFlight: 2, reviewsWaiting: 3 });
    const pending = Array.from({ length: 5 }, (_, i) => auth.authenticate(`Bearer t-${i}`).catch((e: AuthError) => e.status));
    await expect(auth.authenticate('Bearer t-5')).rejects.toMatchObject({ status: 429 });
    await Promise.resolve();
    expect(api.reviewed).toEqual(['t-0', 't-1']);
    while (api.held.length > 0 || api.reviewed.length < 5) {
      api.held.splice(0).forEach((f) => f());
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(pending)).toEqual([401, 401, 401, 401, 401]);
    // A refused sign-in is not remembered: the same token is reviewed once there is room.
    api.hold = false;
    await expect(auth.authenticate('Bearer t-5')).rejects.toMatchObject({ status: 401 });
    expect(api.reviewed).toContain('t-5');
  });
});
