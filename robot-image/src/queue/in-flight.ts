// The jobs whose handlers run now, each with its abort signal and when it started. The AbortController is
// made only when the handler first reads its signal, so a short job that never looks at it costs none.
import type { AbortReason } from './handler.js';

/** The aborts after which the consumer stops waiting for the handler: the job is handed back, or lost. */
export type AbandonReason = Extract<AbortReason, 'shutdown' | 'fenced'>;

export interface InFlightJob {
  readonly uid: string;
  /** The fencing token of the claim (runs.claim_epoch): the run-row writes for it carry it. */
  readonly epoch: number;
  /** ms epoch. */
  readonly startedAt: number;
  /** The run was marked 'running' (done once the handler has run a while). */
  marked: boolean;
  /** Fires with the first abort reason. */
  readonly signal: AbortSignal;
  /** The first abort reason, or null. */
  readonly reason: AbortReason | null;
  /** A 'shutdown' or 'fenced' abort, once there was one: the consumer stops waiting for the handler. */
  readonly abandoned: AbandonReason | null;
  abort(reason: AbortReason): void;
  /** Called on the first 'shutdown' or 'fenced' abort. */
  onAbandon: ((reason: AbandonReason) => void) | null;
}

const abandons = (r: AbortReason): r is AbandonReason => r === 'shutdown' || r === 'fenced';

/** A class, not closures: one is made per job, and its methods are shared. */
class RunningJob implements InFlightJob {
  marked = false;
  onAbandon: ((reason: AbandonReason) => void) | null = null;
  #controller: AbortController | null = null;
  #reason: AbortReason | null = null;
  #abandoned: AbandonReason | null = null;

  constructor(
    readonly uid: string,
    readonly startedAt: number,
    readonly epoch: number,
  ) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#reason) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get reason(): AbortReason | null {
    return this.#reason;
  }

  get abandoned(): AbandonReason | null {
    return this.#abandoned;
  }

  abort(r: AbortReason): void {
    if (!this.#reason) {
      this.#reason = r;
      this.#controller?.abort(r);
    }
    if (!this.#abandoned && abandons(r)) {
      this.#abandoned = r;
      this.onAbandon?.(r);
    }
  }
}

export function createInFlightJob(uid: string, startedAt: number, epoch = 0): InFlightJob {
  return new RunningJob(uid, startedAt, epoch);
}

/** The handlers running now, by run uid: cancels and aborts reach them here, the heartbeat counts them. */
export class InFlightJobs {
  readonly #jobs = new Map<string, InFlightJob>();
  #idle: Array<() => void> = [];

  get size(): number {
    return this.#jobs.size;
  }

  get(uid: string): InFlightJob | undefined {
    return this.#jobs.get(uid);
  }

  /** A handler starts now; `abortAtOnce` when the consumer is already past the point of running it. */
  start(uid: string, abortAtOnce: AbandonReason | null, now = Date.now(), epoch = 0): InFlightJob {
    const job = createInFlightJob(uid, now, epoch);
    this.#jobs.set(uid, job);
    if (abortAtOnce) job.abort(abortAtOnce);
    return job;
  }

  end(uid: string): void {
    this.#jobs.delete(uid);
    if (this.#jobs.size === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once no handler runs (at once when none does). */
  idle(): Promise<void> {
    if (this.#jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  abortAll(reason: AbortReason): void {
    for (const job of this.#jobs.values()) job.abort(reason);
  }

  values(): IterableIterator<InFlightJob> {
    return this.#jobs.values();
  }
}
