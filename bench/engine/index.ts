// npm run bench -- engine
// 1. Per-step overhead of the engine (no-op setVariable steps) against raw DBOS steps, same run.
// 2. Job start with the robot's warm Chromium (new context) against a cold Chromium launch.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../api/log.js';
import type { WorkflowSpec } from '../../api/v1alpha1/workflow.js';
import { startPostgres } from '../../e2e/harness/postgres.js';
import { launchChromium } from '../../robot-image/src/browser/chromium.js';
import { BrowserHost } from '../../robot-image/src/browser/host.js';
import { configureDurable } from '../../robot-image/src/durable/runtime.js';
import { createEngine } from '../../robot-image/src/engine/engine.js';

const STEPS = 200;
const ROUNDS = 5;
const STARTS = 21;
/** Jobs arrive this far apart (a real job runs for seconds): time for the spare context to be ready. */
const START_GAP_MS = 500;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => n.toFixed(3);
const uid = () => randomBytes(5).toString('hex');

const pg = await startPostgres();
const logger = createLogger({ name: 'bench-engine', level: 'warn', destination: process.stderr });
const durable = configureDurable({
  appName: 'aether-bench',
  systemDatabaseUrl: pg.url,
  executorId: 'bench-' + uid(),
  logger,
});
const host = new BrowserHost({ logger });
const engine = createEngine({ durable, browser: host, logger });

// The baseline: the same number of DBOS steps that do nothing, in a bare workflow.
const rawWorkflow = DBOS.registerWorkflow(
  async (n: number) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += await DBOS.runStep(async () => i, { name: `s${i}` });
    return acc;
  },
  { name: 'bench.raw' },
);

try {
  await durable.launch();
  const noOps: WorkflowSpec = {
    steps: Array.from({ length: STEPS }, (_, i) => ({
      id: `s${i}`,
      action: 'setVariable' as const,
      name: 'v',
      value: `{{ vars.v | default: 0 }}${i % 10}`,
    })),
  };

  // Warm up both paths (JIT, connection pool).
  await (await DBOS.startWorkflow(rawWorkflow, { workflowID: 'raw-warm-' + uid() })(20)).getResult();
  await engine.runAttempt({ runUid: 'warm' + uid(), attempt: 1, workflow: { steps: noOps.steps.slice(0, 20) } });

  const raw: number[] = [];
  const eng: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    await (await DBOS.startWorkflow(rawWorkflow, { workflowID: 'raw-' + uid() })(STEPS)).getResult();
    raw.push((performance.now() - t) / STEPS);
    t = performance.now();
    const res = await engine.runAttempt({ runUid: 'eng' + uid(), attempt: 1, workflow: noOps });
    if (res.status !== 'succeeded') throw new Error(`engine run ${res.status}`);
    eng.push((performance.now() - t) / STEPS);
  }
  const rawStep = median(raw);
  const engStep = median(eng);
  console.log(
    `per step over ${STEPS} no-op steps, median of ${ROUNDS}: engine ${fmt(engStep)} ms, raw DBOS ${fmt(rawStep)} ms`,
  );

  // Job start: from runAttempt until the job has its own page in a fresh context of the warm
  // browser (its first step, a zero wait on the page, is done).
  const startJob: WorkflowSpec = {
    steps: [
      { id: 'open', action: 'waitFor', seconds: 0 },
      { id: 'done', action: 'setVariable', name: 'x', value: '1' },
    ],
  };
  await host.browser();
  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    await new Promise((r) => setTimeout(r, START_GAP_MS));
    const t = performance.now();
    let started = 0;
    await engine.runAttempt({
      runUid: 'start' + uid(),
      attempt: 1,
      workflow: startJob,
      progress: (k) => {
        if (k === 2 && !started) started = performance.now() - t;
      },
    });
    starts.push(started);
  }
  // Cold: launch Chromium and open a context and a page in it.
  const colds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const b = await launchChromium();
    await (await b.newContext()).newPage();
    colds.push(performance.now() - t);
    await b.close();
  }
  const startP50 = median(starts);
  const cold = median(colds);
  console.log(
    `job start to its own page: warm browser p50 ${fmt(startP50)} ms (n=${STARTS}, ${START_GAP_MS} ms apart), cold Chromium launch ${fmt(cold)} ms (median of 5)`,
  );
  const ratio = engStep / rawStep;
  console.log(
    `engine/raw step ratio ${ratio.toFixed(2)} (target <= 1.5); warm start ${(startP50 / cold).toFixed(2)} x cold (target p50 < 150 ms)`,
  );
  console.log(
    `RESULT engine step_ms=${fmt(engStep)} raw_step_ms=${fmt(rawStep)} ratio=${ratio.toFixed(2)} start_p50_ms=${startP50.toFixed(1)} cold_launch_ms=${cold.toFixed(1)}`,
  );
} finally {
  await durable.shutdown();
  await host.close();
  await pg.stop();
}
