// The robot's configuration, read once from the environment at the edge (main.ts) and validated
// with zod. Every problem is reported at once, each naming the variable and what it expects.
import { z } from 'zod';
import type { DbSettings } from '../../../api/db/pool.js';
import { DB_SETTINGS_ENV, dbSettingsFrom, startupWaitMsFrom } from '../../../api/db/settings.js';
import { issueLines } from '../../../api/zod-issues.js';
import { packageVersion } from '../../../api/version.js';
import { MAX_ARTIFACT_CAPS, DEFAULT_ARTIFACT_CAPS, type ArtifactCaps } from '../../../api/v1alpha1/artifacts.js';
import { compileEgressPolicy, EgressPolicyError, type EgressPolicy } from '../egress/decide.js';

export interface AgentConfig {
  databaseUrl: string;
  /**
   * DBOS's system tables: AETHER_DBOS_SCHEMA (default 'dbos'; a cluster robot gets its namespace's schema
   * from the operator-issued database Secret) and whether this process may create or migrate them
   * (AETHER_DBOS_MIGRATE, default true; false where the robot's database role has no DDL).
   */
  dbos: { schema: string; migrate: boolean };
  pool: string;
  namespace: string;
  podName: string;
  /** AETHER_ROBOT_VERSION (the operator sets the robot image's tag), else the package version. */
  version: string;
  /** Jobs this robot runs at the same time. */
  concurrency: number;
  /** AETHER_CHROMIUM_PATH; absent: the robot looks for one (browser/discover.ts). */
  chromiumPath?: string;
  headless: boolean;
  stepTimeoutSeconds: number;
  /** On SIGTERM: how long running jobs may go on before they are handed back. */
  shutdownGraceSeconds: number;
  metricsPort: number;
  metricsHost: string;
  /** Absent: in-cluster service account. */
  kubeconfig?: string;
  logLevel: LogLevel;
  /** Delay before the first retry of a failed attempt (it doubles per further failure). */
  retryBackoffBaseSeconds: number;
  /** How long this robot's heartbeat stays valid; after that the operator's sweeper releases its jobs. */
  leaseSeconds: number;
  /** Timeouts and keepalive of every database connection (AETHER_DB_*). */
  database: DbSettings;
  /** How long to wait for the database at start (api/db/wait.ts); absent: its default. */
  databaseStartupWaitMs?: number;
  /**
   * How long the robot works on through a database outage while holding jobs; past it, it stops them and
   * exits non-zero (queue/lease.ts). AETHER_DB_OUTAGE_BUDGET_SECONDS, default 30.
   */
  outageBudgetSeconds: number;
  /** Test hook: the process SIGKILLs itself right after this step's checkpoint (1-based). */
  testCrashAfterStep?: number;
  /**
   * Where jobs may send requests: AETHER_NETWORK_ALLOW (the pool's spec.network.allow as a JSON list,
   * set by the operator) and AETHER_CLUSTER_CIDRS (the cluster's service and pod ranges, comma-separated).
   */
  egress: EgressPolicy;
  /** Caps on each job's artifacts: AETHER_ARTIFACT_MAX_FILE_BYTES, AETHER_ARTIFACT_MAX_JOB_BYTES (the pool's spec.artifacts). */
  artifactCaps: ArtifactCaps;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid robot configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const required = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, `is required (${what})`);

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

const boolean = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
    .transform((v) => ['true', '1', 'yes'].includes(v))
    .optional()
    .transform((v) => v ?? fallback);

