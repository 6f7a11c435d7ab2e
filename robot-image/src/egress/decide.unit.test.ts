import { parseAllowEntry, RobotPoolSpec } from '../../../api/v1alpha1/index.js';
import { compileEgressPolicy, decideEgress, EgressPolicyError, loggableUrl, refusalMessage, type EgressPurpose } from './decide.js';

const strict = compileEgressPolicy({ clusterCidrs: ['10.96.0.0/12', '10.244.0.0/16', 'fd00:10:96::/108'] });
const allowing = compileEgressPolicy({
  allow: ['10.96.0.10', '127.0.0.1:8080', '*.svc.cluster.local', 'metrics.internal:9090', '169.254.10.0/24', '[::1]:9000'],
  clusterCidrs: ['10.96.0.0/12'],
});

type Row = [string, string, string[], EgressPurpose, 'allow' | string];

describe('decideEgress', () => {
  it.each<Row>([
    ['a public host', 'https://example.org/a?b=c', ['93.184.215.14'], 'navigation', 'allow'],
    ['a public IPv6 host', 'https://example.org/', ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'], 'http', 'allow'],
    ['file:', 'file:///proc/self/environ', [], 'navigation', 'scheme'],
    ['file: as a subresource', 'file:///etc/passwd', [], 'subresource', 'scheme'],
    ['data: navigation', 'data:text/html,<h1>x</h1>', [], 'navigation', 'scheme'],
    ['data: image of a page', 'data:image/png;base64,AAAA', [], 'subresource', 'allow'],
    ['javascript:', 'javascript:alert(1)', [], 'navigation', 'scheme'],
    ['chrome:', 'chrome://settings', [], 'navigation', 'scheme'],
    ['chrome-extension:', 'chrome-extension://abc/x.html', [], 'subresource', 'scheme'],
    ['view-source:', 'view-source:https://example.org/', [], 'navigation', 'scheme'],
    ['ftp:', 'ftp://example.org/x', [], 'navigation', 'scheme'],
    ['about:blank', 'about:blank', [], 'navigation', 'allow'],
    ['about:config', 'about:config', [], 'navigation', 'scheme'],
    ['an http step to ws:', 'ws://example.org/', ['93.184.215.14'], 'http', 'scheme'],
    ['a page websocket to a public host', 'wss://example.org/s', ['93.184.215.14'], 'subresource', 'allow'],
    ['a page websocket to loopback', 'ws://127.0.0.1:9/s', ['127.0.0.1'], 'subresource', 'loopback'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', ['169.254.169.254'], 'http', 'link-local'],
    ['IPv6 link-local', 'http://[fe80::1]/', ['fe80::1'], 'navigation', 'link-local'],
    ['loopback', 'http://127.0.0.1:3000/', ['127.0.0.1'], 'navigation', 'loopback'],
    ['loopback in another /8 address', 'http://127.45.0.2/', ['127.45.0.2'], 'navigation', 'loopback'],
    ['IPv6 loopback', 'http://[::1]/', ['::1'], 'navigation', 'loopback'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/', ['::ffff:7f00:1'], 'navigation', 'loopback'],
    ['the unspecified address', 'http://0.0.0.0:80/', ['0.0.0.0'], 'http', 'unspecified'],
    ['multicast', 'http://239.1.1.1/', ['239.1.1.1'], 'http', 'multicast'],
    ['a name that resolves to loopback', 'http://localhost:5432/', ['::1', '127.0.0.1'], 'http', 'loopback'],
    ['a name with one public and one internal address (rebinding)', 'http://rebind.example/', ['93.184.215.14', '169.254.169.254'], 'navigation', 'link-local'],
    ['a cluster service address', 'http://10.96.0.1:443/', ['10.96.0.1'], 'http', 'cluster'],
    ['a pod address', 'http://10.244.3.7:8080/', ['10.244.3.7'], 'subresource', 'cluster'],
    ['a cluster IPv6 address', 'http://[fd00:10:96::1]/', ['fd00:10:96::1'], 'http', 'cluster'],
    ['an ordinary private network (not the cluster)', 'http://192.168.1.20/', ['192.168.1.20'], 'navigation', 'allow'],
    ['a name that does not resolve', 'http://nowhere.invalid/', [], 'navigation', 'unresolved'],
  ])('without exceptions: %s', (_name, url, addresses, purpose, want) => {
    const d = decideEgress(new URL(url), addresses, strict, purpose);
    expect(d.allow ? 'allow' : d.rule).toBe(want);
  });

  it.each<Row>([
    ['an allowed single address', 'http://10.96.0.10/', ['10.96.0.10'], 'http', 'allow'],
    ['a neighbour of the allowed address', 'http://10.96.0.11/', ['10.96.0.11'], 'http', 'cluster'],
    ['loopback on the allowed port', 'http://127.0.0.1:8080/x', ['127.0.0.1'], 'navigation', 'allow'],
    ['loopback on another port', 'http://127.0.0.1:8081/x', ['127.0.0.1'], 'navigation', 'loopback'],
    ['IPv6 loopback on the allowed port', 'http://[::1]:9000/', ['::1'], 'http', 'allow'],
    ['a subdomain of the wildcard', 'http://reports.team-a.svc.cluster.local/', ['10.96.4.4'], 'http', 'allow'],
    ['the wildcard base itself', 'http://svc.cluster.local/', ['10.96.4.4'], 'http', 'cluster'],
    ['a host on its allowed port', 'http://metrics.internal:9090/', ['10.100.0.1'], 'http', 'allow'],
    ['a host on another port', 'http://metrics.internal/', ['169.254.1.1'], 'http', 'link-local'],
    ['an allowed link-local range', 'http://169.254.10.7/', ['169.254.10.7'], 'http', 'allow'],
    ['the metadata address outside the allowed range', 'http://169.254.169.254/', ['169.254.169.254'], 'http', 'link-local'],
    ['file: stays refused whatever is allowed', 'file:///etc/hosts', [], 'navigation', 'scheme'],
  ])('with exceptions: %s', (_name, url, addresses, purpose, want) => {
    const d = decideEgress(new URL(url), addresses, allowing, purpose);
    expect(d.allow ? 'allow' : d.rule).toBe(want);
  });

  it('names the host and the rule in the step error, never the path or the query', () => {
    const d = decideEgress(new URL('http://169.254.169.254/latest/meta-data/iam?token=s3cr3t'), ['169.254.169.254'], strict, 'http');
    if (d.allow) throw new Error('expected a refusal');
    const msg = refusalMessage(d, 'http');
    expect(msg).toBe(
      'egress refused (link-local): http request to 169.254.169.254 — 169.254.169.254, in the link-local range 169.254.0.0/16; a RobotPool may allow it in spec.network.allow',
    );
    expect(msg).not.toContain('s3cr3t');
    expect(msg).not.toContain('meta-data');
  });

  it('keeps the query and the credentials of a URL out of logs', () => {
    expect(loggableUrl('https://user:pw@example.org:8443/a/b?token=x#f')).toBe('https://example.org:8443/a/b?…');
    expect(loggableUrl('file:///proc/self/environ')).toBe('file:…');
    expect(loggableUrl('not a url')).toBe('(not a URL)');
  });
});

describe('compileEgressPolicy and the allow-list syntax', () => {
  it('reports every bad entry at once', () => {
    let err: unknown;
    try {
      compileEgressPolicy({ allow: ['10.0.0.0/8', 'exa mple.org', '10.0.0.0/33', 'host:0'], clusterCidrs: ['nope'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EgressPolicyError);
    expect((err as EgressPolicyError).problems).toEqual([
      'allow[1] "exa mple.org" is neither a CIDR nor a host[:port] (letters, digits, "-", ".", an optional leading "*.")',
      'allow[2] "10.0.0.0/33" is not a CIDR (e.g. 10.20.0.0/16)',
      'allow[3] "host:0": the port must be 1 to 65535',
      'clusterCidrs: "nope" is not a CIDR',
    ]);
  });

  it.each([
    ['10.0.0.0/8', { kind: 'cidr', address: '10.0.0.0', prefix: 8, family: 4 }],
    ['fd00::/8', { kind: 'cidr', address: 'fd00::', prefix: 8, family: 6 }],
    ['10.1.2.3', { kind: 'cidr', address: '10.1.2.3', prefix: 32, family: 4 }],
    ['*.Corp.Example', { kind: 'host', host: 'corp.example', wildcard: true }],
    ['api.svc:8443', { kind: 'host', host: 'api.svc', wildcard: false, port: 8443 }],
    ['[::1]:8080', { kind: 'host', host: '::1', wildcard: false, port: 8080 }],
  ])('parses %s', (raw, want) => {
    expect(parseAllowEntry(raw)).toMatchObject(want);
  });

  it('validates spec.network.allow in the RobotPool schema, naming the entry', () => {
    const bad = RobotPoolSpec.safeParse({ image: 'r', network: { allow: ['10.0.0.0/8', '*.ok.example', '300.1.1.1/8'] } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['network.allow.2', '"300.1.1.1/8" is not a CIDR (e.g. 10.20.0.0/16)'],
    ]);
    expect(RobotPoolSpec.parse({ image: 'r', network: { allow: ['10.0.0.0/8', 'reports.svc:8443'] } }).network?.allow).toHaveLength(2);
  });
});
