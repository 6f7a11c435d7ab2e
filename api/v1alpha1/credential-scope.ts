// Credential scopes: where the values of a Secret may go, decided by the Secret's owner with two
// annotations on the Secret. The job author binds a Secret to a slot; the scope says where its values
// may be used, and the robot enforces it at the moment of use (robot-image/src/credscope/).
//
//   rpa.aether.dev/credential-scope: |
//     - urlPrefix: https://login.example.com/
//       usages: [fill]
//     - host: reports.example.com
//       usages: [header]
//   rpa.aether.dev/allowed-workflows: nightly-report, portal-login
//
// The scope is YAML (so JSON too): a list of rules, each with exactly one of `host` or `urlPrefix`, and
// the usages it allows. A bad annotation is a clear refusal of the credential, never a crash.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { issuesText } from '../zod-issues.js';

export const CREDENTIAL_SCOPE_ANNOTATION = 'rpa.aether.dev/credential-scope';
export const ALLOWED_WORKFLOWS_ANNOTATION = 'rpa.aether.dev/allowed-workflows';

/**
 * How a value is used: `fill` typed into a page (fill.value, press.key), or sent by an `http` step in a
 * `header`, the `body` or the `url`.
 */
export const CREDENTIAL_USAGES = ['fill', 'header', 'body', 'url'] as const;
export type CredentialUsage = (typeof CREDENTIAL_USAGES)[number];

/** `host`, `*.host` (strict subdomains), each optionally with `:port`. */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$/;

export const CredentialScopeRule = z
  .strictObject({
    /** https only; without a port, 443 only. `*.example.com` matches subdomains, not example.com itself. */
    host: z
      .string()
      .max(260)
      .transform((h) => h.toLowerCase())
      .refine((h) => HOST_PATTERN.test(h), { message: 'must be a host name, *.domain, optionally with :port (no scheme, no path)' })
      .optional(),
    /** An absolute http(s) URL: same scheme, host and port, and a path under this one (segment-wise). */
    urlPrefix: z
      .string()
      .max(2048)
      .refine(
        (u) => {
          try {
            const url = new URL(u);
            return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
          } catch {
            return false;
          }
        },
        { message: 'must be an absolute http:// or https:// URL without credentials, query or fragment' },
      )
      .optional(),
    usages: z.array(z.enum(CREDENTIAL_USAGES)).min(1).max(CREDENTIAL_USAGES.length),
  })
  .refine((r) => (r.host === undefined) !== (r.urlPrefix === undefined), { message: 'a rule needs exactly one of host or urlPrefix' });
export type CredentialScopeRule = z.infer<typeof CredentialScopeRule>;

export const CredentialScope = z.array(CredentialScopeRule).min(1).max(32);

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const MAX_ANNOTATION_CHARS = 16 * 1024;

/** The scope annotation's rules, or why it is not a scope (a message naming the annotation and field). */
export function parseCredentialScope(text: string): Parsed<CredentialScopeRule[]> {
  const where = `annotation ${CREDENTIAL_SCOPE_ANNOTATION}`;
  if (text.length > MAX_ANNOTATION_CHARS) return { ok: false, message: `${where} is longer than ${MAX_ANNOTATION_CHARS} characters` };
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 0 });
  } catch (err) {
    return { ok: false, message: `${where} is not YAML or JSON: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}` };
  }
  const r = CredentialScope.safeParse(raw);
  if (!r.success) return { ok: false, message: `${where} is invalid: ${issuesText(r.error.issues, { root: 'the list' })}` };
  return { ok: true, value: r.data };
}

const WORKFLOW_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** RpaWorkflow names (same namespace) that may bind the Secret: comma- or space-separated. */
export function parseAllowedWorkflows(text: string): Parsed<string[]> {
  const names = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = names.filter((n) => n.length > 253 || !WORKFLOW_NAME.test(n));
  if (bad.length > 0)
    return { ok: false, message: `annotation ${ALLOWED_WORKFLOWS_ANNOTATION} is invalid: ${bad.map((b) => JSON.stringify(b.slice(0, 60))).join(', ')} is not an RpaWorkflow name` };
  if (names.length === 0) return { ok: false, message: `annotation ${ALLOWED_WORKFLOWS_ANNOTATION} is empty (remove it, or name the RpaWorkflows that may bind the Secret)` };
  return { ok: true, value: names };
}

/** What a Secret's owner said, read from its annotations. */
export type SecretCredentialPolicy =
  | {
      ok: true;
      /** null: no scope annotation (the default applies). */
      rules: CredentialScopeRule[] | null;
      /** null: no allowed-workflows annotation (any workflow may bind it). */
      allowedWorkflows: string[] | null;
    }
  | { ok: false; message: string };

export function secretCredentialPolicy(annotations: Record<string, string> | undefined): SecretCredentialPolicy {
  const scopeText = annotations?.[CREDENTIAL_SCOPE_ANNOTATION];
  const workflowsText = annotations?.[ALLOWED_WORKFLOWS_ANNOTATION];
  const scope = scopeText === undefined ? null : parseCredentialScope(scopeText);
  const workflows = workflowsText === undefined ? null : parseAllowedWorkflows(workflowsText);
  const problems = [scope, workflows].flatMap((p) => (p && !p.ok ? [p.message] : []));
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  return {
    ok: true,
    rules: scope && scope.ok ? scope.value : null,
    allowedWorkflows: workflows && workflows.ok ? workflows.value : null,
  };
}
