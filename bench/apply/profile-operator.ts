// Profiles the operator's CPU while it queues RpaJobs (the timed part of `npm run bench -- apply`):
//   npx tsx bench/apply/profile-operator.ts [count] [--finalizer-at-create] [--compiled] [--no-profile] [--perf]
//                                           [--operator-root=DIR]   (another checkout's operator, for A/B runs)
//                                           [--node-arg=ARG ...]    (extra node options of the operator)
// The operator runs with --cpu-prof; only the samples taken between the first create and the last job
// seen Queued are counted, so tsx's load-time transpile and the start-up are left out. Prints the CPU
// line and write counts as the bench does, then the top self-time functions and a breakdown by source.
// V8's profiler samples wall time: a write that wakes PostgreSQL or the API server may be preempted
// right there (2 cores), so `writev` looks costly. --perf also runs `perf record` on the operator over
// the window (on-CPU samples only, kernel included) and prints its top symbols.
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { NOOP_WORKFLOW } from '../../api/queue/fixtures.js';
import { withKeepAlive } from '../../operator/src/controllers/keep-alive.js';
import { API, RPAJOB_FINALIZER } from '../../operator/src/controllers/names.js';
import { apiserverWrites, clusterCpu, cpuDelta, inParallel, startBenchCluster } from '../../e2e/operator/bench-env.js';
import { freePort } from '../../e2e/harness/ports.js';
import { compileOperator, REPO_ROOT } from '../../e2e/operator/operator-process.js';

const args = process.argv.slice(2);
const COUNT = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
const finalizerAtCreate = args.includes('--finalizer-at-create');
const compiledRoot = args.includes('--compiled') ? compileOperator() : undefined;
const usePerf = args.includes('--perf');
const useProfile = !args.includes('--no-profile');
const operatorRoot = args.find((a) => a.startsWith('--operator-root='))?.slice('--operator-root='.length) ?? REPO_ROOT;
const TOP = 40;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) per function and per source bucket, from samples whose time lies in [fromUs, toUs]. */
function analyse(profile: CpuProfile, fromUs: number, toUs: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1]! : 0;
    if (t < fromUs || t > toUs) continue;
    // A sample stands for the time until the next one.
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + next / 1000);
    total += next / 1000;
  }
  const where = (n: ProfileNode) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    return url ? `${url.startsWith('/') ? relative(REPO_ROOT, url) : url}:${n.callFrame.lineNumber + 1}` : '';
  };
  const bucket = (n: ProfileNode): string => {
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    if (!url) return n.callFrame.functionName || '(native)';
    if (url.startsWith('node:')) return url;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) return m[1]!;
    return relative(REPO_ROOT, url).split('/').slice(0, 2).join('/');
  };
  const fns = new Map<string, number>();
  const buckets = new Map<string, number>();
  // Attributes native/builtin frames to the nearest caller with a script URL as well.
  const owners = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const fkey = `${n.callFrame.functionName || '(anonymous)'} ${where(n)}`;
    fns.set(fkey, (fns.get(fkey) ?? 0) + ms);
    buckets.set(bucket(n), (buckets.get(bucket(n)) ?? 0) + ms);
    let o: ProfileNode | undefined = n;
    while (o && !o.callFrame.url.includes(REPO_ROOT) && !o.callFrame.url.includes('node_modules'))
      o = byId.get(parent.get(o.id) ?? -1);
    const okey = o ? bucket(o) : bucket(n);
    owners.set(okey, (owners.get(okey) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, fns: sorted(fns), buckets: sorted(buckets), owners: sorted(owners) };
}

const cluster = await startBenchCluster();
const { namespace } = cluster;
const kc = withKeepAlive(cluster.kc);
const custom = kc.makeApiClient(CustomObjectsApi);
const logDir = mkdtempSync(join(tmpdir(), 'aether-profile-operator-'));
const profDir = join(logDir, 'prof');
// As e2e/operator/operator-process.ts starts it, plus --cpu-prof (which NODE_OPTIONS does not take).
const port = await freePort();
const logFile = join(logDir, 'operator.log');
const fd = openSync(logFile, 'a');
const entry = compiledRoot
  ? [join(compiledRoot, 'operator/src/main.js')]
  : ['--import', 'tsx', join(operatorRoot, 'operator/src/main.ts')];
