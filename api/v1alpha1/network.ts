// A RobotPool's egress exceptions (`spec.network.allow`) and the cluster's internal ranges: the syntax
// of one entry, parsed once here for the CRD schema, the operator's validation and the robot.
//
//   10.20.0.0/16, fd00:1::/64     a CIDR: every address in it
//   10.20.0.7, ::1                one address (a /32 or /128)
//   intranet.corp, *.svc.cluster.local, reports.svc:8443, 127.0.0.1:8080, [::1]:8080
//                                 a host (a leading `*.` matches any subdomain), optionally one port
import { isIP } from 'node:net';
import { z } from 'zod';

export type AllowEntry =
  | { kind: 'cidr'; address: string; prefix: number; family: 4 | 6; source: string }
  | { kind: 'host'; host: string; wildcard: boolean; port?: number; source: string };

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Parses one entry; a string is the reason it is not one. */
export function parseAllowEntry(raw: string): AllowEntry | string {
  const source = raw.trim();
  if (source === '') return 'must not be empty';
  if (source.length > 260) return 'must be at most 260 characters';
  const slash = source.indexOf('/');
  if (slash >= 0) return parseCidr(source, slash) ?? `${JSON.stringify(source)} is not a CIDR (e.g. 10.20.0.0/16)`;
  const family = isIP(source);
  if (family !== 0) return { kind: 'cidr', address: source.toLowerCase(), prefix: family === 4 ? 32 : 128, family: family === 4 ? 4 : 6, source };
  let host = source.toLowerCase();
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) return `${JSON.stringify(source)}: brackets hold an IPv6 address`;
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else {
    const m = /^(.*):(\d+)$/.exec(host);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (port !== undefined && !(port >= 1 && port <= 65535)) return `${JSON.stringify(source)}: the port must be 1 to 65535`;
  if (isIP(host) !== 0) return { kind: 'host', host, wildcard: false, ...(port !== undefined && { port }), source };
  const wildcard = host.startsWith('*.');
  const name = wildcard ? host.slice(2) : host;
  const labels = name.split('.');
  if (name.length > 253 || labels.some((l) => !HOST_LABEL.test(l)))
    return `${JSON.stringify(source)} is neither a CIDR nor a host[:port] (letters, digits, "-", ".", an optional leading "*.")`;
  return { kind: 'host', host: name, wildcard, ...(port !== undefined && { port }), source };
}

function parseCidr(source: string, slash: number): AllowEntry | undefined {
  const address = source.slice(0, slash).toLowerCase();
  const bits = source.slice(slash + 1);
  const family = isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  return { kind: 'cidr', address, prefix, family: family as 4 | 6, source };
}

/** Parses a list; every bad entry is reported (`[index] reason`). */
export function parseAllowList(raw: readonly string[]): { entries: AllowEntry[]; problems: string[] } {
  const entries: AllowEntry[] = [];
  const problems: string[] = [];
  raw.forEach((r, i) => {
    const e = parseAllowEntry(r);
    if (typeof e === 'string') problems.push(`[${i}] ${e}`);
    else entries.push(e);
  });
  return { entries, problems };
}

/** The characters an entry may hold at all (the API server's coarse check; zod gives the precise reason). */
const ENTRY_PATTERN = /^[0-9A-Za-z.:*\-/[\]]+$/;

export const AllowEntryString = z
  .string()
  .min(1)
  .max(260)
  .regex(ENTRY_PATTERN, 'must be a CIDR (10.20.0.0/16) or a host[:port] (*.corp.example, api.svc:8443)')
  .superRefine((v, ctx) => {
    const e = parseAllowEntry(v);
    if (typeof e === 'string') ctx.addIssue({ code: 'custom', message: e });
  });

export const NetworkSpec = z.strictObject({
  /**
   * Destinations the pool's robots may reach although the robot refuses them by default (loopback,
   * link-local, the cluster's service and pod ranges): CIDRs and host[:port] patterns.
   */
  allow: z.array(AllowEntryString).max(64).optional(),
});
export type NetworkSpec = z.output<typeof NetworkSpec>;
