import type { CredentialScopeRule } from '../../../api/v1alpha1/credential-scope.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { decideCredentialUse, defaultGrant, LOCAL_GRANT, type CredentialGrant } from './decide.js';

const scoped = (...rules: CredentialScopeRule[]): CredentialGrant => ({ rules, source: 'annotation' });

describe('decideCredentialUse', () => {
  const grant = scoped(
    { urlPrefix: 'https://login.example.com/app', usages: ['fill'] },
    { host: 'api.example.com', usages: ['header', 'body'] },
    { host: '*.svc.example.com:8443', usages: ['url'] },
    { urlPrefix: 'http://127.0.0.1:4000/', usages: ['fill', 'header'] },
  );
  it.each([
    ['fill', 'https://login.example.com/app', true],
    ['fill', 'https://login.example.com/app/step2?x=1', true],
    ['fill', 'https://login.example.com/application', false],
    ['fill', 'https://login.example.com/', false],
    ['fill', 'https://login.example.com:444/app', false],
    ['fill', 'http://login.example.com/app', false],
    ['fill', 'https://login.example.com.evil.test/app', false],
    ['fill', 'https://user:pw@login.example.com/app', false],
    ['fill', 'https://login.example.com/app/../admin', false],
    ['header', 'https://login.example.com/app', false],
    ['header', 'https://api.example.com/v1/x', true],
    ['header', 'https://API.EXAMPLE.COM./v1/x', true],
    ['header', 'https://api.example.com:8443/v1/x', false],
    ['header', 'http://api.example.com/v1/x', false],
    ['body', 'https://api.example.com/', true],
    ['url', 'https://api.example.com/', false],
    ['url', 'https://a.svc.example.com:8443/x', true],
    ['url', 'https://svc.example.com:8443/x', false],
    ['url', 'https://a.svc.example.com/x', false],
    ['header', 'http://127.0.0.1:4000/report', true],
    ['header', 'http://127.0.0.1:4001/report', false],
    ['body', 'http://127.0.0.1:4000/report', false],
    ['fill', 'file:///etc/passwd', false],
    ['fill', 'about:blank', false],
    ['fill', 'not a url', false],
  ] as const)('%s at %s -> %s', (usage, url, allow) => {
    expect(decideCredentialUse(grant, usage, url).allow).toBe(allow);
  });

  it('explains a refusal with the host only (no path, no query)', () => {
    const d = decideCredentialUse(grant, 'body', 'http://127.0.0.1:4000/leak?token=abc');
    expect(d).toEqual({ allow: false, reason: 'no rule of the Secret\'s rpa.aether.dev/credential-scope allows body at 127.0.0.1:4000' });
  });

  it('local mode allows http(s) uses and nothing else', () => {
    expect(decideCredentialUse(LOCAL_GRANT, 'header', 'http://localhost:1/x').allow).toBe(true);
    expect(decideCredentialUse(LOCAL_GRANT, 'fill', 'file:///x').allow).toBe(false);
  });
});

describe('defaultGrant', () => {
  const wf = (url: string, extra: WorkflowSpec['steps'] = []): WorkflowSpec => ({
    steps: [{ id: 'a', action: 'setVariable', name: 'x', value: '1' }, { id: 'open', action: 'goto', url }, ...extra] as WorkflowSpec['steps'],
  });
  it.each([
    ['a referenced workflow with a literal first goto: fill on that origin', wf('https://portal.example.com/login'), true, [{ urlPrefix: 'https://portal.example.com/', usages: ['fill'] }]],
    ['a templated first goto: nothing', wf('{{ params.url }}/login'), true, []],
    ['an inline workflow: nothing', wf('https://portal.example.com/login'), false, []],
    ['a non-http first goto: nothing', wf('file:///etc/passwd'), true, []],
    ['no goto: nothing', { steps: [{ id: 'a', action: 'setVariable', name: 'x', value: '1' }] } as WorkflowSpec, true, []],
  ])('%s', (_name, workflow, referenced, rules) => {
    expect(defaultGrant(workflow, { referenced })).toEqual({ rules, source: 'default' });
  });

  it('only the first goto counts, and only for fill', () => {
    const g = defaultGrant(wf('https://portal.example.com/login', [{ id: 'b', action: 'goto', url: 'https://other.example.com/' }] as WorkflowSpec['steps']), { referenced: true });
    expect(decideCredentialUse(g, 'fill', 'https://portal.example.com/form').allow).toBe(true);
    expect(decideCredentialUse(g, 'fill', 'https://other.example.com/').allow).toBe(false);
    expect(decideCredentialUse(g, 'header', 'https://portal.example.com/api').allow).toBe(false);
  });
});
