import { describe, expect, it } from '@jest/globals';
import { compileTargetPolicy, decideTarget, decideUrl } from './target.js';

const strict = compileTargetPolicy({ allowPrivateNetworks: false, allowedHosts: [] });
const privateOk = compileTargetPolicy({ allowPrivateNetworks: true, allowedHosts: [] });
const listed = compileTargetPolicy({ allowPrivateNetworks: false, allowedHosts: ['127.0.0.1', 'hooks.internal', '10.1.0.0/16'] });

describe('decideTarget (addresses)', () => {
  it.each([
    ['a public address', strict, 'https://hooks.example.com/x', ['93.184.216.34'], true, undefined],
    ['loopback', strict, 'https://hooks.example.com/x', ['127.0.0.1'], false, 'loopback'],
    ['IPv6 loopback', strict, 'https://hooks.example.com/x', ['::1'], false, 'loopback'],
    ['IPv4-mapped loopback', strict, 'https://hooks.example.com/x', ['::ffff:127.0.0.1'], false, 'loopback'],
    ['the metadata address', strict, 'https://hooks.example.com/x', ['169.254.169.254'], false, 'link-local'],
    ['a private address', strict, 'https://hooks.example.com/x', ['10.0.0.5'], false, 'private'],
    ['a private address among public ones', strict, 'https://hooks.example.com/x', ['93.184.216.34', '192.168.1.2'], false, 'private'],
    ['IPv6 ULA', strict, 'https://hooks.example.com/x', ['fd00::1'], false, 'private'],
    ['unresolved', strict, 'https://hooks.example.com/x', [], false, 'unresolved'],
    ['a private address with allowPrivateNetworks', privateOk, 'https://hooks.example.com/x', ['10.0.0.5'], true, undefined],
    ['metadata even with allowPrivateNetworks', privateOk, 'https://hooks.example.com/x', ['169.254.169.254'], false, 'link-local'],
    ['loopback even with allowPrivateNetworks', privateOk, 'https://hooks.example.com/x', ['127.0.0.1'], false, 'loopback'],
    ['a listed host resolving to loopback', listed, 'https://hooks.internal/x', ['127.0.0.1'], true, undefined],
    ['a listed CIDR', listed, 'https://other.example.com/x', ['10.1.2.3'], true, undefined],
    ['outside the listed CIDR', listed, 'https://other.example.com/x', ['10.2.0.1'], false, 'private'],
  ])('%s', (_what, policy, url, addresses, allow, rule) => {
    const d = decideTarget(new URL(url), addresses, policy);
    expect(d.allow).toBe(allow);
    if (!d.allow) expect(d.rule).toBe(rule);
  });

  it('names the chart value that would allow a private target', () => {
    const d = decideTarget(new URL('https://h.example/x'), ['10.0.0.5'], strict);
    expect(d).toMatchObject({ allow: false, reason: expect.stringContaining('notifications.allowPrivateNetworks') });
  });
});

describe('decideUrl (the URL alone)', () => {
  it.each([
    ['https to a name: addresses decide', strict, 'https://hooks.example.com/x', undefined],
    ['http to an unlisted host', strict, 'http://hooks.example.com/x', 'scheme'],
    ['http to a listed address', listed, 'http://127.0.0.1:8080/hook', 'allow'],
    ['http to a listed host', listed, 'http://hooks.internal/hook', undefined],
    ['an IP literal in loopback', strict, 'https://127.0.0.1/x', 'loopback'],
    ['an IPv6 literal in loopback', strict, 'https://[::1]/x', 'loopback'],
    ['the metadata address', strict, 'https://169.254.169.254/latest/meta-data', 'link-local'],
    ['a public IP literal', strict, 'https://93.184.216.34/x', 'allow'],
    ['credentials in the URL', strict, 'https://u:p@hooks.example.com/x', 'credentials'],
    ['ftp', strict, 'ftp://hooks.example.com/x', 'scheme'],
  ])('%s', (_what, policy, url, expected) => {
    const d = decideUrl(new URL(url), policy);
    if (expected === undefined) expect(d).toBeUndefined();
    else if (expected === 'allow') expect(d).toEqual({ allow: true });
    else expect(d).toMatchObject({ allow: false, rule: expected });
  });

  it('refuses a bad allowedHosts entry at start', () => {
    expect(() => compileTargetPolicy({ allowPrivateNetworks: false, allowedHosts: ['not a host!'] })).toThrow(/notifications.allowedHosts/);
  });
});
