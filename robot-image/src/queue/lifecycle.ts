// The consumer's lifecycle as one explicit state, with every transition in this file:
//
//   running ──stop()──▶ draining ──deadline──▶ draining (deadline passed)
//      │                   │                        │
//      └──────declared dead (heartbeat)─────────────┴──▶ fenced
//
// A transition that abandons running handlers aborts them here, and `abortOnStart` tells a handler that
// starts later the same: the state decides, not a set of flags.
import type { AbandonReason, InFlightJobs } from './in-flight.js';

export type ConsumerState =
  /** Fetching and running jobs. */
  | { readonly phase: 'running' }
  /**
   * stop() was called: graphile fetches nothing more and prefetched jobs go back untouched. Handlers run on
   * until the deadline; once it passed they are abandoned and their jobs handed back to the queue.
   */
  | { readonly phase: 'draining'; readonly deadlinePassed: boolean }
  /** This robot was declared dead and its jobs released: handlers are abandoned, nothing more is written. */
  | { readonly phase: 'fenced' };

export interface Lifecycle {
  readonly state: ConsumerState;
  /** running → draining. */
  drain(): void;
  /** draining → draining with the deadline passed: running handlers are abandoned ('shutdown'). */
  passDeadline(): void;
  /** running or draining → fenced: running handlers are abandoned ('fenced'). False when already fenced. */
  fence(): boolean;
  /** The abort a handler starting now gets at once, or null when it may run. */
  abortOnStart(): AbandonReason | null;
}

const RUNNING: ConsumerState = { phase: 'running' };
const DRAINING: ConsumerState = { phase: 'draining', deadlinePassed: false };
const PAST_DEADLINE: ConsumerState = { phase: 'draining', deadlinePassed: true };
const FENCED: ConsumerState = { phase: 'fenced' };

export function createLifecycle(inFlight: Pick<InFlightJobs, 'abortAll'>): Lifecycle {
  let state: ConsumerState = RUNNING;
  return {
    get state() {
      return state;
    },
    drain() {
      if (state.phase === 'running') state = DRAINING;
    },
    passDeadline() {
      if (state.phase !== 'draining' || state.deadlinePassed) return;
      state = PAST_DEADLINE;
      inFlight.abortAll('shutdown');
    },
    fence() {
      if (state.phase === 'fenced') return false;
      state = FENCED;
      inFlight.abortAll('fenced');
      return true;
    },
    abortOnStart() {
      if (state.phase === 'fenced') return 'fenced';
      return state.phase === 'draining' && state.deadlinePassed ? 'shutdown' : null;
    },
  };
}
