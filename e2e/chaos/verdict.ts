// What a chaos run shows, computed from what it observed: the RESULT line and every broken promise.
import { isFinishedPhase } from '../../api/v1alpha1/names.js';
import type { Effect } from './sink.js';

export interface RobotRecord {
  pod: string;
  /** Container restarts the node reported for the pod (its highest restartCount seen). */
  restarts: number;
  /** Of those, restarts the suite caused by SIGKILLing the robot process. */
  injectedKills: number;
}

export interface ChaosObservations {
  seed: number;
  /** Names of the RpaJobs submitted. */
  jobs: readonly string[];
  /** Phase of each job at the end (undefined: no phase, or the RpaJob is gone). */
  phases: Readonly<Record<string, string | undefined>>;
  effects: readonly Effect[];
  robots: readonly RobotRecord[];
  wallS: number;
  /** Every job must have finished within this many seconds of the first submission. */
  boundS: number;
  /** A robot restarting more often than this on its own (not SIGKILLed by the suite) is a restart loop. */
  maxOwnRestartsPerRobot: number;
}

export interface ChaosVerdict {
  jobs: number;
  succeeded: number;
  failed: number;
  /** Jobs not in a final phase at the end of the run (the bound and a grace period after it). */
  lost: number;
  /**
   * Effects beyond the first, per job, as a receiver that honours Idempotency-Key applies them: a POST
   * repeating a key already seen is the same effect delivered again, one with a new key (or none) is a
   * second effect.
   */
  duplicateEffects: number;
  /** POSTs that repeated an Idempotency-Key already seen (redeliveries the key de-duplicates). */
  duplicateKeys: number;
  /** Jobs that Succeeded without their effect reaching the sink. */
  missingEffects: number;
  /** Restarts that the suite did not cause, over all robots. */
  robotRestarts: number;
  /** All restarts, including the SIGKILLed ones. */
  totalRestarts: number;
  wallS: number;
  seed: number;
  /** `RESULT chaos jobs=… succeeded=… lost=… duplicate_effects=… robot_restarts=… wall_s=… seed=…` */
  line: string;
  /** One line of further figures. */
  detail: string;
  /** Empty when the run kept every promise. */
  problems: string[];
}

const list = (items: string[], max = 10) =>
  items.slice(0, max).join(', ') + (items.length > max ? `, … (${items.length - max} more)` : '');

export function chaosVerdict(o: ChaosObservations): ChaosVerdict {
  const phaseOf = (j: string) => o.phases[j];
  const succeededJobs = o.jobs.filter((j) => phaseOf(j) === 'Succeeded');
  const lostJobs = o.jobs.filter((j) => !isFinishedPhase(phaseOf(j)));
  const failedJobs = o.jobs.filter((j) => isFinishedPhase(phaseOf(j)) && phaseOf(j) !== 'Succeeded');

  // What an idempotent receiver applies: the first POST of each key, and every POST without one.
  const byJob = new Map<string, Effect[]>();
  const seenKeys = new Set<string>();
  let duplicateKeys = 0;
  for (const e of o.effects) {
    if (e.key && seenKeys.has(e.key)) {
      duplicateKeys++;
      continue;
    }
    if (e.key) seenKeys.add(e.key);
    byJob.set(e.job, [...(byJob.get(e.job) ?? []), e]);
  }
  const doubled = [...byJob].filter(([, es]) => es.length > 1);
  const duplicateEffects = doubled.reduce((n, [, es]) => n + es.length - 1, 0);
  const missing = succeededJobs.filter((j) => !byJob.has(j));
  const unkeyed = o.effects.filter((e) => !e.key).length;
  const strangers = [...byJob.keys()].filter((j) => !o.jobs.includes(j));

  const own = o.robots.map((r) => ({ ...r, own: Math.max(0, r.restarts - r.injectedKills) }));
  const robotRestarts = own.reduce((n, r) => n + r.own, 0);
  const totalRestarts = o.robots.reduce((n, r) => n + r.restarts, 0);
  const looping = own.filter((r) => r.own > o.maxOwnRestartsPerRobot);
  const wallS = Math.round(o.wallS);

  const problems: string[] = [];
  if (succeededJobs.length !== o.jobs.length) {
    problems.push(
      `${o.jobs.length - succeededJobs.length} of ${o.jobs.length} jobs did not succeed: ` +
        list(o.jobs.filter((j) => phaseOf(j) !== 'Succeeded').map((j) => `${j}=${phaseOf(j) ?? 'none'}`)),
    );
  }
  if (lostJobs.length) problems.push(`${lostJobs.length} jobs never reached a final phase: ${list(lostJobs)}`);
  if (duplicateEffects) {
    problems.push(
      `${duplicateEffects} duplicate effects in ${doubled.length} jobs: ` +
        list(doubled.map(([j, es]) => `${j} x${es.length} [${es.map((e) => e.key || '(no key)').join(' | ')}]`)),
    );
  }
  if (missing.length)
    problems.push(`${missing.length} jobs Succeeded but their effect never reached the sink: ${list(missing)}`);
  if (unkeyed) problems.push(`${unkeyed} POSTs carried no Idempotency-Key header`);
  if (strangers.length) problems.push(`effects for jobs the suite did not submit: ${list(strangers)}`);
  if (looping.length) {
    problems.push(
      `robots restarted on their own more than ${o.maxOwnRestartsPerRobot} times (a restart loop): ` +
        list(
          looping.map((r) => `${r.pod} ${r.own} (${r.restarts} restarts, ${r.injectedKills} SIGKILLed by the suite)`),
        ),
    );
  }
  if (o.wallS > o.boundS) problems.push(`the run took ${wallS} s, over its bound of ${o.boundS} s`);

  const line =
    `RESULT chaos jobs=${o.jobs.length} succeeded=${succeededJobs.length} lost=${lostJobs.length} ` +
    `duplicate_effects=${duplicateEffects} robot_restarts=${robotRestarts} wall_s=${wallS} seed=${o.seed}`;
  const detail =
    `DETAIL chaos failed=${failedJobs.length} missing_effects=${missing.length} duplicate_keys=${duplicateKeys} ` +
    `total_restarts=${totalRestarts} injected_kills=${o.robots.reduce((n, r) => n + r.injectedKills, 0)} ` +
    `robots=${o.robots.length} bound_s=${o.boundS}`;
  return {
    jobs: o.jobs.length,
    succeeded: succeededJobs.length,
    failed: failedJobs.length,
    lost: lostJobs.length,
    duplicateEffects,
    duplicateKeys,
    missingEffects: missing.length,
    robotRestarts,
    totalRestarts,
    wallS,
    seed: o.seed,
    line,
    detail,
    problems,
  };
}
