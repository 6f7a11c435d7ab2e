// The small chaos run of `npm test` (the full one is `npm run chaos`): 20 jobs of the chaos workflow
// on robots under the node simulator, two operator replicas and the suite's own PostgreSQL, while
// the seeded schedule SIGKILLs robots, deletes a robot pod, kills the operator leader and stops the
// database for 8 s, twice. Seed: AETHER_CHAOS_SEED, else a fixed one (the run is reproducible);
// AETHER_CHAOS_JOBS changes the size.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKubeConfig } from '../harness/kubeclient.js';
import { kubeconfigPath } from '../harness/testenv.js';
import { runChaos } from './run.js';
import { parseSeed } from './schedule.js';
import { chaosLogger } from './stack.js';

const SEED = parseSeed(process.env.AETHER_CHAOS_SEED ?? '20261204');
const JOBS = Number(process.env.AETHER_CHAOS_JOBS ?? '20');

jest.setTimeout(600_000);

describe('chaos (small): faults never strand, lose or double a job', () => {
  const logDir = mkdtempSync(join(tmpdir(), `aether-chaos-${SEED}-`));
  let passed = false;
  afterAll(() => {
    // Logs stay for a failed run (the path is in the output).
    if (passed) rmSync(logDir, { recursive: true, force: true });
  });

  it(`${JOBS} jobs all succeed once each under robot kills, pod deletions, a leader kill and two database outages (seed ${SEED})`, async () => {
    const lines: string[] = [];
    const report = await runChaos({
      kc: testKubeConfig(),
      kubeconfigPath: kubeconfigPath(),
      seed: SEED,
      jobs: JOBS,
      logDir,
      log: chaosLogger(join(logDir, 'chaos.log')),
      print: (line) => {
        lines.push(line);
        process.stdout.write(line + '\n');
      },
    });
    const v = report.verdict;
    // Every fault of the schedule was applied (a skipped one would make the run prove less).
    expect(report.applied.map((a) => a.fault.kind)).toEqual(report.schedule.map((f) => f.kind));
    expect(
      report.applied.filter((a) => /^(skipped|failed)/.test(a.outcome)).map((a) => `${a.fault.kind}: ${a.outcome}`),
    ).toEqual([]);
    expect(lines).toContain(v.line);
    expect({ problems: v.problems, logs: logDir }).toEqual({ problems: [], logs: logDir });
    expect([v.succeeded, v.lost, v.duplicateEffects]).toEqual([JOBS, 0, 0]);
    passed = true;
  });
});
