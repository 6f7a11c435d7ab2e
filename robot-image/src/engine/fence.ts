// At most one running copy of an attempt: what stops it in this process, at once, and what keeps a stale
// holder from recording anything.
//
// A halt (the consumer abandoned the claim: shutdown past its grace period, or this robot was fenced) and
// a fencing token found stale (runs.claim_epoch moved on: another robot was given the run) both stop the
// attempt the same way: the browser context is closed and HTTP requests in flight are aborted, so the
// running step ends now; its body and every later one throw DBOSWorkflowConflictError from inside the
// DBOS step, for which DBOS records nothing and parks the workflow (it waits for the new owner's outcome).
// `stopped()` resolves once the step that was running has left DBOS.runStep: from then on this process
// writes no checkpoint for the attempt, and only then does the consumer let the job go to another robot.
//
// What is and is not atomic. DBOS writes its checkpoint (dbos.operation_outputs) itself, outside our
// transaction, so the token is checked right before the body and again right after it, just before DBOS
// writes; the write itself is not conditional on the token. The window between the second check and
// DBOS's insert (one round trip) is closed from the other side: the run is released only after the old
// holder confirmed it stopped (hand-back after halt; a fenced robot's acknowledgement) or after its lease
// expired. A holder that stalls past its lease inside that window (a frozen process) can still record the
// step it finished; the new holder then finds that step recorded and does not run it again. The side
// effect of a step body that was already running when the run was released cannot be recalled: that is
// what the stable Idempotency-Key is for.
export interface HolderCheck {
  /** True while this claim still holds the run (see robot-image/src/queue/fence.ts). */
  confirm(): Promise<boolean>;
}

export interface AttemptFence {
  /** Aborted when the attempt is halted: HTTP requests of its steps listen to it. */
  readonly signal: AbortSignal;
  readonly halted: boolean;
  /** Stops the attempt now (idempotent). */
  halt(reason: string): void;
  /** Registers a cleanup that runs on halt (at once when already halted): closing the browser context. */
  onHalt(fn: () => Promise<unknown> | unknown): void;
  /** False once halted, or once the holder check says the token moved on (which halts). */
  holds(): Promise<boolean>;
  /** Runs one DBOS step, tracked so that stopped() can wait for it. */
  step<T>(run: () => Promise<T>): Promise<T>;
  /** Resolves once halted and no step is inside DBOS.runStep any more (its cleanups have run). */
  stopped(): Promise<void>;
}

export function createAttemptFence(opts: { holder?: HolderCheck; onHalted?: (reason: string) => void } = {}): AttemptFence {
  const controller = new AbortController();
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let running: Promise<unknown> | null = null;
  let cleaned: Promise<unknown> = Promise.resolve();
  let resolveHalted!: () => void;
  const halted = new Promise<void>((r) => (resolveHalted = r));
  const runCleanup = (fn: () => Promise<unknown> | unknown) => Promise.resolve().then(fn).catch(() => undefined);

  const fence: AttemptFence = {
    signal: controller.signal,
    get halted() {
      return controller.signal.aborted;
    },
    halt(reason) {
      if (controller.signal.aborted) return;
      controller.abort(reason);
      cleaned = Promise.all(cleanups.splice(0).map(runCleanup));
      opts.onHalted?.(reason);
      resolveHalted();
    },
    onHalt(fn) {
      if (controller.signal.aborted) cleaned = Promise.all([cleaned, runCleanup(fn)]);
      else cleanups.push(fn);
    },
    async holds() {
      if (controller.signal.aborted) return false;
      if (!opts.holder || (await opts.holder.confirm())) return !controller.signal.aborted;
      fence.halt('stale fencing token');
      return false;
    },
    async step(run) {
      const p = run();
      running = p;
      try {
        return await p;
      } finally {
        if (running === p) running = null;
      }
    },
    async stopped() {
      await halted;
      // A step that was inside DBOS.runStep when the halt came ends quickly (its context is closed, its
      // request aborted) and records nothing; wait for it, whatever it throws.
      while (running) await running.catch(() => undefined);
      await cleaned;
    },
  };
  return fence;
}
