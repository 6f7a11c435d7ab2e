// One chaos run: start the stack, create the jobs over the fault window while the seeded faults hit
// robots, pods, the operator leader and PostgreSQL, wait until every job is final (or the bound is
// over), then judge what the API server, the sink and the nodes saw.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../api/log.js';
import { isFinishedPhase } from '../../api/v1alpha1/names.js';
import { API, PLURALS } from '../../operator/src/controllers/names.js';
import { FaultInjector, type AppliedFault } from './faults.js';
import { chaosWorkflow, jobName, scenarioFor, type Scenario } from './scenario.js';
import { describeSchedule, faultSchedule, type Fault } from './schedule.js';
import { POOL, startStack, type Stack } from './stack.js';
import { stuckRunLogs } from './stuck-logs.js';
import { chaosVerdict, type ChaosVerdict, type RobotRecord } from './verdict.js';

export interface ChaosOptions {
  kc: KubeConfig;
  kubeconfigPath: string;
  seed: number;
  jobs: number;
  /** Logs of operators, robots (pods/) and the database; kept after the run. */
  logDir: string;
  log: Logger;
  /** Where the run's human-readable lines go (the schedule, the faults, RESULT). */
  print: (line: string) => void;
}

export interface ChaosReport {
  scenario: Scenario;
  schedule: Fault[];
  applied: AppliedFault[];
  verdict: ChaosVerdict;
  /** Rows of aether.runs by state, with take-overs and attempts, for the diagnosis of a failure. */
  runs: Array<Record<string, unknown>>;
  /** Operator replicas that died without the suite killing them. */
  crashedOperators: Array<{ identity: string; code: number | null; signal: string | null; logFile: string }>;
  logDir: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Observed {
  phases: Record<string, string | undefined>;
  /** Pod name -> highest restartCount seen. */
  restarts: Map<string, number>;
}

async function observe(stack: Stack, custom: CustomObjectsApi, seen: Observed): Promise<void> {
  const list = (await custom.listNamespacedCustomObject({
    ...API,
    plural: PLURALS.RpaJob,
    namespace: stack.namespace,
  })) as {
    items: Array<{ metadata: { name: string }; status?: { phase?: string } }>;
  };
  for (const j of list.items) seen.phases[j.metadata.name] = j.status?.phase;
  for (const p of await stack.robotPods()) {
    const name = p.metadata!.name!;
    const n = p.status?.containerStatuses?.[0]?.restartCount ?? 0;
    seen.restarts.set(name, Math.max(n, seen.restarts.get(name) ?? 0));
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const scenario = scenarioFor(o.jobs);
  const schedule = faultSchedule({ seed: o.seed, ...scenario.schedule });
  o.print(
    `chaos: seed=${o.seed} jobs=${o.jobs} robots=${scenario.robots.min}..${scenario.robots.max}x${scenario.robots.concurrency} window_s=${scenario.schedule.windowMs / 1000} bound_s=${scenario.boundS} logs=${o.logDir}`,
  );
  o.print(`chaos: fault schedule (seconds from the first job):\n${describeSchedule(schedule)}`);

  const startedAt = Date.now();
  const stack = await startStack({
    kc: o.kc,
    kubeconfigPath: o.kubeconfigPath,
    logDir: o.logDir,
    robots: scenario.robots,
    log: o.log,
  });
  o.print(`chaos: stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (namespace ${stack.namespace})`);
  try {
    const custom = o.kc.makeApiClient(CustomObjectsApi);
    const workflow = chaosWorkflow();
    const names = Array.from({ length: o.jobs }, (_, i) => jobName(i));
    const seen: Observed = { phases: {}, restarts: new Map() };
    const injector = new FaultInjector(stack, o.log);

    const t0 = Date.now();
    let submitted = 0;
    const submit = async () => {
      for (const [i, name] of names.entries()) {
        await sleep(t0 + (i * scenario.submitOverMs) / o.jobs - Date.now());
        const body = {
          apiVersion: `${API.group}/${API.version}`,
          kind: 'RpaJob',
          metadata: { name },
          spec: { pool: POOL, workflow, params: { job: name, site: stack.site.url, sink: stack.sink.url } },
        };
        for (let tries = 1; ; tries++) {
          try {
            await custom.createNamespacedCustomObject({
              ...API,
              plural: PLURALS.RpaJob,
              namespace: stack.namespace,
              body,
            });
            break;
          } catch (err) {
            if ((err as { code?: number }).code === 409) break; // an earlier try went through
            if (tries >= 10) throw err;
            await sleep(500);
          }
        }
        submitted++;
      }
    };
    const faultsDone = injector.run(schedule, t0);
    const submitting = submit();

    // Past the bound the run is already failed; it watches a while longer so that the report tells
    // late jobs (wall_s over the bound) from stranded ones (lost).
    const deadline = t0 + (scenario.boundS + scenario.graceS) * 1000;
    let lastPrint = 0;
    for (;;) {
      await observe(stack, custom, seen).catch((err: unknown) =>
        o.log.warn({ err }, 'observing the cluster failed; retrying'),
      );
      const final = names.filter((n) => isFinishedPhase(seen.phases[n])).length;
      if (Date.now() - lastPrint >= 10_000) {
        lastPrint = Date.now();
        const running = names.filter((n) => seen.phases[n] === 'Running').length;
        o.print(
          `chaos: t=${((Date.now() - t0) / 1000).toFixed(0)} s submitted=${submitted} running=${running} final=${final} faults=${injector.applied.length}/${schedule.length}`,
        );
      }
      if (final === o.jobs && injector.applied.length === schedule.length) break;
      if (Date.now() > deadline) break;
      await sleep(1000);
    }
    const wallS = (Date.now() - t0) / 1000;
    await submitting;
    await faultsDone; // the database is up again before anything is read from it
    // Late duplicates (a stale robot finishing a step it was already inside) still count.
    await sleep(3000);
    await observe(stack, custom, seen).catch(() => undefined);

    const robots: RobotRecord[] = [...new Set([...seen.restarts.keys(), ...injector.injectedKills.keys()])]
      .sort()
      .map((pod) => ({
        pod,
        restarts: seen.restarts.get(pod) ?? 0,
        injectedKills: injector.injectedKills.get(pod) ?? 0,
      }));
    const verdict = chaosVerdict({
      seed: o.seed,
      jobs: names,
      phases: seen.phases,
      effects: stack.sink.effects(),
      robots,
      wallS,
      boundS: scenario.boundS,
      maxOwnRestartsPerRobot: scenario.maxOwnRestartsPerRobot,
    });
    const runs = await stack.db
      .query(
        `select state, count(*)::int as runs, sum(attempts)::int as claims, sum(failed_attempts)::int as failed_attempts,
                sum(crash_count)::int as take_overs, count(*) filter (where crash_count > 0)::int as runs_taken_over
           from aether.runs where namespace = $1 group by state order by state`,
        [stack.namespace],
      )
      .then((r) => r.rows as Array<Record<string, unknown>>)
      .catch((err: unknown) => [{ error: `could not read aether.runs: ${(err as Error).message}` }]);

    // Where each unfinished job is stuck: its run row, its graphile-worker job (lock, attempts, error)
    // and the robots' rows, read before the database goes away.
    const stuck = await stack.db
      .query(
        `select r.name, r.uid, r.state, r.robot, r.attempts, r.failed_attempts, r.crash_count, r.updated_at,
                j.id as graphile_job, j.locked_by, j.locked_at, j.run_at, j.attempts as graphile_attempts, j.last_error,
                (select json_agg(json_build_object('pod', b.pod, 'state', b.state, 'heartbeat_at', b.heartbeat_at, 'worker_pool_ids', b.worker_pool_ids))
                   from aether.robots b where b.namespace = r.namespace and j.locked_by = any(b.worker_pool_ids)) as lock_holder
           from aether.runs r left join graphile_worker.jobs j on j.key = 'rpa:' || r.uid::text
          where r.namespace = $1 and r.state <> 'succeeded' order by r.name`,
        [stack.namespace],
      )
      .then((r) => r.rows as Array<Record<string, unknown>>)
      .catch((err: unknown) => [{ error: `could not read the unfinished runs: ${(err as Error).message}` }]);
    if (stuck.length) {
      o.print(`chaos: unfinished runs ${JSON.stringify(stuck)}`);
      const holders = (stuck as Array<Record<string, unknown>>).filter((r): r is Record<string, unknown> & { name: string; uid: string } => typeof r.uid === 'string');
      o.print(
        `chaos: what the robots holding them logged:\n${stuckRunLogs({
          podsDir: join(o.logDir, 'pods'),
          namespace: stack.namespace,
          stuck: holders.map((r) => ({
            name: r.name,
            uid: r.uid,
            robot: typeof r.robot === 'string' ? r.robot : null,
            lockHolders: Array.isArray(r.lock_holder) ? (r.lock_holder as Array<{ pod: string }>).map((h) => h.pod) : [],
          })),
        })}`,
      );
    }
    const crashedOperators = stack.operators.crashes;
    // For the diagnosis: every POST the sink saw, and the run's figures.
    writeFileSync(
      join(o.logDir, 'effects.jsonl'),
      stack.sink
        .effects()
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    writeFileSync(
      join(o.logDir, 'report.json'),
      JSON.stringify(
        {
          seed: o.seed,
          scenario,
          schedule,
          applied: injector.applied,
          verdict,
          runs,
          robots,
          crashedOperators,
          phases: seen.phases,
        },
        null,
        2,
      ),
    );
    o.print(
      'chaos: faults applied:\n' +
        injector.applied.map((a) => `${a.atS.toFixed(1).padStart(7)} s ${a.fault.kind}: ${a.outcome}`).join('\n'),
    );
    o.print(`chaos: aether.runs ${JSON.stringify(runs)}`);
    o.print(`chaos: robots ${JSON.stringify(robots)}`);
    if (crashedOperators.length)
      o.print(`chaos: operators that died on their own: ${JSON.stringify(crashedOperators)}`);
    for (const p of verdict.problems) o.print(`chaos: PROBLEM ${p}`);
    o.print(verdict.detail);
    o.print(verdict.line);
    return { scenario, schedule, applied: injector.applied, verdict, runs, crashedOperators, logDir: o.logDir };
  } finally {
    await stack.stop();
  }
}
