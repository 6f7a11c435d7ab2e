// The robot's egress check at the moment of use: resolve the host once, decide with the pure policy
// function, and on a refusal log one structured line, tell the audit hook and throw a step error.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { Logger } from '../../../api/log.js';
import { decideEgress, decideScheme, hostOf, refusalMessage, type EgressDecision, type EgressPolicy, type EgressPurpose } from './decide.js';

export type Refusal = Extract<EgressDecision, { allow: false }>;

/** What the audit path is told about a refusal (no path, no query: the host and the rule). */
export interface EgressRefusal {
  purpose: EgressPurpose;
  rule: string;
  target: string;
  reason: string;
}

export class EgressRefusedError extends Error {
  constructor(
    readonly refusal: EgressRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'EgressRefusedError';
  }
}

export type Resolver = (host: string) => Promise<string[]>;

/** Every address the system resolver gives for `host` (none when it does not resolve). */
export const systemResolver: Resolver = async (host) => {
  try {
    return (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return [];
  }
};

export interface CheckedUrl {
  url: URL;
  /** The addresses that were checked: connect to one of these, never resolve again. */
  addresses: string[];
}

export interface EgressGuard {
  readonly policy: EgressPolicy;
  /** Resolves and decides; throws EgressRefusedError (already logged and reported) on a refusal. */
  check(raw: string, purpose: EgressPurpose): Promise<CheckedUrl>;
}

export interface EgressGuardOptions {
  policy: EgressPolicy;
  logger: Logger;
  resolve?: Resolver;
  /** The audit hook: called once per refusal (Events / aether.audit_log belong there). */
  onRefused?: (r: EgressRefusal) => void;
}

export function createEgressGuard(opts: EgressGuardOptions): EgressGuard {
  const resolve = opts.resolve ?? systemResolver;
  const refuse = (d: Refusal, purpose: EgressPurpose): never => {
    const refusal: EgressRefusal = { purpose, rule: d.rule, target: d.target, reason: d.reason };
    opts.logger.warn({ egress: refusal }, 'egress refused');
    try {
      opts.onRefused?.(refusal);
    } catch (err) {
      opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'the egress audit hook failed');
    }
    throw new EgressRefusedError(refusal, refusalMessage(d, purpose));
  };
  return {
    policy: opts.policy,
    async check(raw, purpose) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return refuse({ allow: false, rule: 'scheme', target: '(not a URL)', reason: 'the URL does not parse' }, purpose);
      }
      const early = decideScheme(url, purpose);
      if (early && !early.allow) return refuse(early, purpose);
      if (early) return { url, addresses: [] };
      const host = hostOf(url);
      const addresses = isIP(host) !== 0 ? [host] : await resolve(host);
      const d = decideEgress(url, addresses, opts.policy, purpose);
      if (!d.allow) return refuse(d, purpose);
      return { url, addresses };
    },
  };
}
