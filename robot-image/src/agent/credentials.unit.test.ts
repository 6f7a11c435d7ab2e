import { SCRUBBED, scrubText, scrubValue, secretKeysFor } from './credentials.js';

describe('secretKeysFor', () => {
  it.each<[string, string[], Record<string, string> | undefined, Record<string, string>]>([
    ['same names by default', ['username', 'password'], undefined, { username: 'username', password: 'password' }],
    ['renamed keys', ['username', 'password'], { password: 'pw' }, { username: 'username', password: 'pw' }],
    ['extra binding keys ignored', ['token'], { token: 'api-token', other: 'x' }, { token: 'api-token' }],
  ])('%s', (_n, keys, mapping, want) => {
    expect(secretKeysFor({ name: 'portal', keys }, { secretName: 's', ...(mapping && { keys: mapping }) })).toEqual(want);
  });
});

describe('scrubText', () => {
  it.each<[string, string, string[], string]>([
    ['plain occurrence', 'login failed for hunter2!', ['hunter2'], `login failed for ${SCRUBBED}!`],
    ['every occurrence', 'a hunter2 b hunter2', ['hunter2'], `a ${SCRUBBED} b ${SCRUBBED}`],
    ['URL-encoded form', 'GET /x?pw=p%40ss%20w0rd', ['p@ss w0rd'], `GET /x?pw=${SCRUBBED}`],
    ['longer value first', 'secret-long', ['secret', 'secret-long'], SCRUBBED],
    ['too short to scrub', 'a 12 b', ['12'], 'a 12 b'],
    ['nothing to scrub', 'all fine', [], 'all fine'],
  ])('%s', (_n, text, values, want) => {
    expect(scrubText(text, values)).toBe(want);
  });
});

describe('scrubValue', () => {
  it('scrubs strings at any depth, keys included, and leaves other values', () => {
    const value = { greeting: 'hi hunter2', list: ['x', 'hunter2', 3, null], nested: { hunter2: true, n: 1 } };
    expect(scrubValue(value, ['hunter2'])).toEqual({
      greeting: `hi ${SCRUBBED}`,
      list: ['x', SCRUBBED, 3, null],
      nested: { [SCRUBBED]: true, n: 1 },
    });
  });
});
