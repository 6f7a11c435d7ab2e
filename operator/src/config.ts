// The operator's configuration, read from the environment once at the edge (main.ts) and parsed with
// zod into a typed object. Every problem is reported at once. The names are those the Helm chart sets
// (helm/aether/templates/operator-deployment.yaml); the rest are optional tuning knobs.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseAllowEntry, parseAllowList } from '../../api/v1alpha1/network.js';
import { issueLines } from '../../api/zod-issues.js';
import { dns1123Label, envList, WATCH_NAMESPACE_ENV, watchNamespaceProblem } from '../../api/env-schemas.js';
import type { DbSettings } from '../../api/db/pool.js';
import { DB_SETTINGS_ENV, dbSettingsFrom, startupWaitMsFrom } from '../../api/db/settings.js';
import type { RetentionKind } from '../../api/queue/sql/retention.js';
import type { RetentionPolicy } from './retention/pruner.js';
import { DEFAULT_ROLE_PREFIX, ROLE_PREFIX } from '../../api/tenancy/names.js';
import { SCHEDULING_FIELDS, type RobotConfinement } from './controllers/robotpool/confinement.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const bool = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** Days as a number (fractions allowed); 0 keeps that kind forever. */
const days = z.coerce.number().nonnegative().max(36_500);
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS subdomain name');

const envSchema = z.object({
  // Set by the chart.
  AETHER_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  AETHER_WATCH_NAMESPACE: WATCH_NAMESPACE_ENV,
  AETHER_LEADER_ELECTION: bool.default(true),
  POD_NAME: z.string().min(1).optional(),
  POD_NAMESPACE: dns1123Label.optional(),
  AETHER_METRICS_PORT: port.default(8080),
  AETHER_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  AETHER_ROBOT_IMAGE: z.string().min(1).default('ghcr.io/aether-rpa/robot:0.1.0'),
  AETHER_ROBOT_SERVICE_ACCOUNT: dnsSubdomain.optional(),
  AETHER_ROBOT_DATABASE_SECRET_NAME: dnsSubdomain.default('aether-database'),
  AETHER_ROBOT_DATABASE_SECRET_KEY: z.string().min(1).default('url'),
  // perNamespace: the operator issues each robot namespace its own database role and Secret (tenancy);
  // shared: robots read the hand-made Secret above, a copy of the operator's URL (no isolation).
  AETHER_ROBOT_DATABASE_ROLES: z.enum(['perNamespace', 'shared']).default('perNamespace'),
  AETHER_ROBOT_DATABASE_ROLE_PREFIX: z
    .string()
    .regex(ROLE_PREFIX, 'must be a-z, 0-9 and _ (at most 30), starting with a letter or _')
    .default(DEFAULT_ROLE_PREFIX),
  AETHER_ROBOT_DATABASE_ISSUED_SECRET_NAME: dnsSubdomain.default('aether-robot-database'),
  AETHER_ROBOT_CLUSTER_CIDRS: envList.default([]),
  // RobotPool confinement (chart values robots.allowed*): besides the robot image and SA, nothing.
  AETHER_ROBOT_ALLOWED_IMAGES: envList.default([]),
  AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS: envList.default([]),
  AETHER_ROBOT_ALLOWED_ENV_SECRETS: envList.default([]),
  AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS: envList.default([]),
  // Optional tuning.
  AETHER_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  AETHER_OPERATOR_NAMESPACE: dns1123Label.optional(),
  AETHER_LEADER_ELECTION_ID: dns1123Label.default('aether-operator'),
  AETHER_LEADER_ELECTION_IDENTITY: z.string().min(1).optional(),
  AETHER_LEASE_DURATION_SECONDS: positiveInt.default(15),
  AETHER_LEASE_RENEW_DEADLINE_SECONDS: positiveInt.default(10),
  AETHER_LEASE_RETRY_PERIOD_SECONDS: positiveInt.default(2),
  AETHER_SWEEP_INTERVAL_SECONDS: positiveInt.default(2),
  AETHER_RECONCILE_CONCURRENCY: positiveInt.max(64).default(16),
  // A Normal `Queued` Event per queued RpaJob (chart operator.queuedEvents): one more API-server write per
  // job; the Queued condition says the same in `kubectl describe`.
  AETHER_QUEUED_EVENTS: bool.default(false),
  // Retention (the chart's `retention:` block). Off unless enabled; a kind with 0 days is kept forever.
  AETHER_RETENTION_ENABLED: bool.default(false),
  AETHER_RETENTION_RUNS_DAYS: days.default(30),
  AETHER_RETENTION_SCREENSHOTS_DAYS: days.default(14),
  AETHER_RETENTION_HEALING_DAYS: days.default(90),
  AETHER_RETENTION_AUDIT_DAYS: days.default(180),
  AETHER_RETENTION_WORKFLOWS_DAYS: days.default(14),
  AETHER_RETENTION_INTERVAL_SECONDS: positiveInt.default(600),
  AETHER_RETENTION_BATCH_SIZE: positiveInt.max(100_000).default(200),
  AETHER_RETENTION_BATCH_PAUSE_MS: z.coerce.number().int().nonnegative().max(60_000).default(10),
  AETHER_DBOS_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a plain lowercase SQL identifier')
    .default('dbos'),
  // Database fault settings (chart values database.timeouts), also passed on to robot pods.
  ...DB_SETTINGS_ENV,
  // Outbound notifications (chart values notifications.*): where the sender may POST besides public
  // https hosts, how often it polls without a NOTIFY and how long one POST may take.
  AETHER_NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  AETHER_NOTIFICATIONS_ALLOWED_HOSTS: envList.default([]),
  AETHER_NOTIFICATIONS_POLL_SECONDS: positiveInt.max(3600).default(5),
  AETHER_NOTIFICATIONS_TIMEOUT_SECONDS: positiveInt.max(60).default(10),
  // How soon a delivery waiting for its signing key (a missing Secret) is tried again.
  AETHER_NOTIFICATIONS_KEY_RETRY_SECONDS: positiveInt.max(3600).default(30),
  // How long robots ride out a database outage while holding work (chart robots.databaseOutageBudgetSeconds).
  AETHER_ROBOT_DB_OUTAGE_BUDGET_SECONDS: positiveInt.max(3600).optional(),
});

