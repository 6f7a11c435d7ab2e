// Reports a job's progress on its RpaJob's status subresource without ever blocking the work: each
// job has a latest-wins mailbox drained by one sender loop, at most one patch per `minIntervalMs`.
// Transient API errors are retried with backoff; a deleted job (404, or a new object with the same
// name) ends reporting for it; a rejected patch (400/403/422) is logged once and dropped — except a FINAL
// one, which is sent once more reduced to phase, completion time and error (minimalFinalPatch): a job
// must never stay Running because its last report carried a field the API server refuses.
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import { exponentialBackoffMs } from '../../../api/queue/backoff.js';
import { GROUP, PLURALS, VERSION } from '../../../api/v1alpha1/index.js';
import { isFinal, mergePatches, minimalFinalPatch, type StatusPatch } from './status.js';

export const RPAJOB = { group: GROUP, version: VERSION, plural: PLURALS.RpaJob } as const;

export interface JobRef {
  namespace: string;
  name: string;
  /** The RpaJob's UID: a re-created job with the same name is another job and is not reported on. */
  uid: string;
}

export interface JobReporter {
  /** Queues a patch; returns at once. Later patches win field by field. Ignored after a final phase. */
  update(patch: StatusPatch): void;
  /** Resolves once everything queued so far went out, or reporting for this job ended. */
  flush(): Promise<void>;
  /** True once the job is known to be gone (deleted or replaced). */
  readonly gone: boolean;
}

/** How a job's patches are fenced. */
export interface JobReportOptions {
  /**
   * Asked right before each patch goes out: false once this robot no longer holds the run (its fencing
   * token moved on). The patch is then dropped and reporting for the job ends: a stale holder never
   * overwrites the status the new holder reports.
   */
  mayWrite?: () => Promise<boolean>;
}

export interface StatusReporter {
  forJob(ref: JobRef, opts?: JobReportOptions): JobReporter;
  /** Waits up to `timeoutMs` for every job's queued patches to go out; true when all did. */
  drain(timeoutMs: number): Promise<boolean>;
}

export type SendOutcome = 'sent' | 'gone' | 'retry' | 'rejected';

/** How an API error is handled: retry the transient ones, stop on a deleted job, drop the rest. */
export function classifyError(err: unknown): Exclude<SendOutcome, 'sent'> {
  const code = err instanceof ApiException ? err.code : undefined;
  if (code === undefined) return 'retry'; // network: connection refused, reset, TLS, timeout
  if (code === 404) return 'gone';
  if (code === 409 || code === 429 || code >= 500) return 'retry';
  return 'rejected';
}

/** Exponential backoff with jitter (`random` in [0,1)), capped. */
export function retryDelayMs(failures: number, random: number, baseMs = 250, maxMs = 10_000): number {
  const ceiling = exponentialBackoffMs(Math.max(1, failures), { baseMs, maxMs });
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/** The same fields with the same values: resending it would be rejected the same way. */
function sameFields(a: StatusPatch, b: StatusPatch): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function errorText(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as { message?: string } | string | undefined;
    const message = typeof body === 'object' && body?.message ? body.message : String(body ?? '').slice(0, 300);
    return `HTTP ${err.code}: ${message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function createStatusReporter(opts: {
  kubeConfig: KubeConfig;
  logger: Logger;
  minIntervalMs?: number;
  maxBackoffMs?: number;
  /** Called after each patch request with its outcome (metrics, tests). */
  onSent?: (ref: JobRef, outcome: SendOutcome, patch: StatusPatch) => void;
}): StatusReporter {
  const api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const minIntervalMs = opts.minIntervalMs ?? 1_000;
  const loops = new Set<Promise<void>>();

  async function send(ref: JobRef, patch: StatusPatch): Promise<SendOutcome> {
    try {
      const obj = (await api.patchNamespacedCustomObjectStatus(
        { ...RPAJOB, namespace: ref.namespace, name: ref.name, body: { status: patch } },
        mergePatch,
      )) as { metadata?: { uid?: string } };
      return obj.metadata?.uid === ref.uid ? 'sent' : 'gone';
    } catch (err) {
      return classifyError(err);
    }
  }

  function forJob(ref: JobRef, jobOpts: JobReportOptions = {}): JobReporter {
    const log = opts.logger.child({ kind: 'RpaJob', namespace: ref.namespace, name: ref.name, jobUid: ref.uid });
    let pending: StatusPatch | null = null;
    let finalQueued = false;
    let gone = false;
    let lastSentAt = 0;
    let loop: Promise<void> | null = null;

    async function drainMailbox(): Promise<void> {
      let failures = 0;
      while (pending && !gone) {
        const wait = lastSentAt + minIntervalMs - Date.now();
        if (wait > 0) await sleep(wait);
        const patch: StatusPatch = pending;
        pending = null;
        if (jobOpts.mayWrite && !(await jobOpts.mayWrite())) {
          gone = true;
          pending = null;
          log.warn({ fields: Object.keys(patch) }, 'stopped reporting: this robot no longer holds the run (stale fencing token); patch dropped');
          break;
        }
        let outcome: SendOutcome;
        try {
          outcome = await send(ref, patch);
        } catch (err) {
          outcome = 'retry';
          log.warn({ err: errorText(err) }, 'status patch threw');
        }
        lastSentAt = Date.now();
        opts.onSent?.(ref, outcome, patch);
        if (outcome === 'sent') {
          failures = 0;
        } else if (outcome === 'gone') {
          gone = true;
          pending = null;
          log.info('stopped reporting: the RpaJob was deleted or replaced');
        } else if (outcome === 'rejected') {
          failures = 0;
          const minimal = minimalFinalPatch(patch);
          const retried = minimal !== null && !sameFields(minimal, patch);
          log.error(
            { fields: Object.keys(patch), ...(retried && { resendingFields: Object.keys(minimal) }) },
            retried ? 'final status patch was rejected by the API server; sending a minimal final patch' : 'status patch was rejected by the API server; dropped it',
          );
          if (retried) pending = pending ? mergePatches(minimal, pending) : minimal;
        } else {
          failures += 1;
          pending = pending ? mergePatches(patch, pending) : patch;
          const delay = retryDelayMs(failures, Math.random(), 250, opts.maxBackoffMs);
          if (failures === 1 || failures % 10 === 0) log.warn({ failures, retryInMs: delay }, 'status patch failed; retrying');
          await sleep(delay);
        }
      }
    }

    function kick(): void {
      if (loop || gone) return;
      const p = drainMailbox().finally(() => {
        loops.delete(p);
        loop = null;
        if (pending && !gone) kick(); // an update arrived while the loop was finishing
      });
      loop = p;
      loops.add(p);
    }

    return {
      update(patch) {
        if (gone || finalQueued) return;
        finalQueued = isFinal(patch);
        pending = pending ? mergePatches(pending, patch) : { ...patch };
        kick();
      },
      async flush() {
        while (loop) await loop;
      },
      get gone() {
        return gone;
      },
    };
  }

  return {
    forJob,
    async drain(timeoutMs) {
      const all = (async () => {
        while (loops.size > 0) await Promise.all([...loops]);
        return true;
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      });
      try {
        return await Promise.race([all, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
