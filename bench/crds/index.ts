// `npm run bench -- crds [--against DIR]`: how long a real kube-apiserver takes to accept and serve the
// generated CRDs. For each CRD: its JSON size, the time of the create request (the server compiles every
// CEL rule to check its cost), the time until Established, and the time until a first object of the kind
// is accepted (a dry-run create of the example; the serving handler compiles the rules once more).
// Baseline, measured in the same run on the same server: RobotPool, the one CRD without a workflow.
// With --against DIR (e.g. an older copy of crds/) that set is measured too, after this one is deleted.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { createLogger } from '../../api/log.js';
import { kubeRequest, resourcePath } from '../../e2e/api/client.js';
import { startKube } from '../../e2e/harness/kube.js';
import { waitFor } from '../../e2e/harness/wait.js';
import type { KubeConfig } from '@kubernetes/client-node';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const root = path.resolve(import.meta.dirname, '../..');
const againstIdx = process.argv.indexOf('--against');
const against = againstIdx > 0 ? process.argv[againstIdx + 1] : undefined;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EXAMPLE: Record<string, string> = {
  RpaWorkflow: 'rpaworkflow',
  RpaJob: 'rpajob',
  RobotPool: 'robotpool',
  RpaSchedule: 'rpaschedule',
};

interface Timing {
  name: string;
  kind: string;
  bytes: number;
  createMs: number;
  establishedMs: number;
  firstObjectMs: number;
}

const silent = createLogger({ name: 'bench', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const now = () => performance.now();

async function readCrds(dir: string): Promise<Obj[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map(async (f) => parse(await readFile(path.join(dir, f), 'utf8')) as Obj));
}

async function measureOne(kc: KubeConfig, crd: Obj): Promise<Timing> {
  const name = crd.metadata.name as string;
  const kind = crd.spec.names.kind as string;
  const t0 = now();
  const res = await kubeRequest(kc, 'POST', CRD_PATH, crd);
  if (res.status >= 300) throw new Error(`CRD ${name} rejected (${res.status}): ${String(res.body.message)}`);
  const createMs = now() - t0;
  await waitFor(
    `${name} Established`,
    async () => {
      const got = await kubeRequest<Obj>(kc, 'GET', `${CRD_PATH}/${name}`);
      const conds = (got.body.status?.conditions ?? []) as Array<{ type: string; status: string }>;
      return conds.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 50 },
  );
  const establishedMs = now() - t0;
  const example = parse(await readFile(path.join(root, 'examples', `${EXAMPLE[kind]}.yaml`), 'utf8')) as Obj;
  const objPath = resourcePath(crd.spec.group, crd.spec.versions[0].name, 'default', crd.spec.names.plural);
  await waitFor(
    `a first ${kind}`,
    async () => {
      const r = await kubeRequest(kc, 'POST', `${objPath}?dryRun=All`, example);
      return r.status === 201 ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 50 },
  );
  return { name, kind, bytes: JSON.stringify(crd).length, createMs, establishedMs, firstObjectMs: now() - t0 };
}

async function measureSet(kc: KubeConfig, crds: Obj[]): Promise<Timing[]> {
  const out: Timing[] = [];
  for (const crd of crds) out.push(await measureOne(kc, crd));
  for (const crd of crds) await kubeRequest(kc, 'DELETE', `${CRD_PATH}/${crd.metadata.name as string}`);
  for (const crd of crds)
    await waitFor(
      `${crd.metadata.name as string} deleted`,
      async () => ((await kubeRequest(kc, 'GET', `${CRD_PATH}/${crd.metadata.name as string}`)).status === 404 ? true : undefined),
      { timeoutMs: 120_000 },
    );
  return out;
}

function report(label: string, timings: Timing[]): { establishedMs: number; baselineMs: number; maxBytes: number } {
  console.log(`\n${label}`);
  console.log('crd'.padEnd(30), 'bytes'.padStart(8), 'create'.padStart(9), 'established'.padStart(12), 'first obj'.padStart(10));
  for (const t of timings)
    console.log(
      t.name.padEnd(30),
      String(t.bytes).padStart(8),
      `${t.createMs.toFixed(0)} ms`.padStart(9),
      `${t.establishedMs.toFixed(0)} ms`.padStart(12),
      `${t.firstObjectMs.toFixed(0)} ms`.padStart(10),
    );
  const withWorkflow = timings.filter((t) => t.kind !== 'RobotPool');
  const baseline = timings.find((t) => t.kind === 'RobotPool')!;
  return {
    establishedMs: Math.max(...withWorkflow.map((t) => t.establishedMs)),
    baselineMs: baseline.establishedMs,
    maxBytes: Math.max(...timings.map((t) => t.bytes)),
  };
}

/** Best (lowest) of each figure over the rounds: the machine is shared and noisy. */
function best(rounds: Timing[][]): Timing[] {
  return rounds[0]!.map((t, i) => {
    const all = rounds.map((r) => r[i]!);
    const min = (f: (x: Timing) => number) => Math.min(...all.map(f));
    return { ...t, createMs: min((x) => x.createMs), establishedMs: min((x) => x.establishedMs), firstObjectMs: min((x) => x.firstObjectMs) };
  });
}

const kube = await startKube({ binDir: process.env.AETHER_KUBE_BIN_DIR || undefined, controllerManager: false, log: silent });
try {
  const kc = kube.kubeConfig();
  const sets = [path.join(root, 'crds'), ...(against ? [against] : [])];
  const crds = await Promise.all(sets.map(readCrds));
  const rounds: Timing[][][] = sets.map(() => []);
  // Interleaved, so a burst of load elsewhere hits both sets alike.
  for (let r = 0; r < ROUNDS; r++) for (const [i, set] of crds.entries()) rounds[i]!.push(await measureSet(kc, set));
  const [current, old] = sets.map((dir, i) => report(dir, best(rounds[i]!)));
  let fields =
    `max_bytes=${current!.maxBytes} workflow_crd_established_ms=${current!.establishedMs.toFixed(0)} ` +
    `robotpool_established_ms=${current!.baselineMs.toFixed(0)} ratio_vs_robotpool=${(current!.establishedMs / current!.baselineMs).toFixed(1)}`;
  if (old)
    fields +=
      ` against_max_bytes=${old.maxBytes} against_workflow_crd_established_ms=${old.establishedMs.toFixed(0)}` +
      ` speedup_vs_against=${(old.establishedMs / current!.establishedMs).toFixed(2)}`;
  console.log(`\nRESULT crds ${fields}`);
} finally {
  await kube.stop();
}
