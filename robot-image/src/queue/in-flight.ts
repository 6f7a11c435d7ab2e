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

export function createInFlightJob(uid: string, startedAt: number): InFlightJob {
  let controller: AbortController | null = null;
  let reason: AbortReason | null = null;
  let abandoned: AbortReason | null = null;
  return {
    uid,
    startedAt,
    marked: false,
    onAbandon: null,
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (reason) controller.abort(reason);
      }
      return controller.signal;
    },
    get reason() {
      return reason;
    },
    get abandoned() {
      return abandoned;
    },
    abort(r) {
      if (!reason) {
        reason = r;
        controller?.abort(r);
      }
      if (!abandoned && ABANDONING.has(r)) {
        abandoned = r;
        this.onAbandon?.(r);
      }
    },
  };
}
