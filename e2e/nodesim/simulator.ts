// A node simulator: a Node object in a real API server whose "containers" are local processes. It binds
// the pending Pods that ask for it (there is no scheduler), runs each Pod's first container as the
// command its image maps to, reports Running/Ready, applies the restart policy, and on deletion does
// what the kubelet does: SIGTERM, SIGKILL after the grace period, then removes the Pod.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type Informer,
  type ObjectCache,
  type V1Pod,
} from '@kubernetes/client-node';
import { createLogger, type Logger } from '../../api/log.js';
import { writeKubeconfig } from '../harness/kubeconfig.js';
import {
  afterExit,
  commandForContainer,
  envReferences,
  exitCodeOf,
  gracePeriodSeconds,
  podStatus,
  resolveEnv,
  restartDelayMs,
  shouldBind,
  type ContainerState,
  type ImageTable,
} from './decide.js';

export interface NodeSimulatorOptions {
  kubeConfig: KubeConfig;
  nodeName: string;
  images: ImageTable;
  /** Watch and bind only Pods of this namespace (a per-test simulator). Default: all namespaces. */
  namespace?: string;
  /** Bind pending Pods that have no nodeSelector. Default: true when `namespace` is set. */
  claimUnselected?: boolean;
  /** Extra Node labels (kubernetes.io/hostname, kubernetes.io/os and aether.dev/nodesim are always set). */
  labels?: Record<string, string>;
  capacity?: { cpu?: string; memory?: string; pods?: string };
  /** Where per-Pod logs and kubeconfigs go. Default: a new temp dir, removed by stop() unless keepWorkDir. */
  workDir?: string;
  keepWorkDir?: boolean;
  /** Node lease and Ready heartbeat period. Default 10 s (the node controller's grace is 50 s). */
  heartbeatMs?: number;
  /** First restart back-off and its cap (the kubelet uses 10 s .. 5 min; tests want less). */
  restartBackoffMs?: { base: number; max: number };
  /** Give each process a KUBECONFIG with a token of its Pod's ServiceAccount (TokenRequest, bound
   *  to the Pod), so it acts with that ServiceAccount's RBAC as an in-cluster client would. Default true. */
  serviceAccountKubeconfig?: boolean;
  /** Delete the Node object on stop(). Default true. */
  deleteNodeOnStop?: boolean;
  /** Default: warnings and errors only, on stderr (pass a logger at level info to see every Pod step). */
  log?: Logger;
}

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  proc?: ChildProcess;
  exited?: Promise<void>;
  startedAt?: Date;
  restartCount: number;
  lastTerminated?: { exitCode: number; reason: string; finishedAt: Date };
  /** starting/running: a process is (being) started; backoff: waiting to restart; config: waiting for
   *  an env source; blocked: cannot run (bad image); terminating: being deleted; done: Succeeded/Failed. */
  state: 'starting' | 'running' | 'backoff' | 'config' | 'blocked' | 'terminating' | 'done';
  timer?: NodeJS.Timeout;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** metav1.MicroTime wants exactly six fractional digits. */
function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function isStatus(err: unknown, ...codes: number[]): boolean {
  return err instanceof ApiException && codes.includes(err.code);
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Process groups of running "containers": killed if this process exits without stop(). */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

/** The container's whole process tree dies with it, as when a container's cgroup is killed. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* no such group */
  }
}

export class NodeSimulator {
  readonly nodeName: string;
  readonly workDir: string;
  private readonly opts: NodeSimulatorOptions;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly log: Logger;
  private readonly labels: Record<string, string>;
  private readonly runs = new Map<string, PodRun>();
  private readonly inflight = new Set<string>();
  private readonly dirty = new Set<string>();
  private informer?: Informer<V1Pod> & ObjectCache<V1Pod>;
  private heartbeat?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private stopped = false;
  private readonly ownsWorkDir: boolean;

