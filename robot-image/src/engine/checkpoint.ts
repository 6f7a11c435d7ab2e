// What one DBOS step records for one workflow step, and what a whole attempt returns. Everything
// here is JSON and goes to Postgres: never a credential value or a masked output (see redact.ts), and
// the browser session only sealed (session-seal.ts).
import type { SeenDialog } from '../browser/dialogs.js';
import type { SessionSnapshot } from '../browser/session.js';
import type { SealedSession } from './session-seal.js';

/** cancel: the RpaJob was cancelled; deadline: activeDeadlineSeconds passed; jobTimeout: the attempt used up timeouts.jobSeconds. */
export type StopReason = 'cancel' | 'deadline' | 'jobTimeout';

export interface StepCheckpoint {
  output?: unknown;
  /** Variables the step set. */
  vars?: Record<string, unknown>;
  /** The browser session after the step; absent when unchanged since the previous checkpoint. */
  session?: SessionSnapshot;
  /** Base64 PNG: a screenshot step's image, or the page when the step failed (masked). */
  image?: string;
  /** The step's final failure (after its retries); a scope refusal fails the attempt for good. */
  error?: { message: string; reason?: 'CredentialScopeDenied' };
  /** The job was cancelled or ran past its deadline before this step. */
  stopped?: StopReason;
  /** forEach: the list iterated, fixed once so a replay walks the same items. */
  items?: unknown[];
  /** while/until: whether the loop runs (another) iteration, decided once per iteration. */
  proceed?: boolean;
  /** call: the callee's params, rendered once so a replay enters it with the same ones. */
  params?: Record<string, unknown>;
  /** if: the branch taken. */
  branch?: 'then' | 'else' | 'none';
  /** The step's output was masked (`mask.output`): not recorded, only known to a live run. */
  outputMasked?: boolean;
  /** The step's target no longer matched and was healed (see engine/healing-resolver.ts). */
  healed?: HealMark[];
  /** The last dialog the step answered (`steps.<id>.dialog`). */
  dialog?: SeenDialog;
}

/** A checkpoint as DBOS records it: strings redacted, the session sealed (interpreter.ts `recordable`). */
export type RecordedCheckpoint = Omit<StepCheckpoint, 'session'> & { session?: SealedSession };

/** One heal inside a step: how, and the selector that would have worked. */
export interface HealMark {
  tier: 1 | 2 | 3;
  score: number;
  /** The failing target, described. */
  target: string;
  suggestion?: Record<string, string | boolean>;
}

/** An attempt's outcome as the DBOS workflow records it (JSON; images base64). */
export type WorkflowOutcome =
  | {
      status: 'succeeded';
      /** Outputs of top-level steps that produce one, by step id. */
      outputs: Record<string, unknown>;
      vars: Record<string, unknown>;
      /** Screenshot steps' images by name (base64 PNG). */
      screenshots: Record<string, string>;
    }
  | { status: 'failed'; error: { message: string; stepId: string; reason?: 'CredentialScopeDenied' }; screenshot?: string }
  | { status: 'stopped'; reason: StopReason; stepId: string };
