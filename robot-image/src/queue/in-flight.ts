// The jobs whose handlers run now, each with its abort signal and when it started. The AbortController is
// made only when the handler first reads its signal, so a short job that never looks at it costs none.
import type { AbortReason } from './handler.js';

/** The aborts after which the consumer stops waiting for the handler: the job is handed back, or lost. */
export type AbandonReason = Extract<AbortReason, 'shutdown' | 'fenced'>;

export interface InFlightJob {
  readonly uid: string;
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

export function createInFlightJob(uid: string, startedAt: number): InFlightJob {
  return new RunningJob(uid, startedAt);
}

/** The handlers running now, by run uid: cancels and aborts reach them here, the heartbeat counts them. */
export class InFlightJobs {
  readonly #jobs = new Map<string, InFlightJob>();

  get size(): number {
    return this.#jobs.size;
  }

  get(uid: string): InFlightJob | undefined {
    return this.#jobs.get(uid);
  }

  /** A handler starts now; `abortAtOnce` when the consumer is already past the point of running it. */
  start(uid: string, abortAtOnce: AbandonReason | null, now = Date.now()): InFlightJob {
    const job = createInFlightJob(uid, now);
    this.#jobs.set(uid, job);
    if (abortAtOnce) job.abort(abortAtOnce);
    return job;
  }

  end(uid: string): void {
    this.#jobs.delete(uid);
  }

  abortAll(reason: AbortReason): void {
    for (const job of this.#jobs.values()) job.abort(reason);
  }

  values(): IterableIterator<InFlightJob> {
    return this.#jobs.values();
  }
}
