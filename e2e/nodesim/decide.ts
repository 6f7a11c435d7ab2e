// Pure decisions of the node simulator: which Pods it binds, which local command an image runs,
// the container environment, what happens when a process exits, and the Pod status it reports.
import type { V1Container, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

/** What a container image runs on this machine: its entrypoint (command + default args) and cwd. */
export interface ImageCommand {
  command: string;
  args?: string[];
  cwd?: string;
  /** Extra environment, like an image's ENV lines (the Pod's env wins). */
  env?: Record<string, string>;
}

/** Image name (with or without tag/digest) -> local command. */
export type ImageTable = Record<string, ImageCommand>;

/** `repo/name:tag` or `repo/name@sha256:...` -> `repo/name`. A port in the registry host is kept. */
export function imageRepository(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * The local command for a container: the table entry for its exact image, else for its repository.
 * Like a container runtime, the Pod's `args` replace the image's default args; `command` (a new
 * entrypoint) cannot be honoured for a local binary and is an error.
 */
export function commandForContainer(table: ImageTable, container: V1Container): ImageCommand | { error: string } {
  const image = container.image ?? '';
  const entry = table[image] ?? table[imageRepository(image)];
  if (!entry) return { error: `image ${JSON.stringify(image)} is not in the node simulator's image table` };
  if (container.command?.length)
    return { error: `container ${container.name} sets command, which the node simulator cannot run; use args` };
  return { ...entry, args: container.args ?? entry.args ?? [] };
}

export interface SimNode {
  name: string;
  labels: Record<string, string>;
}

/**
 * Whether this node binds a pending Pod. There is no scheduler: a Pod asks for a node through its
 * nodeSelector (every key must match the node's labels); a Pod without one is taken only when the
 * simulator claims unselected Pods (a per-test simulator scoped to its namespace does).
 */
export function shouldBind(pod: V1Pod, node: SimNode, opts: { namespace?: string; claimUnselected: boolean }): boolean {
  if (pod.spec?.nodeName) return false;
  if (pod.metadata?.deletionTimestamp) return false;
  if (opts.namespace && pod.metadata?.namespace !== opts.namespace) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const selector = pod.spec?.nodeSelector ?? {};
  const keys = Object.keys(selector);
  if (keys.length === 0) return opts.claimUnselected;
  return keys.every((k) => node.labels[k] === selector[k]);
}

export type ExitOutcome = 'restart' | 'Succeeded' | 'Failed';

/** The kubelet's rule for a container that exited (a single-container Pod). */
export function afterExit(restartPolicy: string | undefined, exitCode: number): ExitOutcome {
  switch (restartPolicy ?? 'Always') {
    case 'Never':
      return exitCode === 0 ? 'Succeeded' : 'Failed';
    case 'OnFailure':
      return exitCode === 0 ? 'Succeeded' : 'restart';
    default:
      return 'restart';
  }
}

/** Back-off before restart number `restartCount` (1, 2, ...): doubling from `baseMs`, capped. */
export function restartDelayMs(restartCount: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, restartCount - 1));
}

/** An exit by signal gets 128 + signal number, as a shell and the kubelet report it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const numbers: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
    SIGABRT: 6,
    SIGSEGV: 11,
  };
  return 128 + (signal ? (numbers[signal] ?? 0) : 0);
}

/** Seconds between SIGTERM and SIGKILL for a Pod being deleted. */
export function gracePeriodSeconds(pod: V1Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

// ---- environment ----

/** Decoded data of the Secrets and ConfigMaps a container refers to; undefined = not found. */
export interface EnvSources {
  secrets: Record<string, Record<string, string> | undefined>;
  configMaps: Record<string, Record<string, string> | undefined>;
}

export function envReferences(container: V1Container): { secrets: string[]; configMaps: string[] } {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
  }
  for (const f of container.envFrom ?? []) {
    if (f.secretRef?.name) secrets.add(f.secretRef.name);
    if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
  }
  return { secrets: [...secrets], configMaps: [...configMaps] };
}

function fieldValue(pod: V1Pod, fieldPath: string): string | { error: string } {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.podIP':
      return '127.0.0.1';
    default:
      return { error: `fieldRef ${fieldPath} is not supported by the node simulator` };
  }
}

/** Kubernetes' $(VAR) expansion: refers to variables defined earlier; $$ escapes; unknown refs stay. */
export function expandVars(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([^)]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    return name !== undefined && Object.hasOwn(defined, name) ? defined[name]! : whole;
  });
}

/**
 * The container's environment as the kubelet builds it: envFrom first, then env (later wins), with
 * Secret/ConfigMap/field references resolved. A missing non-optional source is an error
 * (the kubelet's CreateContainerConfigError); all errors are reported together.
 */