const postgresUrl = required('a postgres:// URL').refine((v) => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL');

// Keys are the environment variable names, so an issue's path is the variable to fix.
const envSchema = z.object({
  AETHER_DATABASE_URL: postgresUrl,
  AETHER_DBOS_SCHEMA: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain lowercase SQL identifier')
    .optional()
    .transform((v) => v ?? 'dbos'),
  AETHER_DBOS_MIGRATE: boolean(true),
  AETHER_POOL: required('the RobotPool name').regex(DNS_LABEL, 'must be a DNS label (lowercase letters, digits, "-")'),
  AETHER_NAMESPACE: required("the robot's namespace").regex(
    DNS_LABEL,
    'must be a DNS label (lowercase letters, digits, "-")',
  ),
  AETHER_POD_NAME: required("this pod's name").regex(DNS_SUBDOMAIN, 'must be a DNS subdomain (a pod name)'),
  AETHER_ROBOT_VERSION: z.string().trim().max(128, 'must be at most 128 characters').optional(),
  AETHER_CONCURRENCY: integer(1, 64, 1),
  AETHER_CHROMIUM_PATH: z.string().trim().min(1, 'must not be empty').optional(),
  AETHER_HEADLESS: boolean(true),
  AETHER_STEP_TIMEOUT_SECONDS: integer(1, 3600, 30),
  AETHER_SHUTDOWN_GRACE_SECONDS: integer(0, 3600, 25),
  AETHER_METRICS_PORT: integer(0, 65535, 9464),
  AETHER_RETRY_BACKOFF_BASE_SECONDS: integer(0, 3600, 10),
  AETHER_LEASE_SECONDS: integer(2, 300, 5),
  AETHER_DB_OUTAGE_BUDGET_SECONDS: integer(1, 3600, 30),
  AETHER_ARTIFACT_MAX_FILE_BYTES: integer(1, MAX_ARTIFACT_CAPS.maxFileBytes, DEFAULT_ARTIFACT_CAPS.maxFileBytes),
  AETHER_ARTIFACT_MAX_JOB_BYTES: integer(1, MAX_ARTIFACT_CAPS.maxJobBytes, DEFAULT_ARTIFACT_CAPS.maxJobBytes),
  ...DB_SETTINGS_ENV,
  AETHER_METRICS_HOST: z
    .string()
    .trim()
    .min(1)
    .optional()
    .transform((v) => v ?? '0.0.0.0'),
  AETHER_KUBECONFIG: z.string().trim().min(1, 'must not be empty when set').optional(),
  // The conventional variable, used when AETHER_KUBECONFIG is not set; in a pod neither is, and the
  // mounted ServiceAccount token is used.
  KUBECONFIG: z.string().trim().optional(),
  AETHER_LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
    .optional()
    .transform((v) => v ?? 'info'),
  AETHER_NETWORK_ALLOW: z
    .string()
    .transform((v, ctx) => {
      try {
        const list: unknown = JSON.parse(v);
        if (Array.isArray(list) && list.every((e) => typeof e === 'string')) return list as string[];
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON list of CIDRs and host[:port] patterns' });
      return z.NEVER;
    })
    .optional(),
  AETHER_CLUSTER_CIDRS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== ''),
    )
    .optional(),
  AETHER_TEST_CRASH_AFTER_STEP: z
    .string()
    .trim()
    .regex(/^[1-9]\d*$/, 'must be a step number (1 or more)')
    .transform(Number)
    .optional(),
});

/** Reads the robot's configuration; throws ConfigError listing every problem. Empty values count as unset. */
export function loadConfig(env: Record<string, string | undefined>): AgentConfig {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((k) => (env[k] !== undefined && env[k] !== '' ? [[k, env[k]]] : [])),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(issueLines(parsed.error.issues, { root: '(environment)', separator: ' ' }));
  }
  const e = parsed.data;
  const db = dbSettingsFrom(e);
  if (db.problems.length > 0) throw new ConfigError(db.problems);
  let egress: EgressPolicy;
  try {
    egress = compileEgressPolicy({ allow: e.AETHER_NETWORK_ALLOW ?? [], clusterCidrs: e.AETHER_CLUSTER_CIDRS ?? [] });
  } catch (err) {
    if (!(err instanceof EgressPolicyError)) throw err;
    throw new ConfigError(
      err.problems.map((p) =>
        p.startsWith('allow') ? `AETHER_NETWORK_ALLOW${p.slice(5)}` : `AETHER_CLUSTER_CIDRS${p.slice(12)}`,
      ),
    );
  }
  return {
    egress,
    artifactCaps: { maxFileBytes: e.AETHER_ARTIFACT_MAX_FILE_BYTES, maxJobBytes: e.AETHER_ARTIFACT_MAX_JOB_BYTES },
    databaseUrl: e.AETHER_DATABASE_URL,
    dbos: { schema: e.AETHER_DBOS_SCHEMA, migrate: e.AETHER_DBOS_MIGRATE },
    pool: e.AETHER_POOL,
    namespace: e.AETHER_NAMESPACE,
    podName: e.AETHER_POD_NAME,
    version: e.AETHER_ROBOT_VERSION ?? packageVersion(),
    concurrency: e.AETHER_CONCURRENCY,
    ...(e.AETHER_CHROMIUM_PATH !== undefined && { chromiumPath: e.AETHER_CHROMIUM_PATH }),
    headless: e.AETHER_HEADLESS,
    stepTimeoutSeconds: e.AETHER_STEP_TIMEOUT_SECONDS,
    shutdownGraceSeconds: e.AETHER_SHUTDOWN_GRACE_SECONDS,
    metricsPort: e.AETHER_METRICS_PORT,
    metricsHost: e.AETHER_METRICS_HOST,
    logLevel: e.AETHER_LOG_LEVEL,
    retryBackoffBaseSeconds: e.AETHER_RETRY_BACKOFF_BASE_SECONDS,
    leaseSeconds: e.AETHER_LEASE_SECONDS,
    database: db.settings,
    databaseStartupWaitMs: startupWaitMsFrom(e),
    outageBudgetSeconds: e.AETHER_DB_OUTAGE_BUDGET_SECONDS,
    ...((e.AETHER_KUBECONFIG ?? (e.KUBECONFIG || undefined)) !== undefined && {
      kubeconfig: e.AETHER_KUBECONFIG ?? e.KUBECONFIG,
    }),
    ...(e.AETHER_TEST_CRASH_AFTER_STEP !== undefined && { testCrashAfterStep: e.AETHER_TEST_CRASH_AFTER_STEP }),
  };
}