  constructor(opts: NodeSimulatorOptions) {
    this.opts = opts;
    this.nodeName = opts.nodeName;
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.log = (opts.log ?? createLogger({ name: 'nodesim', level: 'warn', destination: process.stderr })).child({
      kind: 'Node',
      name: opts.nodeName,
    });
    this.labels = {
      ...opts.labels,
      'kubernetes.io/hostname': opts.nodeName,
      'kubernetes.io/os': 'linux',
      'aether.dev/nodesim': 'true',
    };
    this.ownsWorkDir = !opts.workDir && !opts.keepWorkDir;
    this.workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), `aether-nodesim-${opts.nodeName}-`));
    mkdirSync(this.workDir, { recursive: true });
  }

  /** The file a Pod's process writes its stdout and stderr to (all restarts appended). */
  podLogFile(namespace: string, name: string): string {
    return join(this.workDir, `${namespace}_${name}.log`);
  }

  async start(): Promise<void> {
    await this.registerNode();
    await this.beat();
    this.heartbeat = setInterval(
      () => void this.beat().catch((err) => this.log.warn({ err }, 'heartbeat failed')),
      this.opts.heartbeatMs ?? 10_000,
    );
    const ns = this.opts.namespace;
    const path = ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods';
    const list = () => (ns ? this.core.listNamespacedPod({ namespace: ns }) : this.core.listPodForAllNamespaces());
    const informer = makeInformer<V1Pod>(this.opts.kubeConfig, path, list);
    const onPod = (pod: V1Pod) => this.enqueue(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    informer.on('add', onPod);
    informer.on('update', onPod);
    informer.on('delete', onPod);
    informer.on('error', (err) => {
      if (this.stopped) return;
      this.log.warn({ err }, 'pod watch failed; restarting it');
      setTimeout(() => void informer.start().catch(() => undefined), 1000);
    });
    this.informer = informer;
    await informer.start();
    // Level-based: revisit every known Pod now and then, so a lost event or a failed write heals.
    this.resync = setInterval(() => {
      for (const p of informer.list()) onPod(p);
      for (const r of this.runs.values()) this.enqueue(`${r.namespace}/${r.name}`);
    }, 5000);
    this.log.info({ namespace: ns ?? '*', workDir: this.workDir }, 'started node simulator');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearInterval(this.resync);
    await this.informer?.stop();
    await Promise.all(
      [...this.runs.values()].map(async (run) => {
        clearTimeout(run.timer);
        await this.killProcess(run, 3000);
      }),
    );
    this.runs.clear();
    if (this.opts.deleteNodeOnStop ?? true) {
      await this.core.deleteNode({ name: this.nodeName }).catch(() => undefined);
    }
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
    this.log.info({}, 'stopped node simulator');
  }

  // ---- node ----

  private async registerNode(): Promise<void> {
    try {
      await this.core.createNode({
        body: { apiVersion: 'v1', kind: 'Node', metadata: { name: this.nodeName, labels: this.labels } },
      });
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
      await this.core.patchNode({ name: this.nodeName, body: { metadata: { labels: this.labels } } }, mergePatch);
    }
    const cap = {
      cpu: this.opts.capacity?.cpu ?? '8',
      memory: this.opts.capacity?.memory ?? '16Gi',
      pods: this.opts.capacity?.pods ?? '110',
    };
    await this.core.patchNodeStatus(
      {
        name: this.nodeName,
        body: {
          status: {
            capacity: cap,
            allocatable: cap,
            addresses: [
              { type: 'InternalIP', address: '127.0.0.1' },
              { type: 'Hostname', address: this.nodeName },
            ],
            nodeInfo: {
              machineID: this.nodeName,
              systemUUID: this.nodeName,
              bootID: String(process.pid),
              kernelVersion: '',
              osImage: 'aether node simulator',
              containerRuntimeVersion: 'nodesim://1',
              kubeletVersion: 'v1.34.4',
              kubeProxyVersion: '',
              operatingSystem: 'linux',
              architecture: process.arch === 'x64' ? 'amd64' : process.arch,
            },
          },
        },
      },
      mergePatch,
    );
  }

  private async beat(): Promise<void> {
    const now = new Date().toISOString();
    const conditions = [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'node simulator is posting ready status',
        lastHeartbeatTime: now,
      },
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: now },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastHeartbeatTime: now },
      { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastHeartbeatTime: now },
    ];
    // A strategic merge patch merges conditions by type, so lastTransitionTime of unchanged ones stays.
    await this.core.patchNodeStatus(
      { name: this.nodeName, body: { status: { conditions } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const lease = { spec: { holderIdentity: this.nodeName, leaseDurationSeconds: 40, renewTime: microTime() } };
    try {
      await this.coordination.patchNamespacedLease(
        { name: this.nodeName, namespace: 'kube-node-lease', body: lease },
        mergePatch,
      );
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      await this.coordination.createNamespacedLease({
        namespace: 'kube-node-lease',
        body: { metadata: { name: this.nodeName }, spec: lease.spec as unknown as Record<string, never> },
      });
    }
  }

  // ---- pods: a de-duplicated queue of keys, one reconcile per key at a time ----

  private enqueue(key: string): void {
    if (this.stopped) return;
    if (this.inflight.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.inflight.add(key);
    void this.work(key);
  }

  private async work(key: string): Promise<void> {
    try {
      do {
        this.dirty.delete(key);
        await this.reconcile(key);
      } while (this.dirty.has(key) && !this.stopped);
    } catch (err) {
      this.log.warn({ err, pod: key }, 'pod reconcile failed; retrying');
      setTimeout(() => this.enqueue(key), 1000).unref();
    } finally {
      this.inflight.delete(key);
    }
  }

  private async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const pod = this.informer?.get(name, namespace);
    const run = this.runs.get(key);

    if (run && (!pod || pod.metadata?.uid !== run.uid)) {
      // Removed without us (force delete) or replaced by a new Pod of the same name.
      if (run.state !== 'terminating') {
        this.runs.delete(key);
        clearTimeout(run.timer);
        await this.killProcess(run, 0);
      }
      if (!pod) return;
    }
    if (!pod) return;

    if (!pod.spec?.nodeName) {
      if (
        shouldBind(
          pod,
          { name: this.nodeName, labels: this.labels },
          {
            namespace: this.opts.namespace,
            claimUnselected: this.opts.claimUnselected ?? Boolean(this.opts.namespace),
          },
        )
      ) {
        await this.bind(pod);
      }
      return;
    }
    if (pod.spec.nodeName !== this.nodeName) return;

    const current = this.runs.get(key);
    if (pod.metadata?.deletionTimestamp) {
      if (current?.state === 'terminating') return;
      await this.terminate(pod, current);
      return;
    }
    if (current) return; // running, backing off or finished: process exits drive what happens next
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const fresh: PodRun = {
      uid: pod.metadata!.uid!,
      namespace,
      name,
      restartCount: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
      state: 'starting',
    };
    this.runs.set(key, fresh);
    await this.startContainer(pod, fresh);
  }

  private async bind(pod: V1Pod): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    try {
      await this.core.createNamespacedPodBinding({
        name,
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid: pod.metadata?.uid },
          target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
        },
      });
      this.log.info({ namespace, pod: name }, 'bound pod');
    } catch (err) {
      // 409: another node (or an earlier try of ours) bound it first.
      if (!isStatus(err, 409, 404)) throw err;
    }
  }

  private async patchStatus(
    run: PodRun,
    pod: V1Pod,
    state: ContainerState,
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed',
  ): Promise<void> {
    const status = podStatus(pod, {
      state,
      restartCount: run.restartCount,
      lastTerminated: run.lastTerminated,
      phase,
      now: new Date(),
      startTime: pod.status?.startTime,
    });
    try {
      await this.core.patchNamespacedPodStatus(
        { name: run.name, namespace: run.namespace, body: { metadata: { uid: run.uid }, status } },
        mergePatch,
      );
    } catch (err) {
      if (!isStatus(err, 404, 409)) throw err;
    }
  }

  private async envSources(pod: V1Pod, refs: { secrets: string[]; configMaps: string[] }) {
    const namespace = pod.metadata!.namespace!;
    const orMissing = async <T>(p: Promise<T>) =>
      p.catch((err) => (isStatus(err, 404) ? undefined : Promise.reject(err)));
    const secrets: Record<string, Record<string, string> | undefined> = {};
    const configMaps: Record<string, Record<string, string> | undefined> = {};
    for (const name of refs.secrets) {
      const s = await orMissing(this.core.readNamespacedSecret({ name, namespace }));
      secrets[name] = s
        ? {
            ...Object.fromEntries(
              Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
            ),
            ...s.stringData,
          }
        : undefined;
    }
    for (const name of refs.configMaps) {
      const c = await orMissing(this.core.readNamespacedConfigMap({ name, namespace }));
      configMaps[name] = c ? { ...c.data } : undefined;
    }
    return { secrets, configMaps };
  }

  /** A kubeconfig with a token of the Pod's ServiceAccount, bound to the Pod (dies with it). */
  private async serviceAccountKubeconfig(pod: V1Pod): Promise<string | undefined> {
    if (!(this.opts.serviceAccountKubeconfig ?? true) || pod.spec?.automountServiceAccountToken === false)
      return undefined;
    const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
    const tr = await this.core.createNamespacedServiceAccountToken({
      name: pod.spec?.serviceAccountName ?? 'default',
      namespace,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: [], expirationSeconds: 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid } },
      },
    });
    const cluster = this.opts.kubeConfig.getCurrentCluster()!;
    const caFile = join(this.workDir, 'ca.crt');
    const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined;
    if (ca) {
      const fd = openSync(caFile, 'w');
      writeSync(fd, ca);
      closeSync(fd);
    }
    const path = join(this.workDir, `${namespace}_${name}.kubeconfig`);
    writeKubeconfig(path, {
      server: cluster.server,
      caFile: cluster.caFile ?? caFile,
      user: `system:serviceaccount:${namespace}:${pod.spec?.serviceAccountName ?? 'default'}`,
      credentials: { token: tr.status!.token },
    });
    return path;
  }

  private async startContainer(pod: V1Pod, run: PodRun): Promise<void> {
    const container = pod.spec!.containers[0]!;
    const cmd = commandForContainer(this.opts.images, container);
    if ('error' in cmd) {
      run.state = 'blocked';
      this.log.warn({ namespace: run.namespace, pod: run.name, reason: cmd.error }, 'cannot run pod');
      await this.patchStatus(run, pod, { kind: 'waiting', reason: 'ErrImageNeverPull', message: cmd.error }, 'Pending');
      return;
    }
    const resolved = resolveEnv(pod, container, await this.envSources(pod, envReferences(container)));
    if (resolved.errors.length) {
      run.state = 'config';
      await this.patchStatus(
        run,
        pod,
        { kind: 'waiting', reason: 'CreateContainerConfigError', message: resolved.errors.join('; ') },
        'Pending',
      );
      // The kubelet retries until the Secret/ConfigMap appears.
      run.timer = setTimeout(() => {
        if (this.runs.get(`${run.namespace}/${run.name}`) === run) this.runs.delete(`${run.namespace}/${run.name}`);
        this.enqueue(`${run.namespace}/${run.name}`);
      }, 2000);
      return;
    }
    const kubeconfig = await this.serviceAccountKubeconfig(pod);
    const cluster = new URL(this.opts.kubeConfig.getCurrentCluster()!.server);
    const base: Record<string, string> = {};
    for (const k of ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']) if (process.env[k]) base[k] = process.env[k]!;
    const env = {
      ...base,
      ...cmd.env,
      HOSTNAME: run.name,
      KUBERNETES_SERVICE_HOST: cluster.hostname,
      KUBERNETES_SERVICE_PORT: cluster.port || '443',
      ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
      ...resolved.env,
    };
    if (this.stopped) return; // stop() raced with this start: spawn nothing it would not reap
    this.spawnProcess(pod, run, cmd.command, cmd.args ?? [], cmd.cwd, env);
    await this.patchStatus(
      run,
      pod,
      { kind: 'running', startedAt: run.startedAt!, pid: run.proc!.pid ?? 0 },
      'Running',
    );
  }

  private spawnProcess(
    pod: V1Pod,
    run: PodRun,
    command: string,
    args: string[],
    cwd: string | undefined,
    env: Record<string, string>,
  ): void {
    const logFd = openSync(this.podLogFile(run.namespace, run.name), 'a');
    writeSync(
      logFd,
      `--- nodesim: starting ${command} ${args.join(' ')} (restart ${run.restartCount}) at ${new Date().toISOString()}\n`,
    );
    const proc = spawn(command, args, { cwd, env, stdio: ['ignore', logFd, logFd], detached: true });
    closeSync(logFd);
    run.proc = proc;
    if (proc.pid) liveGroups.add(proc.pid);
    run.startedAt = new Date();
    run.state = 'running';
    run.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (proc.pid) liveGroups.delete(proc.pid);
        resolve();
        void this.onExit(pod, run, proc, exitCodeOf(code, signal)).catch((err) =>
          this.log.warn({ err, pod: run.name }, 'handling process exit failed'),
        );
      };
      proc.once('exit', done);
      proc.once('error', (err) => {
        this.log.warn({ err, namespace: run.namespace, pod: run.name }, 'process failed to start');
        done(127, null);
      });
    });
    this.log.info({ namespace: run.namespace, pod: run.name, pid: proc.pid, command }, 'started pod process');
  }

  private async onExit(pod: V1Pod, run: PodRun, proc: ChildProcess, exitCode: number): Promise<void> {
    killGroup(proc.pid, 'SIGKILL'); // leftovers of the "container"
    if (run.proc !== proc || run.state === 'terminating' || this.stopped) return;
    const key = `${run.namespace}/${run.name}`;
    if (this.runs.get(key) !== run) return;
    const finishedAt = new Date();
    const reason = exitCode === 0 ? 'Completed' : 'Error';
    const outcome = afterExit(pod.spec?.restartPolicy, exitCode);
    this.log.info({ namespace: run.namespace, pod: run.name, exitCode, outcome }, 'pod process exited');
    const latest = this.informer?.get(run.name, run.namespace) ?? pod;
    if (outcome === 'restart') {
      run.restartCount += 1;
      run.lastTerminated = { exitCode, reason, finishedAt };
      run.state = 'backoff';
      const delay = restartDelayMs(
        run.restartCount,
        this.opts.restartBackoffMs?.base ?? 500,
        this.opts.restartBackoffMs?.max ?? 5000,
      );
      await this.patchStatus(
        run,
        latest,
        { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${delay} ms restarting failed container` },
        'Running',
      );
      run.timer = setTimeout(() => {
        const now = this.informer?.get(run.name, run.namespace);
        if (
          this.stopped ||
          run.state !== 'backoff' ||
          !now ||
          now.metadata?.deletionTimestamp ||
          now.metadata?.uid !== run.uid
        )
          return;
        run.state = 'starting';
        void this.startContainer(now, run).catch((err) => this.log.warn({ err, pod: run.name }, 'restart failed'));
      }, delay);
      return;
    }
    run.state = 'done';
    await this.patchStatus(
      run,
      latest,
      { kind: 'terminated', exitCode, reason, startedAt: run.startedAt, finishedAt },
      outcome,
    );
  }

  /** SIGTERM, then SIGKILL (to the whole process group) after `graceMs`; resolves when it is gone. */
  private async killProcess(run: PodRun, graceMs: number): Promise<void> {
    const proc = run.proc;
    if (!proc || !alive(proc.pid) || proc.exitCode !== null || proc.signalCode !== null) {
      killGroup(proc?.pid, 'SIGKILL');
      return;
    }
    if (graceMs > 0) {
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([run.exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    killGroup(proc.pid, 'SIGKILL');
    await run.exited;
  }

  private async terminate(pod: V1Pod, run: PodRun | undefined): Promise<void> {
    const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
    const graceMs = gracePeriodSeconds(pod) * 1000;
    if (run) {
      run.state = 'terminating';
      clearTimeout(run.timer);
      this.log.info({ namespace, pod: name, graceMs }, 'stopping pod process');
      await this.killProcess(run, graceMs);
    }
    try {
      // With a body the API server ignores query options: the grace period must be in the body.
      await this.core.deleteNamespacedPod({ name, namespace, body: { gracePeriodSeconds: 0, preconditions: { uid } } });
    } catch (err) {
      if (!isStatus(err, 404, 409)) throw err;
    }
    if (this.runs.get(`${namespace}/${name}`) === run) this.runs.delete(`${namespace}/${name}`);
    this.log.info({ namespace, pod: name }, 'removed pod');
  }
}