export function resolveEnv(
  pod: V1Pod,
  container: V1Container,
  sources: EnvSources,
): { env: Record<string, string>; errors: string[] } {
  const env: Record<string, string> = {};
  const errors: string[] = [];
  for (const f of container.envFrom ?? []) {
    const ref = f.secretRef ?? f.configMapRef;
    if (!ref?.name) continue;
    const kind = f.secretRef ? 'secret' : 'configmap';
    const data = f.secretRef ? sources.secrets[ref.name] : sources.configMaps[ref.name];
    if (!data) {
      if (!ref.optional) errors.push(`${kind} "${ref.name}" not found`);
      continue;
    }
    for (const [k, v] of Object.entries(data)) env[(f.prefix ?? '') + k] = v;
  }
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      env[e.name] = expandVars(e.value ?? '', env);
      continue;
    }
    const keyRef = from.secretKeyRef ?? from.configMapKeyRef;
    if (keyRef) {
      const kind = from.secretKeyRef ? 'secret' : 'configmap';
      const data = from.secretKeyRef ? sources.secrets[keyRef.name ?? ''] : sources.configMaps[keyRef.name ?? ''];
      const value = data?.[keyRef.key];
      if (value !== undefined) env[e.name] = value;
      else if (!keyRef.optional)
        errors.push(
          data ? `couldn't find key ${keyRef.key} in ${kind} ${keyRef.name}` : `${kind} "${keyRef.name}" not found`,
        );
      continue;
    }
    if (from.fieldRef) {
      const v = fieldValue(pod, from.fieldRef.fieldPath);
      if (typeof v === 'string') env[e.name] = v;
      else errors.push(v.error);
      continue;
    }
    errors.push(`env ${e.name}: only secretKeyRef, configMapKeyRef and fieldRef are supported by the node simulator`);
  }
  return { env, errors };
}

// ---- status ----

export type ContainerState =
  | { kind: 'running'; startedAt: Date; pid: number }
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'terminated'; exitCode: number; reason: string; startedAt?: Date; finishedAt: Date };

/** A Pod condition whose lastTransitionTime moves only when its status changes. */
function condition(pod: V1Pod, type: string, ok: boolean, now: Date, reason?: string): V1PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = pod.status?.conditions?.find((c) => c.type === type);
  const since = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return { type, status, lastTransitionTime: since, ...(reason ? { reason } : {}) };
}

/** The status the simulator reports for a single-container Pod. */
export function podStatus(
  pod: V1Pod,
  args: {
    state: ContainerState;
    restartCount: number;
    lastTerminated?: { exitCode: number; reason: string; finishedAt: Date };
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
    now: Date;
    startTime?: Date;
  },
): V1PodStatus {
  const container = pod.spec?.containers?.[0];
  const s = args.state;
  const ready = s.kind === 'running';
  const phase = args.phase ?? (s.kind === 'running' ? 'Running' : 'Pending');
  const containerStatus: V1ContainerStatus = {
    name: container?.name ?? 'main',
    image: container?.image ?? '',
    imageID: '',
    ready,
    started: s.kind === 'running',
    restartCount: args.restartCount,
    state:
      s.kind === 'running'
        ? { running: { startedAt: s.startedAt } }
        : s.kind === 'waiting'
          ? { waiting: { reason: s.reason, message: s.message } }
          : {
              terminated: { exitCode: s.exitCode, reason: s.reason, startedAt: s.startedAt, finishedAt: s.finishedAt },
            },
    ...(s.kind === 'running' ? { containerID: `nodesim://${s.pid}` } : {}),
    ...(args.lastTerminated
      ? {
          lastState: {
            terminated: {
              exitCode: args.lastTerminated.exitCode,
              reason: args.lastTerminated.reason,
              finishedAt: args.lastTerminated.finishedAt,
            },
          },
        }
      : {}),
  };
  const notReadyReason = ready
    ? undefined
    : phase === 'Succeeded' || phase === 'Failed'
      ? 'PodCompleted'
      : 'ContainersNotReady';
  return {
    phase,
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: '127.0.0.1',
    podIPs: [{ ip: '127.0.0.1' }],
    startTime: args.startTime ?? args.now,
    conditions: [
      condition(pod, 'PodScheduled', true, args.now),
      condition(pod, 'Initialized', true, args.now),
      condition(pod, 'ContainersReady', ready, args.now, notReadyReason),
      condition(pod, 'Ready', ready, args.now, notReadyReason),
    ],
    containerStatuses: [containerStatus],
  };
}
