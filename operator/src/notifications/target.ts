// Where the operator may POST a notification (SSRF guard), pure: the URL, the addresses its host resolved
// to and the chart's policy decide. The robot's egress rules (api/egress/decide.ts) do the
// address work: loopback, link-local (169.254.0.0/16, the cloud metadata address), unspecified, multicast
// are always refused; private ranges (RFC 1918, CGNAT, IPv6 ULA) unless notifications.allowPrivateNetworks.
// A host (or address, or CIDR) in notifications.allowedHosts passes whatever it resolves to, and is the
// only kind of host plain http may go to.
import { isIP } from 'node:net';
import { parseAllowList, type AllowEntry } from '../../../api/v1alpha1/network.js';
import { compileEgressPolicy, decideEgress, hostOf, type EgressDecision, type EgressPolicy } from '../../../api/egress/decide.js';

export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'] as const;

export interface TargetPolicy {
  egress: EgressPolicy;
  allowedHosts: readonly AllowEntry[];
  allowPrivateNetworks: boolean;
}

export type TargetDecision = { allow: true } | { allow: false; rule: string; reason: string };

/** The policy from the chart's values; throws naming every bad allowedHosts entry. */
export function compileTargetPolicy(opts: { allowPrivateNetworks: boolean; allowedHosts: readonly string[] }): TargetPolicy {
  const parsed = parseAllowList(opts.allowedHosts);
  if (parsed.problems.length > 0) throw new Error(`notifications.allowedHosts: ${parsed.problems.join('; ')}`);
  const egress = compileEgressPolicy({ allow: opts.allowedHosts, clusterCidrs: opts.allowPrivateNetworks ? [] : [...PRIVATE_RANGES] });
  return { egress, allowedHosts: parsed.entries, allowPrivateNetworks: opts.allowPrivateNetworks };
}

/** `::ffff:127.0.0.1` is 127.0.0.1: an IPv4-mapped address is judged as the IPv4 one. */
export function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

function listed(policy: TargetPolicy, url: URL): boolean {
  // An allowed address or CIDR matches through the egress policy's ranges; a host entry by name here.
  const host = hostOf(url);
  return policy.allowedHosts.some((e) => e.kind === 'host' && (e.wildcard ? host.endsWith(`.${e.host}`) : host === e.host) && (e.port === undefined || String(e.port) === (url.port || (url.protocol === 'https:' ? '443' : '80'))))
    || (isIP(host) !== 0 && policy.egress.ranges.allowed.check(unmapped(host), isIP(unmapped(host)) === 6 ? 'ipv6' : 'ipv4'));
}

/** The URL alone: its scheme, credentials, and an IP-literal host. Undefined: its addresses decide. */
export function decideUrl(url: URL, policy: TargetPolicy): TargetDecision | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { allow: false, rule: 'scheme', reason: `${url.protocol} is not http(s)` };
  if (url.username || url.password) return { allow: false, rule: 'credentials', reason: 'the URL carries credentials' };
  if (url.protocol === 'http:' && !listed(policy, url))
    return { allow: false, rule: 'scheme', reason: `plain http to ${url.host} is refused: use https, or list the host in notifications.allowedHosts` };
  const host = hostOf(url);
  return isIP(host) !== 0 ? decideTarget(url, [host], policy) : undefined;
}

/** Every address `url`'s host resolved to must pass (one internal address refuses the host). */
export function decideTarget(url: URL, addresses: readonly string[], policy: TargetPolicy): TargetDecision {
  const d: EgressDecision = decideEgress(url, addresses.map(unmapped), policy.egress, 'http');
  if (d.allow) return { allow: true };
  const rule = d.rule === 'cluster' ? 'private' : d.rule;
  const reason = d.rule === 'cluster' ? d.reason.replace("the cluster's range", 'the private range') : d.reason;
  const hint = rule === 'private' ? '; the chart value notifications.allowPrivateNetworks or notifications.allowedHosts allows it' : rule === 'unresolved' ? '' : '; notifications.allowedHosts may list it';
  return { allow: false, rule, reason: reason + hint };
}
