// The chaos scenario's shape for a number of jobs: the workflow every job runs, how many robots, how
// long jobs keep arriving, the faults, and the time bound. Pure, so the npm test and npm run chaos
// sizes are written down in one place.
import type { WorkflowSpec } from '../../api/v1alpha1/workflow.js';
import type { ScheduleOptions } from './schedule.js';

export interface Scenario {
  jobs: number;
  robots: { min: number; max: number; concurrency: number };
  /** Jobs are created evenly over this long, from the start. */
  submitOverMs: number;
  schedule: Omit<ScheduleOptions, 'seed'>;
  /** Every job must be in a final phase this many seconds after the start. */
  boundS: number;
  /** After the bound, how long the run keeps watching before it calls an unfinished job lost. */
  graceS: number;
  /** Restarts per robot that the suite did not cause, above which it counts as a restart loop. */
  maxOwnRestartsPerRobot: number;
}

/** Two database outages of 8 s, whatever the size. */
const OUTAGES = { postgresOutages: 2, postgresDownMs: 8000 } as const;

export function scenarioFor(jobs: number): Scenario {
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 1000)
    throw new Error(`--jobs must be an integer from 1 to 1000, got ${jobs}`);
  // Jobs arrive over the fault window, so that faults keep landing on work in flight.
  const small = jobs <= 50;
  const windowMs = small ? 45_000 : Math.max(60_000, Math.round(jobs * 600));
  return {
    jobs,
    robots: small ? { min: 2, max: 3, concurrency: 2 } : { min: 2, max: 4, concurrency: 2 },
    submitOverMs: Math.round(windowMs * 0.8),
    schedule: {
      windowMs,
      leadInMs: 5000,
      robotKills: small ? 2 : Math.max(3, Math.round(jobs / 25)),
      podDeletes: small ? 1 : Math.max(2, Math.round(jobs / 50)),
      operatorKills: small ? 1 : Math.max(2, Math.round(jobs / 70)),
      ...OUTAGES,
    },
    // The window, then time to drain the backlog: on 2 shared cores with Chromium a job takes 2-6 s of
    // one of 4-8 slots, so well under a second of wall time each.
    boundS: Math.round(windowMs / 1000 + 60 + jobs * (small ? 1 : 0.8)),
    // One exit per database outage would still be no loop; more would.
    graceS: small ? 30 : 120,
    maxOwnRestartsPerRobot: OUTAGES.postgresOutages,
  };
}

export const JOB_PARAMS = ['job', 'site', 'sink'] as const;

/**
 * Two browser steps on the test site, the side effect (one POST to the counting sink, with the
 * Idempotency-Key the http action sends), then one more browser step, so that a crash after the
 * effect makes a resumed run pass it by.
 */
export function chaosWorkflow(): WorkflowSpec {
  return {
    params: JOB_PARAMS.map((name) => ({ name, type: 'string' as const, required: true })),
    steps: [
      { id: 'open', action: 'goto', url: '{{ params.site }}/login' },
      { id: 'heading', action: 'extractText', target: { css: 'h1' } },
      {
        id: 'effect',
        action: 'http',
        method: 'POST',
        url: '{{ params.sink }}/effect/{{ params.job }}',
        body: '{{ steps.heading.output }}',
      },
      { id: 'again', action: 'goto', url: '{{ params.site }}/login?next=/table' },
      { id: 'done', action: 'setVariable', name: 'done', value: 'yes' },
    ],
  } as WorkflowSpec;
}

export const jobName = (i: number) => `chaos-${String(i).padStart(3, '0')}`;