const perfFlags = usePerf ? ['--perf-basic-prof'] : [];
const profFlags = useProfile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
const nodeArgs = args.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length));
const proc = spawn(process.execPath, [...profFlags, ...perfFlags, ...nodeArgs, ...entry], {
  cwd: operatorRoot,
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AETHER_METRICS_HOST: '127.0.0.1',
    AETHER_METRICS_PORT: String(port),
    AETHER_LEADER_ELECTION_IDENTITY: 'bench',
    AETHER_DATABASE_URL: cluster.databaseUrl,
    KUBECONFIG: cluster.kube.kubeconfigPath,
    AETHER_WATCH_NAMESPACE: namespace,
    AETHER_LEADER_ELECTION: 'false',
    AETHER_LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', fd, fd],
});
closeSync(fd);
const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
const ready = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
let window: { fromUs: number; toUs: number } | undefined;
try {
  while (!(await ready())) {
    if (proc.exitCode !== null) throw new Error(`operator exited; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const queued = new Set<string>();
  let allQueued: () => void = () => {};
  const done = new Promise<void>((r) => (allQueued = r));
  type Seen = { metadata: { name: string }; status?: { phase?: string } };
  const see = (o: Seen) => {
    if (o.status?.phase === 'Queued') queued.add(o.metadata.name);
    if (queued.size >= COUNT) allQueued();
  };
  const watch = await new Watch(kc).watch(
    `/apis/${API.group}/${API.version}/namespaces/${namespace}/rpajobs`,
    {},
    (_t: string, o: Seen) => see(o),
    () => undefined,
  );
  // A slow poll besides the watch, as the bench has, in case the watch ends early.
  const poll = setInterval(() => {
    void custom
      .listNamespacedCustomObject({ ...API, plural: 'rpajobs', namespace })
      .then((l: { items: Seen[] }) => l.items.forEach(see))
      .catch(() => undefined);
  }, 3000);
  const perfData = join(logDir, 'perf.data');
  const perf = usePerf
    ? spawn('perf', ['record', '-q', '-F', '997', '-g', '-p', String(proc.pid), '-o', perfData], { stdio: 'ignore' })
    : undefined;
  if (perf) await new Promise((r) => setTimeout(r, 500));
  const cpu0 = clusterCpu(cluster, proc.pid!);
  const t0 = process.hrtime.bigint();
  await inParallel(
    Array.from({ length: COUNT }, (_, i) => i),
    16,
    async (i) => {
      await custom.createNamespacedCustomObject({
        ...API,
        plural: 'rpajobs',
        namespace,
        body: {
          apiVersion: `${API.group}/${API.version}`,
          kind: 'RpaJob',
          metadata: { name: `job-${i}`, ...(finalizerAtCreate ? { finalizers: [RPAJOB_FINALIZER] } : {}) },
          spec: { pool: 'bench', workflow: NOOP_WORKFLOW },
        },
      });
    },
  );
  await done;
  const t1 = process.hrtime.bigint();
  const cpu = cpuDelta(cpu0, clusterCpu(cluster, proc.pid!));
  watch.abort();
  clearInterval(poll);
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((r) => perf.once('exit', r));
    const report = spawnSync(
      'perf',
      [
        'report',
        '-i',
        perfData,
        '--no-children',
        '--stdio',
        '-g',
        'none',
        '--percent-limit',
        '0.7',
        '--sort',
        'dso,symbol',
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    console.log(
      `perf (on-CPU samples of the operator during the window):\n${report.stdout
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .join('\n')}`,
    );
  }
  // hrtime and V8's profile clock are both CLOCK_MONOTONIC (µs in the profile).
  window = { fromUs: Number(t0 / 1000n), toUs: Number(t1 / 1000n) };
  console.log(
    `${COUNT} RpaJobs Queued after ${(Number(t1 - t0) / 1e9).toFixed(2)} s${finalizerAtCreate ? ' (finalizer set at create)' : ''}${operatorRoot !== REPO_ROOT ? ` (operator of ${operatorRoot})` : ''}${compiledRoot ? ' (compiled)' : ''}`,
  );
  console.log(`CPU used while the RpaJobs were created and queued: ${cpu}`);
  console.log(`API server writes: ${JSON.stringify(await apiserverWrites(kc, ['rpajobs', 'events']))}`);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  console.log(
    `operator reconciles: ${metrics
      .split('\n')
      .filter((l) => l.startsWith('aether_reconcile_total{'))
      .join(', ')}`,
  );
} finally {
  proc.kill('SIGTERM'); // main.ts exits on it, and the profile is written at exit
  await exited;
  await cluster.stop();
}

if (!useProfile) process.exit(0);
// The main thread's profile (tsx's loader-hooks thread writes a second, small one).
const file = readdirSync(profDir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort((a, b) => statSync(join(profDir, b)).size - statSync(join(profDir, a)).size)[0];
if (!file || !window) throw new Error(`no profile in ${profDir}`);
const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
const { total, fns, buckets, owners } = analyse(profile, window.fromUs, window.toUs);
const idle = fns.filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
console.log(
  `\nprofile ${join(profDir, file)}: ${total.toFixed(0)} ms in the window, ${(total - idle).toFixed(0)} ms not idle`,
);
console.log(`\ntop ${TOP} self time (ms):`);
for (const [k, v] of fns.slice(0, TOP)) console.log(`${v.toFixed(1).padStart(8)}  ${k}`);
console.log('\nself time by source (ms):');
for (const [k, v] of buckets.slice(0, 25)) console.log(`${v.toFixed(1).padStart(8)}  ${k}`);
console.log('\nself time by nearest script caller (ms):');
for (const [k, v] of owners.slice(0, 25)) console.log(`${v.toFixed(1).padStart(8)}  ${k}`);
