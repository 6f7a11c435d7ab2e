import { newCheckpointKey, parseCheckpointKey, sealSession, SessionSealError, unsealSession } from './session-seal.js';

const SNAPSHOT = {
  url: 'https://bank.test/home?sid=abc',
  storageState: {
    cookies: [
      {
        name: 'sid',
        value: 'session-cookie-value',
        domain: 'bank.test',
        path: '/',
        expires: -1,
        httpOnly: true,
        secure: true,
        sameSite: 'Lax' as const,
      },
    ],
    origins: [{ origin: 'https://bank.test', localStorage: [{ name: 'token', value: 'local-token-value' }] }],
  },
};

describe('sealed sessions', () => {
  it('round-trips, and the sealed text shows neither cookie, storage nor URL', () => {
    const key = newCheckpointKey();
    const sealed = sealSession(SNAPSHOT, key, 'rpa-1-a1/step');
    // Whole values only: a short string such as the cookie's name turns up in random ciphertext by chance
    // (a three-letter string about once in 500 runs), which says nothing about the seal.
    for (const plain of ['session-cookie-value', 'local-token-value', 'https://bank.test/home', '"cookies"'])
      expect(sealed.sealed.includes(plain) || Buffer.from(sealed.sealed, 'base64url').includes(plain)).toBe(false);
    expect(unsealSession(sealed, key, 'rpa-1-a1/step')).toEqual(SNAPSHOT);
  });

  it.each([
    ['another key', (s: string) => s, newCheckpointKey(), 'rpa-1-a1/step'],
    ['another step', (s: string) => s, undefined, 'rpa-1-a1/other'],
    [
      'a changed byte',
      (s: string) => s.slice(0, 40) + (s[40] === 'A' ? 'B' : 'A') + s.slice(41),
      undefined,
      'rpa-1-a1/step',
    ],
  ])('refuses to open it with %s', (_what, tamper, otherKey, boundTo) => {
    const key = newCheckpointKey();
    const sealed = sealSession(SNAPSHOT, key, 'rpa-1-a1/step');
    expect(() => unsealSession({ sealed: tamper(sealed.sealed) }, otherKey ?? key, boundTo)).toThrow(SessionSealError);
  });

  it('parses a base64 key of 32 bytes and names the source of a bad one', () => {
    const key = newCheckpointKey();
    expect(parseCheckpointKey(key.toString('base64'), 'x')).toEqual(key);
    expect(() => parseCheckpointKey('c2hvcnQ=', 'Secret ns/aether-checkpoint-key')).toThrow(
      /Secret ns\/aether-checkpoint-key must hold 32 random bytes/,
    );
  });
});
