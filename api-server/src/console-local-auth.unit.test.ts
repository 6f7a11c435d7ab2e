import { resourceAttributes } from './access.js';
import { AuthError } from './auth.js';
import { LOCAL_USER, LocalSessions, localRefusal } from './console-local-auth.js';

const attrs = (resource: 'rpajobs' | 'rpaworkflows' | 'rpaqueues' | 'robotpools', verb: 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete' | 'update', subresource?: 'items') =>
  resourceAttributes({ resource, verb, ...(subresource && { subresource }) }, 'default');

describe('LocalSessions: the one-time sign-in key', () => {
  it('swaps the key for a session token once; the token signs in, the key does not', async () => {
    const s = new LocalSessions('k'.repeat(32));
    const token = s.exchange('k'.repeat(32));
    expect(token).not.toBe(s.key);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(s.authenticate(`Bearer ${token}`)).resolves.toEqual(LOCAL_USER);
    await expect(s.authenticate(`Bearer ${s.key}`)).rejects.toMatchObject({ status: 401 });
    expect(() => s.exchange('k'.repeat(32))).toThrow(/used already/);
  });

  it('refuses a wrong key (same length or not) without using up the right one', () => {
    const s = new LocalSessions();
    expect(s.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(() => s.exchange(undefined)).toThrow(AuthError);
    expect(() => s.exchange('x')).toThrow(/not the sign-in key/);
    expect(() => s.exchange(`${s.key.slice(0, -1)}${s.key.endsWith('A') ? 'B' : 'A'}`)).toThrow(/not the sign-in key/);
    expect(typeof s.exchange(s.key)).toBe('string');
  });

  it('keys differ between runs', () => {
    expect(new LocalSessions().key).not.toBe(new LocalSessions().key);
  });

  it('answers 401 without a session', async () => {
    const s = new LocalSessions();
    await expect(s.authenticate(undefined)).rejects.toMatchObject({ status: 401 });
    await expect(s.authenticate('Bearer nope')).rejects.toMatchObject({ status: 401 });
  });
});

describe('local policy', () => {
  it('allows reading everything and cancelling the run', async () => {
    const s = new LocalSessions();
    for (const a of [attrs('rpajobs', 'get'), attrs('rpajobs', 'list'), attrs('rpajobs', 'watch'), attrs('rpaworkflows', 'get'), attrs('robotpools', 'list'), attrs('rpaqueues', 'list', 'items'), attrs('rpajobs', 'delete')])
      await expect(s.authorize(LOCAL_USER, a)).resolves.toBeUndefined();
  });

  it.each([
    ['apply a suggestion', attrs('rpaworkflows', 'patch'), /does not apply healing suggestions: the workflow is your YAML file/],
    ['suspend or resume', attrs('rpajobs', 'patch'), /Ctrl-C stops the run/],
    ['create a job or replay a dead letter', attrs('rpajobs', 'create'), /runs one job/],
    ['add queue items', attrs('rpaqueues', 'create', 'items'), /no work queues/],
    ['delete queue items', attrs('rpaqueues', 'delete', 'items'), /no work queues/],
  ])('refuses to %s with 403 and the reason', async (_what, a, reason) => {
    expect(localRefusal(a)).toMatch(reason);
    await expect(new LocalSessions().authorize(LOCAL_USER, a)).rejects.toMatchObject({ status: 403, message: expect.stringMatching(reason) });
  });
});
