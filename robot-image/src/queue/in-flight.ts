// One job whose handler runs now: its abort signal and when it started. The AbortController is made only
// when the handler first reads its signal, so a short job that never looks at it costs none.
import type { AbortReason } from './handler.js';

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
  readonly abandoned: AbortReason | null;
  abort(reason: AbortReason): void;
  /** Called on the first 'shutdown' or 'fenced' abort. */
  onAbandon: ((reason: AbortReason) => void) | null;
}

const ABANDONING: ReadonlySet<AbortReason> = new Set<AbortReason>(['shutdown', 'fenced']);

/** A class, not closures: one is made per job, and its methods are shared. */
class RunningJob implements InFlightJob {
  marked = false;
  onAbandon: ((reason: AbortReason) => void) | null = null;
  #controller: AbortController | null = null;
  #reason: AbortReason | null = null;
  #abandoned: AbortReason | null = null;

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

  get abandoned(): AbortReason | null {
    return this.#abandoned;
  }

  abort(r: AbortReason): void {
    if (!this.#reason) {
      this.#reason = r;
      this.#controller?.abort(r);
    }
    if (!this.#abandoned && ABANDONING.has(r)) {
      this.#abandoned = r;
      this.onAbandon?.(r);
    }
  }
}

export function createInFlightJob(uid: string, startedAt: number): InFlightJob {
  return new RunningJob(uid, startedAt);
}
