// The robot Deployment of a RobotPool, built by a pure function: labels, owner reference, the robot
// container (image, env with the database Secret reference, pool, namespace and pod name, concurrency),
// scheduling fields, and the volumes Chromium needs (/tmp, a memory-backed /dev/shm).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../../api/queue/digest.js';
import { API_VERSION, type RobotPoolSpec } from '../../../../api/v1alpha1/index.js';
import { ANNOTATIONS, LABELS, MANAGER } from '../names.js';
import { reservedEnvName } from './confinement.js';

export const ROBOT_METRICS_PORT = 9464;

export interface RobotDefaults {
  /** ServiceAccount of robot pods when the pool names none. */
  serviceAccountName?: string;
  /** Secret (in the pool's namespace) and key holding the database URL. */
  databaseSecret: { name: string; key: string };
  /**
   * The Secret is the operator-issued one of the namespace (tenancy): it also names the namespace's DBOS
   * schema, which the operator migrated, so robots launch DBOS without migrating (their role has no DDL).
   */
  issuedSecret?: boolean;
  /** The cluster's service and pod CIDRs (chart values): robots refuse them unless the pool allows them. */
  clusterCidrs?: readonly string[];
  /** Database timeouts and the outage budget (AETHER_DB_* variables), as the chart set them on the operator. */
  databaseEnv?: Readonly<Record<string, string>>;
}

/** Egress settings of the robot: the pool's spec and the platform's, never a user env variable. */
const EGRESS_ENV = new Set(['AETHER_NETWORK_ALLOW', 'AETHER_CLUSTER_CIDRS']);

export interface PoolRef {
  name: string;
  namespace: string;
  uid: string;
}

