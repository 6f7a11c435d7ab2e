// The robot's credential scope check at the moment of use: after templating, before the value leaves
// (typed into a page, or sent by an http step), every slot the value came from is checked against its
// Secret's scope with the final URL. A refusal is logged once, told to the audit hook, and thrown as a
// step error that names the slot, the Secret, the usage and the host — never the value.
import type { Logger } from '../../../api/log.js';
import type { CredentialUsage } from '../../../api/v1alpha1/credential-scope.js';
import { decideCredentialUse, hostOfUrl, type CredentialGrant } from './decide.js';

/** What the audit path is told about one use (or refused use) of a credential. Never a value. */
export interface CredentialUseRecord {
  slot: string;
  secret: string;
  /** `bind`: the Secret refused the job's binding itself (allowed-workflows, a bad annotation). */
  usage: CredentialUsage | 'bind';
  /** `host[:port]` of the destination. */
  host: string;
  /** The step's checkpoint name (`rows[3].typePassword`). */
  step: string;
  /** Where the rules came from: the Secret's annotation, the default, or local mode. */
  source: CredentialGrant['source'];
}

export interface CredentialDenialRecord extends CredentialUseRecord {
  reason: string;
}

/** The audit hooks (aether.audit_log and Events are wired in the agent). */
export interface CredentialAudit {
  used?(u: CredentialUseRecord): void;
  denied?(d: CredentialDenialRecord): void;
}

export class CredentialScopeDeniedError extends Error {
  readonly reason = 'CredentialScopeDenied' as const;
  /** Whether the audit hook has been told (a binding refusal is told by the engine, which knows the step). */
  audited: boolean;
  constructor(
    readonly denial: CredentialDenialRecord,
    message: string,
    opts: { audited: boolean } = { audited: true },
  ) {
    super(message);
    this.name = 'CredentialScopeDeniedError';
    this.audited = opts.audited;
  }
}

/** The Secret itself refuses the binding (read time): audited by the engine with the step it happened in. */
export function bindingRefused(o: { slot: string; secret: string; reason: string }): CredentialScopeDeniedError {
  return new CredentialScopeDeniedError(
    { slot: o.slot, secret: o.secret, usage: 'bind', host: '', step: '', source: 'annotation', reason: o.reason },
    `credential ${o.slot} may not be bound to Secret ${o.secret}: ${o.reason} [CredentialScopeDenied]`,
    { audited: false },
  );
}

/** For log lines: the logger redacts fields named `secret`, so the Secret's name goes as `secretName`. */
export function loggable(r: CredentialUseRecord | CredentialDenialRecord): Record<string, unknown> {
  const { secret, ...rest } = r;
  return { ...rest, secretName: secret };
}

/** A slot read before, by name: its Secret and scope. */
export type GrantLookup = (slot: string) => Promise<{ secret: string; grant: CredentialGrant }>;

export interface UseCheck {
  slots: readonly string[];
  usage: CredentialUsage;
  /** The final URL: the page's (fill) or the request hop's (http). */
  url: string;
  step: string;
  /** Said in the message before the refusal, e.g. `the redirect from a.example to b.example:`. */
  context?: string;
}

/** Checks every slot of one use; throws CredentialScopeDeniedError on the first refused one. */
export async function authorizeCredentialUse(
  c: UseCheck,
  deps: { lookup: GrantLookup; audit?: CredentialAudit; logger: Logger },
): Promise<void> {
  const allowed: CredentialUseRecord[] = [];
  for (const slot of new Set(c.slots)) {
    const { secret, grant } = await deps.lookup(slot);
    const record: CredentialUseRecord = { slot, secret, usage: c.usage, host: hostOfUrl(c.url), step: c.step, source: grant.source };
    const d = decideCredentialUse(grant, c.usage, c.url);
    if (d.allow) {
      allowed.push(record);
      continue;
    }
    const denial: CredentialDenialRecord = { ...record, reason: d.reason };
    deps.logger.warn({ credential: loggable(denial) }, 'credential use refused');
    try {
      deps.audit?.denied?.(denial);
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'the credential audit hook failed');
    }
    throw new CredentialScopeDeniedError(
      denial,
      `${c.context ? `${c.context} ` : ''}credential ${slot} (Secret ${secret}) may not be used for ${c.usage} at ${record.host}: ${d.reason} [CredentialScopeDenied]`,
    );
  }
  for (const u of allowed) {
    try {
      deps.audit?.used?.(u);
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'the credential audit hook failed');
    }
  }
}
