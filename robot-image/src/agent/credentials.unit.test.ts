import { secretKeysFor } from './credentials.js';

describe('secretKeysFor', () => {
  it.each<[string, string[], Record<string, string> | undefined, Record<string, string>]>([
    ['same names by default', ['username', 'password'], undefined, { username: 'username', password: 'password' }],
    ['renamed keys', ['username', 'password'], { password: 'pw' }, { username: 'username', password: 'pw' }],
    ['extra binding keys ignored', ['token'], { token: 'api-token', other: 'x' }, { token: 'api-token' }],
  ])('%s', (_n, keys, mapping, want) => {
    expect(secretKeysFor({ name: 'portal', keys }, { secretName: 's', ...(mapping && { keys: mapping }) })).toEqual(want);
  });
});
