// `npm run chaos -- --seed N [--jobs 200]`: the full chaos run on its own control plane (etcd, API
// server, controller manager) and PostgreSQL. Prints the schedule, the faults as applied and one
// RESULT line; exits 1 when a promise was broken (the PROBLEM lines say which), 2 on bad arguments.
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKube } from '../harness/kube.js';
import { runChaos } from './run.js';
import { parseSeed } from './schedule.js';
import { scenarioFor } from './scenario.js';
import { chaosLogger } from './stack.js';

function args(): { seed: number; jobs: number } {
  const { values } = parseArgs({
    options: { seed: { type: 'string' }, jobs: { type: 'string', default: '200' } },
    strict: true,
  });
  const seed = values.seed === undefined ? randomInt(0, 2 ** 32) : parseSeed(values.seed);
  const jobs = Number(values.jobs);
  scenarioFor(jobs); // refuses a bad --jobs before anything starts
  return { seed, jobs };
}

async function main(): Promise<number> {
  let a;
  try {
    a = args();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: npm run chaos -- [--seed N] [--jobs 200]\n`);
    return 2;
  }
  const logDir = mkdtempSync(join(tmpdir(), `aether-chaos-${a.seed}-`));
  const log = chaosLogger(join(logDir, 'chaos.log'));
  const print = (line: string) => process.stdout.write(line + '\n');
  const kube = await startKube({ controllerManager: true, keepDir: true, log });
  print(`chaos: control plane logs in ${kube.dir}/logs`);
  try {
    const report = await runChaos({
      kc: kube.kubeConfig(),
      kubeconfigPath: kube.kubeconfigPath,
      seed: a.seed,
      jobs: a.jobs,
      logDir,
      log,
      print,
    });
    print(`chaos: logs kept in ${logDir}`);
    return report.verdict.problems.length === 0 ? 0 : 1;
  } finally {
    await kube.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
