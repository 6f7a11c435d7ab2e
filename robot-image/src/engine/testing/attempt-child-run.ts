// The result a testing/attempt-child.ts robot reports, for crash and take-over tests.
import { runAttemptChild, type ChildExit } from './run-attempt-child.js';

export interface ChildResult {
  status: string;
  outputs?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  screenshots?: Record<string, string>;
  takeOver?: string;
  ran: string[];
  error?: unknown;
}

export const runChild = (attempt: Record<string, unknown>): Promise<ChildExit<ChildResult>> =>
  runAttemptChild<ChildResult>(attempt);