/** Label values are at most 63 characters: long names keep a prefix and a hash. */
export function labelValue(name: string): string {
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/[-.]+$/, '')}-${hash}`;
}

export function deploymentName(pool: string): string {
  const full = `${pool}-robot`;
  if (full.length <= 200) return full;
  return `${labelValue(pool)}-robot`;
}

export function selectorLabels(pool: string): Record<string, string> {
  return { [LABELS.partOf]: 'aether', [LABELS.component]: 'robot', [LABELS.pool]: labelValue(pool) };
}

/** The label selector string of the pool's pods (RobotPool status.selector, for the scale subresource). */
export function selectorString(pool: string): string {
  return Object.entries(selectorLabels(pool))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function robotLabels(pool: string): Record<string, string> {
  return { ...selectorLabels(pool), [LABELS.name]: 'aether-robot', [LABELS.instance]: labelValue(pool), [LABELS.managedBy]: MANAGER };
}

type EnvVar = { name: string; value?: string; valueFrom?: Record<string, unknown> };

/**
 * The version a robot reports (AETHER_ROBOT_VERSION, the console's Robots page): its image's tag, or the
 * digest's first 12 hex digits for an image pinned by digest, `latest` for an untagged one.
 */
export function imageVersion(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) {
    const digest = image.slice(at + 1);
    const colon = digest.indexOf(':');
    return colon >= 0 ? `${digest.slice(0, colon)}:${digest.slice(colon + 1, colon + 13)}` : digest;
  }
  const name = image.slice(image.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon >= 0 && colon < name.length - 1 ? name.slice(colon + 1) : 'latest';
}

/**
 * Our variables first; a user variable of the same name replaces ours (one entry per name), except the
 * egress settings, which only spec.network and the platform set.
 */
function robotEnv(pool: PoolRef, spec: RobotPoolSpec, defaults: RobotDefaults): EnvVar[] {
  const ours: EnvVar[] = [
    { name: 'AETHER_DATABASE_URL', valueFrom: { secretKeyRef: { name: defaults.databaseSecret.name, key: defaults.databaseSecret.key } } },
    ...(defaults.issuedSecret
      ? [
          { name: 'AETHER_DBOS_SCHEMA', valueFrom: { secretKeyRef: { name: defaults.databaseSecret.name, key: 'dbosSchema' } } },
          { name: 'AETHER_DBOS_MIGRATE', value: 'false' },
        ]
      : []),
    { name: 'AETHER_POOL', value: pool.name },
    { name: 'AETHER_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'AETHER_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'AETHER_CONCURRENCY', value: String(spec.concurrencyPerRobot) },
    { name: 'AETHER_ROBOT_VERSION', value: imageVersion(spec.image) },
    { name: 'AETHER_METRICS_PORT', value: String(ROBOT_METRICS_PORT) },
    { name: 'HOME', value: '/tmp' },
    // The pool's egress exceptions (spec.network.allow), as a JSON list; see README "Egress".
    { name: 'AETHER_NETWORK_ALLOW', value: JSON.stringify(spec.network?.allow ?? []) },
    // The pool's artifact caps (spec.artifacts); the robot bounds them again.
    ...(spec.artifacts?.maxFileBytes !== undefined ? [{ name: 'AETHER_ARTIFACT_MAX_FILE_BYTES', value: String(spec.artifacts.maxFileBytes) }] : []),
    ...(spec.artifacts?.maxJobBytes !== undefined ? [{ name: 'AETHER_ARTIFACT_MAX_JOB_BYTES', value: String(spec.artifacts.maxJobBytes) }] : []),
  ];
  if (defaults.clusterCidrs && defaults.clusterCidrs.length > 0)
    ours.push({ name: 'AETHER_CLUSTER_CIDRS', value: defaults.clusterCidrs.join(',') });
  for (const [name, value] of Object.entries(defaults.databaseEnv ?? {})) ours.push({ name, value });
  if (spec.terminationGracePeriodSeconds !== undefined)
    // Leave the robot a few seconds after its jobs' grace to hand them back before SIGKILL.
    ours.push({ name: 'AETHER_SHUTDOWN_GRACE_SECONDS', value: String(Math.max(0, spec.terminationGracePeriodSeconds - 5)) });
  // The pool's reserved names are refused before (confinement.ts); dropped here too, defence in depth.
  const user = ((spec.env ?? []) as EnvVar[]).filter((e) => !EGRESS_ENV.has(e.name) && !reservedEnvName(e.name));
  const userNames = new Set(user.map((e) => e.name));
  return [...ours.filter((e) => !userNames.has(e.name)), ...user];
}

/** The robot user of the image (robot-image/Dockerfile): non-root, as Pod Security "restricted" asks. */
export const ROBOT_UID = 10001;

/** Pod Security "restricted": non-root, no privilege escalation, seccomp RuntimeDefault, drop ALL. */
export const ROBOT_POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: ROBOT_UID,
  runAsGroup: ROBOT_UID,
  fsGroup: ROBOT_UID,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;
export const ROBOT_CONTAINER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** The whole Deployment as a server-side apply body (wire field names). */
export function robotDeployment(pool: PoolRef, spec: RobotPoolSpec, replicas: number, defaults: RobotDefaults): Record<string, unknown> {
  const labels = robotLabels(pool.name);
  const serviceAccountName = spec.serviceAccountName ?? defaults.serviceAccountName;
  const podSpec: Record<string, unknown> = {
    ...(serviceAccountName ? { serviceAccountName } : {}),
    ...(spec.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds } : {}),
    ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
    ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
    ...(spec.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets } : {}),
    securityContext: ROBOT_POD_SECURITY_CONTEXT,
    containers: [
      {
        name: 'robot',
        image: spec.image,
        ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
        securityContext: ROBOT_CONTAINER_SECURITY_CONTEXT,
        env: robotEnv(pool, spec, defaults),
        ports: [{ name: 'metrics', containerPort: ROBOT_METRICS_PORT, protocol: 'TCP' }],
        ...(spec.resources ? { resources: spec.resources } : {}),
        readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10, failureThreshold: 6 },
        volumeMounts: [
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'dshm', mountPath: '/dev/shm' },
        ],
      },
    ],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      { name: 'dshm', emptyDir: { medium: 'Memory' } },
    ],
  };
  const body = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: deploymentName(pool.name),
      namespace: pool.namespace,
      labels,
      ownerReferences: [{ apiVersion: API_VERSION, kind: 'RobotPool', name: pool.name, uid: pool.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(pool.name) },
      // Robots hand back their jobs on SIGTERM; a rolling update may replace them all at once.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
  const hash = createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 16);
  return { ...body, metadata: { ...body.metadata, annotations: { [ANNOTATIONS.deploymentHash]: hash } } };
}
