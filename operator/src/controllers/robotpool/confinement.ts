// RobotPool confinement (pure): a RobotPool may only ask for what the platform allows in the chart's
// values (robots.allowedImages, allowedServiceAccounts, allowedEnvSecrets, allowedSchedulingFields),
// and never for env variables that change the robot's runtime. Returns every refused field at once.
import type { RobotPoolSpec } from '../../../../api/v1alpha1/index.js';

export const SCHEDULING_FIELDS = ['nodeSelector', 'tolerations'] as const;
export type SchedulingField = (typeof SCHEDULING_FIELDS)[number];

export interface RobotConfinement {
  /** Images a pool may run: exact references, or a prefix ending in `*` (e.g. `registry/robot:*`). */
  allowedImages: readonly string[];
  /** ServiceAccounts a pool may name (a pool naming none gets the robot SA). */
  allowedServiceAccounts: readonly string[];
  /** Secrets (in the pool's namespace) a pool's env may read with valueFrom.secretKeyRef. */
  allowedEnvSecrets: readonly string[];
  /** Scheduling fields a pool may set. */
  allowedSchedulingFields: readonly SchedulingField[];
}

/**
 * Env names a pool never sets: the Node.js and dynamic-loader knobs that run code in the robot, and
 * ours (AETHER_*: the database URL, egress, pool identity) except a few harmless tuning variables.
 */
const RESERVED_ENV_PREFIXES = ['AETHER_', 'NODE_', 'LD_', 'PLAYWRIGHT_', 'CHROME_', 'DBOS_'] as const;
const RESERVED_ENV_NAMES = new Set(['HOME', 'PATH', 'NODE_OPTIONS', 'LD_PRELOAD', 'UV_THREADPOOL_SIZE']);
/** Ours a pool may still tune: they change no trust boundary. */
export const TUNABLE_ENV = new Set(['AETHER_METRICS_PORT', 'AETHER_METRICS_HOST', 'AETHER_SHUTDOWN_GRACE_SECONDS', 'AETHER_LOG_LEVEL']);

export function reservedEnvName(name: string): boolean {
  if (TUNABLE_ENV.has(name)) return false;
  const upper = name.toUpperCase();
  return RESERVED_ENV_NAMES.has(upper) || RESERVED_ENV_PREFIXES.some((p) => upper.startsWith(p));
}

export function imageAllowed(image: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => (a.endsWith('*') ? image.startsWith(a.slice(0, -1)) : image === a));
}

/** Every field of the spec outside the allow-list, as `spec.<path>: why` (empty: admitted). */
export function refusedFields(spec: RobotPoolSpec, c: RobotConfinement): string[] {
  const out: string[] = [];
  if (!imageAllowed(spec.image, c.allowedImages))
    out.push(`spec.image: ${JSON.stringify(spec.image)} is not an allowed robot image (chart value robots.allowedImages)`);
  if (spec.serviceAccountName !== undefined && !c.allowedServiceAccounts.includes(spec.serviceAccountName))
    out.push(`spec.serviceAccountName: ${JSON.stringify(spec.serviceAccountName)} is not an allowed robot ServiceAccount (chart value robots.allowedServiceAccounts)`);
  for (const field of SCHEDULING_FIELDS) {
    if (spec[field] !== undefined && !c.allowedSchedulingFields.includes(field))
      out.push(`spec.${field}: scheduling fields are not allowed for pools (chart value robots.allowedSchedulingFields)`);
  }
  for (const [i, e] of (spec.env ?? []).entries()) {
    if (reservedEnvName(e.name)) out.push(`spec.env[${i}].name: ${JSON.stringify(e.name)} is reserved: it changes the robot's runtime`);
    const secret = e.valueFrom?.secretKeyRef?.name;
    if (secret !== undefined && !c.allowedEnvSecrets.includes(secret))
      out.push(`spec.env[${i}].valueFrom.secretKeyRef.name: Secret ${JSON.stringify(secret)} is not allowed for robot env (chart value robots.allowedEnvSecrets)`);
  }
  return out;
}
