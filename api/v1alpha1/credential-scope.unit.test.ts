import { CREDENTIAL_SCOPE_ANNOTATION, parseAllowedWorkflows, parseCredentialScope, secretCredentialPolicy } from './credential-scope.js';

describe('parseCredentialScope', () => {
  it.each([
    ['YAML list', '- urlPrefix: https://login.example.com/\n  usages: [fill]\n- host: Reports.Example.com\n  usages: [header, body]', [
      { urlPrefix: 'https://login.example.com/', usages: ['fill'] },
      { host: 'reports.example.com', usages: ['header', 'body'] },
    ]],
    ['JSON', '[{"host":"*.example.com:8443","usages":["url"]}]', [{ host: '*.example.com:8443', usages: ['url'] }]],
  ])('accepts %s', (_name, text, rules) => {
    expect(parseCredentialScope(text)).toEqual({ ok: true, value: rules });
  });

  it.each([
    ['not YAML', '[{', 'is not YAML or JSON'],
    ['not a list', 'host: a.example.com', 'the list: Invalid input: expected array'],
    ['empty list', '[]', 'the list: Too small'],
    ['both host and prefix', '[{"host":"a.com","urlPrefix":"https://a.com/","usages":["fill"]}]', 'exactly one of host or urlPrefix'],
    ['neither', '[{"usages":["fill"]}]', 'exactly one of host or urlPrefix'],
    ['unknown usage', '[{"host":"a.com","usages":["cookie"]}]', '0.usages.0: Invalid option'],
    ['no usages', '[{"host":"a.com","usages":[]}]', '0.usages: Too small'],
    ['host with scheme', '[{"host":"https://a.com","usages":["fill"]}]', '0.host: must be a host name'],
    ['prefix with query', '[{"urlPrefix":"https://a.com/?x=1","usages":["fill"]}]', '0.urlPrefix: must be an absolute http://'],
    ['prefix file:', '[{"urlPrefix":"file:///etc/","usages":["fill"]}]', '0.urlPrefix: must be an absolute http://'],
    ['unknown field', '[{"host":"a.com","usages":["fill"],"methods":["GET"]}]', 'Unrecognized key'],
    ['alias bomb', 'a: &a [x]\nb: *a', 'is not YAML or JSON'],
  ])('refuses %s with a message naming the annotation and field', (_name, text, part) => {
    const r = parseCredentialScope(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(CREDENTIAL_SCOPE_ANNOTATION);
      expect(r.message).toContain(part);
    }
  });

  it('never throws on hostile input', () => {
    for (const text of ['', 'null', '~', '!!js/function x', '{'.repeat(5000), 'x'.repeat(20_000), '- ' + '['.repeat(2000)]) {
      const r = parseCredentialScope(text);
      expect(r.ok).toBe(false);
    }
  });
});

describe('parseAllowedWorkflows and secretCredentialPolicy', () => {
  it('reads comma or space separated names', () => {
    expect(parseAllowedWorkflows('nightly-report, portal.login  other')).toEqual({ ok: true, value: ['nightly-report', 'portal.login', 'other'] });
  });
  it.each([['', 'is empty'], ['Bad_Name', '"Bad_Name" is not an RpaWorkflow name']])('refuses %j', (text, part) => {
    const r = parseAllowedWorkflows(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(part);
  });
  it('combines both annotations and reports every problem', () => {
    expect(secretCredentialPolicy(undefined)).toEqual({ ok: true, rules: null, allowedWorkflows: null });
    expect(secretCredentialPolicy({ 'rpa.aether.dev/allowed-workflows': 'a' })).toEqual({ ok: true, rules: null, allowedWorkflows: ['a'] });
    const bad = secretCredentialPolicy({ 'rpa.aether.dev/credential-scope': '[]', 'rpa.aether.dev/allowed-workflows': ',' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.message).toContain('rpa.aether.dev/credential-scope is invalid');
      expect(bad.message).toContain('rpa.aether.dev/allowed-workflows is empty');
    }
  });
});
