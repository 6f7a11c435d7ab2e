// The robot's audit trail: every credential use, every refused use and every egress refusal of a job
// lands in aether.audit_log and as a Kubernetes Event on its RpaJob. Never a value: slot, Secret, usage,
// host, step and rule only.
//
// Throttling: a credential used in a 10,000-item forEach must not write 10,000 rows or Events.
// - Rows are aggregated: identical records of one job (same action, slot, Secret, usage, host, step with
//   forEach indices folded to [*], rule) within one flush window (2 s, and at the end of every attempt)
//   become one row with details.count and details.firstAt/lastAt.
// - Events: one per identical record per job and robot process (the first); the rows count the rest.
//   Uses are Normal (CredentialUsed); refusals are Warning (CredentialScopeDenied, EgressRefused).
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { insertAudit } from '../../../api/queue/sql/runs.js';
import { REASONS } from '../../../api/v1alpha1/reasons.js';
import type { CredentialAudit, CredentialDenialRecord, CredentialUseRecord } from '../credscope/enforce.js';
import type { EgressRefusal } from '../egress/guard.js';
import type { JobEventWriter } from './events.js';

export interface AuditedJob {
  namespace: string;
  name: string;
  uid: string;
}

export interface JobAudit {
  credentials: CredentialAudit;
  egressRefused(r: EgressRefusal): void;
  /** Writes what is buffered for this job (the end of an attempt). */
  flush(): Promise<void>;
}

export interface AuditSink {
  forJob(job: AuditedJob, attempt: number): JobAudit;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const AUDIT_ACTIONS = {
  credentialUsed: 'credential.used',
  credentialDenied: 'credential.denied',
  egressRefused: 'egress.refused',
} as const;

interface Pending {
  job: AuditedJob;
  action: string;
  details: Record<string, unknown>;
  count: number;
  firstAt: Date;
  lastAt: Date;
}

/** forEach iterations fold into one key: `rows[17].typeToken` -> `rows[*].typeToken`. */
export function foldStep(path: string): string {
  return path.replace(/\[\d+\]/g, '[*]');
}

export function createAuditSink(opts: {
  db: pg.Pool;
  /** Absent (local mode): rows only. */
  events?: JobEventWriter;
  logger: Logger;
  /** e.g. `robot/<pod>`. */
  actor: string;
  flushIntervalMs?: number;
}): AuditSink {
  const pending = new Map<string, Pending>();
  /** Event keys already sent, per job UID (forgotten when the job's audit is flushed at the end of an attempt... kept bounded). */
  const evented = new Map<string, Set<string>>();
  let writing: Promise<void> = Promise.resolve();

  const add = (job: AuditedJob, action: string, details: Record<string, unknown>, event: { type: 'Normal' | 'Warning'; reason: (typeof REASONS)[keyof typeof REASONS]; message: string }) => {
    const key = JSON.stringify([job.uid, action, details]);
    const now = new Date();
    const p = pending.get(key);
    if (p) {
      p.count++;
      p.lastAt = now;
    } else pending.set(key, { job, action, details, count: 1, firstAt: now, lastAt: now });
    if (opts.events) {
      let sent = evented.get(job.uid);
      if (!sent) {
        sent = new Set();
        evented.set(job.uid, sent);
        if (evented.size > 1000) evented.delete(evented.keys().next().value!);
      }
      const eventKey = `${action}\u0000${event.message}`;
      if (!sent.has(eventKey)) {
        sent.add(eventKey);
        void opts.events.record(job, event);
      }
    }
  };

  const flushNow = (uid?: string): Promise<void> => {
    const batch: Pending[] = [];
    for (const [k, p] of pending) {
      if (uid !== undefined && p.job.uid !== uid) continue;
      batch.push(p);
      pending.delete(k);
    }
    if (batch.length === 0) return writing;
    writing = writing.then(async () => {
      for (const p of batch) {
        try {
          await insertAudit(opts.db, {
            actor: opts.actor,
            action: p.action,
            namespace: p.job.namespace,
            name: p.job.name,
            runUid: p.job.uid,
            details: { ...p.details, count: p.count, firstAt: p.firstAt.toISOString(), lastAt: p.lastAt.toISOString() },
          });
        } catch (err) {
          opts.logger.warn({ err: err instanceof Error ? err.message : String(err), action: p.action, jobUid: p.job.uid }, 'audit record not written');
        }
      }
    });
    return writing;
  };

  const timer = setInterval(() => void flushNow(), opts.flushIntervalMs ?? 2_000);
  timer.unref();

  return {
    forJob(job, attempt) {
      const use = (u: CredentialUseRecord) => ({ slot: u.slot, secret: u.secret, usage: u.usage, host: u.host, step: foldStep(u.step), source: u.source, attempt });
      return {
        credentials: {
          used: (u) =>
            add(job, AUDIT_ACTIONS.credentialUsed, use(u), {
              type: 'Normal',
              reason: REASONS.CredentialUsed,
              message: `credential ${u.slot} (Secret ${u.secret}) used for ${u.usage} at ${u.host}`,
            }),
          denied: (d: CredentialDenialRecord) =>
            add(job, AUDIT_ACTIONS.credentialDenied, { ...use(d), reason: d.reason }, {
              type: 'Warning',
              reason: REASONS.CredentialScopeDenied,
              message:
                d.usage === 'bind'
                  ? `credential ${d.slot} refused: Secret ${d.secret} ${d.reason} (step ${foldStep(d.step)})`
                  : `credential ${d.slot} (Secret ${d.secret}) refused for ${d.usage} at ${d.host} (step ${foldStep(d.step)}): ${d.reason}`,
            }),
        },
        egressRefused: (r) =>
          add(job, AUDIT_ACTIONS.egressRefused, { purpose: r.purpose, rule: r.rule, target: r.target, reason: r.reason, attempt }, {
            type: 'Warning',
            reason: REASONS.EgressRefused,
            message: `${r.purpose} to ${r.target} refused (${r.rule}): ${r.reason}`,
          }),
        flush: () => flushNow(job.uid),
      };
    },
    flush: () => flushNow(),
    async close() {
      clearInterval(timer);
      await flushNow();
      await opts.events?.drain();
    },
  };
}
