// Where a robot (and the operator's notification sender) may send a request: one pure decision from the URL, the addresses its host resolved
// to and the pool's policy. Everything that reaches the network (goto, http and its redirects, the
// browser's subresources and redirects) asks this function; see README "Egress".
import { BlockList, isIP } from 'node:net';
import { parseAllowList, type AllowEntry } from '../v1alpha1/network.js';

/** What the request is for: a page navigation (goto, a frame, a popup), a page's subresource, or an `http` step. */
export type EgressPurpose = 'navigation' | 'subresource' | 'http';

export type EgressDecision =
  | { allow: true; rule: string }
  | {
      allow: false;
      /** The rule that refused it: `scheme`, `loopback`, `link-local`, `cluster`, ... */
      rule: string;
      /** Host (or scheme) as it may be logged: never a path or a query. */
      target: string;
      reason: string;
    };

export interface EgressPolicy {
  /** The pool's exceptions (`spec.network.allow`). */
  allow: readonly AllowEntry[];
  /** The cluster's service and pod ranges: refused like loopback unless allowed. */
  clusterCidrs: readonly AllowEntry[];
  /** Built by compileEgressPolicy from the two lists. */
  readonly ranges: { allowed: BlockList; refused: Array<{ rule: string; list: BlockList; cidr: string }> };
}

/** Ranges no robot reaches unless its pool allows them. */
const REFUSED_RANGES: ReadonlyArray<{ rule: string; cidr: string }> = [
  { rule: 'loopback', cidr: '127.0.0.0/8' },
  { rule: 'loopback', cidr: '::1/128' },
  { rule: 'link-local', cidr: '169.254.0.0/16' },
  { rule: 'link-local', cidr: 'fe80::/10' },
  { rule: 'unspecified', cidr: '0.0.0.0/8' },
  { rule: 'unspecified', cidr: '::/128' },
  { rule: 'multicast', cidr: '224.0.0.0/4' },
  { rule: 'multicast', cidr: 'ff00::/8' },
  { rule: 'broadcast', cidr: '255.255.255.255/32' },
];

export class EgressPolicyError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid egress policy: ${problems.join('; ')}`);
    this.name = 'EgressPolicyError';
  }
}

function subnet(list: BlockList, e: Extract<AllowEntry, { kind: 'cidr' }>): void {
  list.addSubnet(e.address, e.prefix, e.family === 4 ? 'ipv4' : 'ipv6');
}

/** The policy from the pool's allow list and the cluster's CIDRs; throws EgressPolicyError naming every bad entry. */
export function compileEgressPolicy(opts: { allow?: readonly string[]; clusterCidrs?: readonly string[] } = {}): EgressPolicy {
  const allow = parseAllowList(opts.allow ?? []);
  const cluster = parseAllowList(opts.clusterCidrs ?? []);
  const problems = [
    ...allow.problems.map((p) => `allow${p}`),
    ...cluster.problems.map((p) => `clusterCidrs${p}`),
    ...cluster.entries.filter((e) => e.kind !== 'cidr').map((e) => `clusterCidrs: ${JSON.stringify(e.source)} is not a CIDR`),
  ];
  if (problems.length > 0) throw new EgressPolicyError(problems);
  const allowed = new BlockList();
  for (const e of allow.entries) if (e.kind === 'cidr') subnet(allowed, e);
  const refused = [
    ...REFUSED_RANGES.map(({ rule, cidr }) => {
      const [address, prefix] = cidr.split('/') as [string, string];
      const list = new BlockList();
      list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
      return { rule, list, cidr };
    }),
    ...cluster.entries.flatMap((e) => {
      if (e.kind !== 'cidr') return [];
      const list = new BlockList();
      subnet(list, e);
      return [{ rule: 'cluster', list, cidr: e.source }];
    }),
  ];
  return { allow: allow.entries, clusterCidrs: cluster.entries, ranges: { allowed, refused } };
}

/** The URL's host without IPv6 brackets, lower-case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** The URL as it may appear in a log or an error: scheme, host, port and path; no credentials, no query. */
export function loggableUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') return `${u.protocol}…`;
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

function portOf(url: URL): number {
  return url.port ? Number(url.port) : (DEFAULT_PORT[url.protocol] ?? 0);
}

function hostMatches(e: Extract<AllowEntry, { kind: 'host' }>, host: string, port: number): boolean {
  if (e.port !== undefined && e.port !== port) return false;
  return e.wildcard ? host.endsWith(`.${e.host}`) : host === e.host;
}

const family = (a: string) => (isIP(a) === 6 ? 'ipv6' : 'ipv4');

/**
 * The scheme part of the decision, before any address is known: undefined when the URL goes to the
 * network and its addresses decide.
 */
export function decideScheme(url: URL, purpose: EgressPurpose): EgressDecision | undefined {
  const p = url.protocol;
  const refuse = (why: string): EgressDecision => ({ allow: false, rule: 'scheme', target: p, reason: why });
  if (p === 'http:' || p === 'https:') return undefined;
  if (p === 'ws:' || p === 'wss:') return purpose === 'http' ? refuse(`${p} is not an http step's scheme`) : undefined;
  if (purpose === 'http') return refuse(`an http step may use http: and https: only`);
  if (p === 'about:') return url.href === 'about:blank' || (purpose === 'subresource' && url.href === 'about:srcdoc')
    ? { allow: true, rule: 'about:blank' }
    : refuse(`only about:blank is allowed`);
  // Inline content a page already holds; a page may use it, a goto may not open it.
  if ((p === 'data:' || p === 'blob:') && purpose === 'subresource') return { allow: true, rule: `${p} subresource` };
  return refuse(`${p} URLs are refused (only http:, https: and about:blank)`);
}

/**
 * Allow or refuse a request to `url` whose host resolved to `addresses` (an IP host: itself). Every
 * address must pass: a host that resolves to one public and one internal address is refused.
 */
export function decideEgress(url: URL, addresses: readonly string[], policy: EgressPolicy, purpose: EgressPurpose): EgressDecision {
  const scheme = decideScheme(url, purpose);
  if (scheme) return scheme;
  const host = hostOf(url);
  const port = portOf(url);
  const target = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  const byHost = policy.allow.find((e) => e.kind === 'host' && hostMatches(e, host, port));
  if (byHost) return { allow: true, rule: `allow ${byHost.source}` };
  if (addresses.length === 0) return { allow: false, rule: 'unresolved', target, reason: `${host} did not resolve to any address` };
  for (const a of addresses) {
    if (policy.ranges.allowed.check(a, family(a))) continue;
    const hit = policy.ranges.refused.find((r) => r.list.check(a, family(a)));
    if (hit)
      return {
        allow: false,
        rule: hit.rule,
        target,
        reason: `${host === a ? a : `${host} resolves to ${a}`}, in ${hit.rule === 'cluster' ? "the cluster's range" : `the ${hit.rule} range`} ${hit.cidr}`,
      };
  }
  return { allow: true, rule: 'public' };
}

/** The step error for a refusal: the host (or scheme) and the rule, never a path or query. */
export function refusalMessage(d: Extract<EgressDecision, { allow: false }>, purpose: EgressPurpose): string {
  const what = purpose === 'http' ? 'http request' : purpose === 'navigation' ? 'navigation' : 'page request';
  const hint = d.rule === 'scheme' ? '' : "; a RobotPool may allow it in spec.network.allow";
  return `egress refused (${d.rule}): ${what} to ${d.target} — ${d.reason}${hint}`;
}
