// Credential scope decisions (pure): may a value of a Secret be used this way at this URL? The rules
// come from the Secret's owner (api/v1alpha1/credential-scope.ts) or, without an annotation, from the
// safe default below. The robot asks at the moment of use, after templating, with the final URL (the
// page's and the frame's for `fill`, every hop of an `http` request).
import type { CredentialScopeRule, CredentialUsage } from '../../../api/v1alpha1/credential-scope.js';
import type { Step, WorkflowSpec } from '../../../api/v1alpha1/workflow.js';

/**
 * The rules that apply to one Secret, and where they came from (for messages and the audit log).
 * `local` (`aether run` with the user's own files) allows every http(s) use.
 */
export interface CredentialGrant {
  rules: readonly CredentialScopeRule[];
  source: 'annotation' | 'default' | 'local';
}

export type ScopeDecision = { allow: true; rule: string } | { allow: false; reason: string };

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

function effectivePort(u: URL): string {
  return u.port || DEFAULT_PORTS[u.protocol] || '';
}

/** `host[:port]` of a URL, for messages and the audit log (never its path or query). */
export function hostOfUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return u.host || u.protocol;
  } catch {
    return '(not a URL)';
  }
}

function hostMatches(rule: string, u: URL): boolean {
  if (u.protocol !== 'https:') return false;
  const [name, port] = rule.split(':') as [string, string | undefined];
  if (effectivePort(u) !== (port ?? '443')) return false;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (name.startsWith('*.')) {
    const suffix = name.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return host === name;
}

function prefixMatches(prefix: string, u: URL): boolean {
  let p: URL;
  try {
    p = new URL(prefix);
  } catch {
    return false;
  }
  if (p.protocol !== u.protocol || p.hostname !== u.hostname || effectivePort(p) !== effectivePort(u)) return false;
  const base = p.pathname;
  if (base === '/' || u.pathname === base) return true;
  return u.pathname.startsWith(base.endsWith('/') ? base : `${base}/`);
}

function describeRule(r: CredentialScopeRule): string {
  return `${r.host !== undefined ? `host ${r.host}` : `urlPrefix ${r.urlPrefix}`} (${r.usages.join(', ')})`;
}

/** Whether a value of a Secret with this grant may be used as `usage` at `url`. */
export function decideCredentialUse(grant: CredentialGrant, usage: CredentialUsage, url: string): ScopeDecision {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { allow: false, reason: 'the destination is not a URL' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { allow: false, reason: `${u.protocol} pages never receive credentials` };
  if (u.username !== '' || u.password !== '') return { allow: false, reason: 'the destination URL carries its own user info' };
  if (grant.source === 'local') return { allow: true, rule: 'local mode (the Secrets are your own files)' };
  for (const r of grant.rules) {
    if (!r.usages.includes(usage)) continue;
    if (r.host !== undefined ? hostMatches(r.host, u) : prefixMatches(r.urlPrefix!, u)) return { allow: true, rule: describeRule(r) };
  }
  const host = u.host;
  if (grant.rules.length === 0)
    return {
      allow: false,
      reason:
        grant.source === 'default'
          ? `the Secret has no rpa.aether.dev/credential-scope annotation, and the default allows no ${usage} use at ${host}`
          : `no rule allows ${usage} at ${host}`,
    };
  return { allow: false, reason: `no rule of the Secret's ${grant.source === 'default' ? 'default scope' : 'rpa.aether.dev/credential-scope'} allows ${usage} at ${host}` };
}

/**
 * The safe default for a Secret without a scope annotation: its values may only be typed (`fill`) into
 * pages of the origin (scheme, host, port) of the workflow's first top-level `goto`, and only when
 *   - the workflow is an RpaWorkflow the job references (an inline workflow is written by the job
 *     author, who must not choose where a Secret goes), and
 *   - that goto's URL is a literal http(s) URL (not templated: params come from the job author).
 * Otherwise nothing is allowed. `http` never sends a value without an explicit scope.
 */
export function defaultGrant(workflow: WorkflowSpec, opts: { referenced: boolean }): CredentialGrant {
  const none: CredentialGrant = { rules: [], source: 'default' };
  if (!opts.referenced) return none;
  const first = workflow.steps.find((s: Step) => s.action === 'goto') as Extract<Step, { action: 'goto' }> | undefined;
  if (!first || first.url.includes('{{')) return none;
  let u: URL;
  try {
    u = new URL(first.url);
  } catch {
    return none;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return none;
  return { rules: [{ urlPrefix: `${u.origin}/`, usages: ['fill'] }], source: 'default' };
}

/** `aether run` on the user's own machine: the Secrets are the user's files, no scope applies. */
export const LOCAL_GRANT: CredentialGrant = { rules: [], source: 'local' };