const DAY_MS = 86_400_000;

export interface OperatorConfig {
  databaseUrl: string;
  /** Timeouts and keepalive of every database connection (api/db/pool.ts). */
  database: DbSettings;
  /** How long to wait for the database at start (api/db/wait.ts); absent: its default. */
  databaseStartupWaitMs?: number;
  /** Namespaces whose resources the operator reconciles; empty = all namespaces. */
  watchNamespaces: string[];
  /** Where the operator runs: its Lease lives here. */
  operatorNamespace: string;
  leaderElection: {
    enabled: boolean;
    leaseName: string;
    identity: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
  http: { host: string; port: number };
  robot: {
    /** The chart's robot image (RobotPool.spec.image is required, so this is informational). */
    image: string;
    /** ServiceAccount of robot pods when a RobotPool names none. */
    serviceAccountName?: string;
    /**
     * The Secret (in the pool's namespace) and key holding the database URL robots connect with: the one
     * the operator issues (tenancy set), or a hand-made copy of the operator's URL (shared roles).
     */
    databaseSecret: { name: string; key: string };
    /** Per-namespace database roles (chart value database.robotRoles: perNamespace); absent: shared. */
    tenancy?: { rolePrefix: string; secretName: string };
    /** The cluster's service and pod ranges: robots refuse them unless their pool allows them. */
    clusterCidrs: string[];
    /** What a RobotPool may ask for: the robot image and SA always, plus the chart's robots.allowed* values. */
    confinement: RobotConfinement;
    /** The database fault settings robot pods get (AETHER_DB_* variables as set on the operator). */
    databaseEnv: Record<string, string>;
  };
  sweepIntervalMs: number;
  /** Concurrent RpaJob reconciles (other controllers use fewer). */
  reconcileConcurrency: number;
  /** Whether each queued RpaJob also gets a Normal `Queued` Event (its condition is always set). */
  queuedEvents: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  /** DBOS's schema in the database robots use as their DBOS system database. */
  dbosSchema: string;
  /** History pruning by the leader; undefined: nothing is ever deleted by age. */
  retention?: RetentionPolicy;
  /** The notification sender's target policy and pacing. */
  notifications: {
    allowPrivateNetworks: boolean;
    /** Hosts, addresses and CIDRs the sender may reach whatever they resolve to (and over plain http). */
    allowedHosts: string[];
    pollMs: number;
    timeoutMs: number;
    keyRetryMs: number;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid operator configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): OperatorConfig {
  // Empty strings mean "not set", as in a Helm template that renders an unset value.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(issueLines(parsed.error.issues, { root: '(environment)' }));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const watchProblem = watchNamespaceProblem(e.AETHER_WATCH_NAMESPACE);
  if (watchProblem) problems.push(watchProblem);
  const notCidrs = e.AETHER_ROBOT_CLUSTER_CIDRS.filter((c) => {
    const entry = parseAllowEntry(c);
    return typeof entry === 'string' || entry.kind !== 'cidr';
  });
  if (notCidrs.length)
    problems.push(`AETHER_ROBOT_CLUSTER_CIDRS: not CIDRs (e.g. 10.96.0.0/12): ${notCidrs.join(', ')}`);
  const badFields = e.AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS.filter(
    (f) => !(SCHEDULING_FIELDS as readonly string[]).includes(f),
  );
  if (badFields.length)
    problems.push(
      `AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS: not one of ${SCHEDULING_FIELDS.join(', ')}: ${badFields.join(', ')}`,
    );
  const badSas = e.AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS.filter((n) => !dnsSubdomain.safeParse(n).success);
  if (badSas.length)
    problems.push(`AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS: not ServiceAccount names: ${badSas.join(', ')}`);
  const badSecrets = e.AETHER_ROBOT_ALLOWED_ENV_SECRETS.filter((n) => !dnsSubdomain.safeParse(n).success);
  if (badSecrets.length) problems.push(`AETHER_ROBOT_ALLOWED_ENV_SECRETS: not Secret names: ${badSecrets.join(', ')}`);
  if (e.AETHER_LEASE_RENEW_DEADLINE_SECONDS >= e.AETHER_LEASE_DURATION_SECONDS)
    problems.push('AETHER_LEASE_RENEW_DEADLINE_SECONDS: must be shorter than AETHER_LEASE_DURATION_SECONDS');
  const badHosts = parseAllowList(e.AETHER_NOTIFICATIONS_ALLOWED_HOSTS).problems;
  if (badHosts.length) problems.push(`AETHER_NOTIFICATIONS_ALLOWED_HOSTS: ${badHosts.join('; ')}`);
  const db = dbSettingsFrom(e);
  problems.push(...db.problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    databaseUrl: e.AETHER_DATABASE_URL,
    database: db.settings,
    databaseStartupWaitMs: startupWaitMsFrom(e),
    watchNamespaces: e.AETHER_WATCH_NAMESPACE,
    operatorNamespace: e.AETHER_OPERATOR_NAMESPACE ?? e.POD_NAMESPACE ?? 'aether-system',
    leaderElection: {
      enabled: e.AETHER_LEADER_ELECTION,
      leaseName: e.AETHER_LEADER_ELECTION_ID,
      identity: e.AETHER_LEADER_ELECTION_IDENTITY ?? e.POD_NAME ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
      leaseDurationMs: e.AETHER_LEASE_DURATION_SECONDS * 1000,
      renewDeadlineMs: e.AETHER_LEASE_RENEW_DEADLINE_SECONDS * 1000,
      retryPeriodMs: e.AETHER_LEASE_RETRY_PERIOD_SECONDS * 1000,
    },
    http: { host: e.AETHER_METRICS_HOST, port: e.AETHER_METRICS_PORT },
    robot: {
      image: e.AETHER_ROBOT_IMAGE,
      ...(e.AETHER_ROBOT_SERVICE_ACCOUNT ? { serviceAccountName: e.AETHER_ROBOT_SERVICE_ACCOUNT } : {}),
      ...(e.AETHER_ROBOT_DATABASE_ROLES === 'perNamespace'
        ? {
            databaseSecret: { name: e.AETHER_ROBOT_DATABASE_ISSUED_SECRET_NAME, key: 'url' },
            tenancy: {
              rolePrefix: e.AETHER_ROBOT_DATABASE_ROLE_PREFIX,
              secretName: e.AETHER_ROBOT_DATABASE_ISSUED_SECRET_NAME,
            },
          }
        : { databaseSecret: { name: e.AETHER_ROBOT_DATABASE_SECRET_NAME, key: e.AETHER_ROBOT_DATABASE_SECRET_KEY } }),
      clusterCidrs: e.AETHER_ROBOT_CLUSTER_CIDRS,
      confinement: {
        allowedImages: [e.AETHER_ROBOT_IMAGE, ...e.AETHER_ROBOT_ALLOWED_IMAGES],
        allowedServiceAccounts: [
          ...(e.AETHER_ROBOT_SERVICE_ACCOUNT ? [e.AETHER_ROBOT_SERVICE_ACCOUNT] : []),
          ...e.AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS,
        ],
        allowedEnvSecrets: e.AETHER_ROBOT_ALLOWED_ENV_SECRETS,
        allowedSchedulingFields:
          e.AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS as RobotConfinement['allowedSchedulingFields'],
      },
      databaseEnv: robotDatabaseEnv(present),
    },
    sweepIntervalMs: e.AETHER_SWEEP_INTERVAL_SECONDS * 1000,
    reconcileConcurrency: e.AETHER_RECONCILE_CONCURRENCY,
    queuedEvents: e.AETHER_QUEUED_EVENTS,
    logLevel: e.AETHER_LOG_LEVEL,
    dbosSchema: e.AETHER_DBOS_SCHEMA,
    notifications: {
      allowPrivateNetworks: e.AETHER_NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS,
      allowedHosts: e.AETHER_NOTIFICATIONS_ALLOWED_HOSTS,
      pollMs: e.AETHER_NOTIFICATIONS_POLL_SECONDS * 1000,
      timeoutMs: e.AETHER_NOTIFICATIONS_TIMEOUT_SECONDS * 1000,
      keyRetryMs: e.AETHER_NOTIFICATIONS_KEY_RETRY_SECONDS * 1000,
    },
    ...(e.AETHER_RETENTION_ENABLED ? { retention: retentionPolicy(e) } : {}),
  };
}

function retentionPolicy(e: z.infer<typeof envSchema>): RetentionPolicy {
  const ages: Array<[RetentionKind, number]> = [
    ['runs', e.AETHER_RETENTION_RUNS_DAYS],
    ['screenshots', e.AETHER_RETENTION_SCREENSHOTS_DAYS],
    ['healing', e.AETHER_RETENTION_HEALING_DAYS],
    ['audit', e.AETHER_RETENTION_AUDIT_DAYS],
    ['workflows', e.AETHER_RETENTION_WORKFLOWS_DAYS],
  ];
  return {
    maxAgeMs: Object.fromEntries(ages.filter(([, d]) => d > 0).map(([kind, d]) => [kind, Math.round(d * DAY_MS)])),
    intervalMs: e.AETHER_RETENTION_INTERVAL_SECONDS * 1000,
    batchSize: e.AETHER_RETENTION_BATCH_SIZE,
    pauseMs: e.AETHER_RETENTION_BATCH_PAUSE_MS,
    dbosSchema: e.AETHER_DBOS_SCHEMA,
  };
}

/** The AETHER_DB_* variables set on the operator, passed on verbatim to robot pods (they parse them too). */
function robotDatabaseEnv(present: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(DB_SETTINGS_ENV)) if (present[name] !== undefined) out[name] = present[name];
  if (present.AETHER_ROBOT_DB_OUTAGE_BUDGET_SECONDS !== undefined)
    out.AETHER_DB_OUTAGE_BUDGET_SECONDS = present.AETHER_ROBOT_DB_OUTAGE_BUDGET_SECONDS;
  return out;
}
