import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialError } from '../agent/credentials.js';
import { LOCAL_GRANT } from '../credscope/decide.js';
import { fileCredentials, parseEnvFile } from './secrets.js';

describe('parseEnvFile', () => {
  it.each([
    ['plain', 'a=1\nb = two', { a: '1', b: 'two' }],
    ['comments and blanks', '# c\n\n a=1 # note\n', { a: '1' }],
    ['export and quotes', 'export a="x # y"\nb=\'q\'', { a: 'x # y', b: 'q' }],
    ['escapes in double quotes', 'a="l1\\nl2"', { a: 'l1\nl2' }],
    ['equals in the value', 'token=ab==', { token: 'ab==' }],
    ['keys with dashes and dots', 'api-token=t\nx.y=z', { 'api-token': 't', 'x.y': 'z' }],
    ['lines that are not assignments', 'just words\n=x', {}],
  ])('%s', (_n, text, expected) => {
    expect(parseEnvFile(text)).toEqual(expected);
  });
});

describe('fileCredentials', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aether-secrets-'));
    writeFileSync(join(dir, 'portal-login.env'), 'username=u1\npassword=p-secret\n');
    writeFileSync(join(dir, 'explicit.env'), 'api-token=tok-123\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const slots = [
    { name: 'portal', keys: ['username', 'password'] },
    { name: 'api', keys: ['token'] },
  ];

  it('reads slots from the secrets dir and from --secret files, with key mapping', async () => {
    const creds = fileCredentials({ files: { 'report-api': join(dir, 'explicit.env') }, dir })({
      namespace: 'default',
      slots,
      bindings: {
        portal: { secretName: 'portal-login' },
        api: { secretName: 'report-api', keys: { token: 'api-token' } },
      },
      job: { workflow: { steps: [] } },
    });
    expect(await creds.get('portal')).toEqual({ values: { username: 'u1', password: 'p-secret' }, secret: 'portal-login', grant: LOCAL_GRANT });
    expect(await creds.get('api')).toEqual({ values: { token: 'tok-123' }, secret: 'report-api', grant: LOCAL_GRANT });
    expect(creds.knownValues().sort()).toEqual(['p-secret', 'tok-123', 'u1']);
    creds.clear();
    expect(creds.knownValues()).toEqual([]);
  });

  it.each([
    [
      'a Secret with no file',
      { portal: { secretName: 'missing' } },
      'portal',
      'no file for Secret missing: pass --secret missing=FILE',
    ],
    [
      'a missing key',
      { portal: { secretName: 'portal-login', keys: { password: 'pw' } } },
      'portal',
      'Secret portal-login has no key "pw" (credential portal.password)',
    ],
    ['an unbound slot', {}, 'portal', 'the job binds no Secret to credential slot "portal"'],
    ['an undeclared slot', {}, 'other', 'the workflow declares no credential slot "other"'],
  ])('explains %s', async (_n, bindings, slot, message) => {
    const creds = fileCredentials({ files: {}, dir })({ namespace: 'default', slots, bindings, job: { workflow: { steps: [] } } });
    await expect(creds.get(slot)).rejects.toThrow(CredentialError);
    await expect(creds.get(slot)).rejects.toThrow(message);
  });
});
