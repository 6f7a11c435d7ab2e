// The API server's configuration, read from the environment once at the edge (main.ts) and parsed with
// zod; every problem is reported at once. The names are those the Helm chart sets
// (helm/aether/templates/apiserver-deployment.yaml).
import { z } from 'zod';
import type { DbSettings } from '../../api/db/pool.js';
import { DB_SETTINGS_ENV, dbSettingsFrom, startupWaitMsFrom } from '../../api/db/settings.js';
import { issueLines } from '../../api/zod-issues.js';
import { WATCH_NAMESPACE_ENV, watchNamespaceProblem } from '../../api/env-schemas.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  AETHER_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  AETHER_API_HOST: z.string().min(1).default('0.0.0.0'),
  AETHER_API_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  /** TLS for the API (a Secret mounted by the chart); both or neither. */
  AETHER_API_TLS_CERT_FILE: z.string().min(1).optional(),
  AETHER_API_TLS_KEY_FILE: z.string().min(1).optional(),
  /** How long a TokenReview or SubjectAccessReview answer is reused. */
  AETHER_API_AUTH_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(10),
  AETHER_DBOS_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('dbos'),
  /** How often the API server looks at every RpaTrigger to write its Ready condition and delivery count. */
  AETHER_API_TRIGGER_RESYNC_SECONDS: z.coerce.number().min(1).max(3600).default(10),
  /** How long an RpaTrigger and its Secret key are reused between deliveries. */
  AETHER_API_TRIGGER_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /**
   * The namespaces whose RpaTriggers this API server serves and writes the status of (the chart passes
   * operator.watchNamespaces); empty = all. Another Aether installation's triggers are not its to judge.
   */
  AETHER_WATCH_NAMESPACE: WATCH_NAMESPACE_ENV,
  AETHER_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  AETHER_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  ...DB_SETTINGS_ENV,
});

export interface ApiServerConfig {
  databaseUrl: string;
  database: DbSettings;
  databaseStartupWaitMs: number;
  dbPoolMax: number;
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  authCacheMs: number;
  triggerResyncMs: number;
  triggerCacheMs: number;
  /** Namespaces whose RpaTriggers are served; empty = all. */
  watchNamespaces: string[];
  dbosSchema: string;
  logLevel: (typeof LOG_LEVELS)[number];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid API server configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): ApiServerConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(issueLines(parsed.error.issues, { root: '(environment)' }));
  const e = parsed.data;
  const problems: string[] = [];
  if ((e.AETHER_API_TLS_CERT_FILE === undefined) !== (e.AETHER_API_TLS_KEY_FILE === undefined))
    problems.push('AETHER_API_TLS_CERT_FILE and AETHER_API_TLS_KEY_FILE: set both or neither');
  const watchProblem = watchNamespaceProblem(e.AETHER_WATCH_NAMESPACE);
  if (watchProblem) problems.push(watchProblem);
  const db = dbSettingsFrom(e);
  problems.push(...db.problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    databaseUrl: e.AETHER_DATABASE_URL,
    database: db.settings,
    databaseStartupWaitMs: startupWaitMsFrom(e),
    dbPoolMax: e.AETHER_DB_POOL_MAX,
    host: e.AETHER_API_HOST,
    port: e.AETHER_API_PORT,
    ...(e.AETHER_API_TLS_CERT_FILE && e.AETHER_API_TLS_KEY_FILE && { tls: { certFile: e.AETHER_API_TLS_CERT_FILE, keyFile: e.AETHER_API_TLS_KEY_FILE } }),
    authCacheMs: Math.round(e.AETHER_API_AUTH_CACHE_SECONDS * 1000),
    triggerResyncMs: Math.round(e.AETHER_API_TRIGGER_RESYNC_SECONDS * 1000),
    triggerCacheMs: Math.round(e.AETHER_API_TRIGGER_CACHE_SECONDS * 1000),
    watchNamespaces: e.AETHER_WATCH_NAMESPACE,
    dbosSchema: e.AETHER_DBOS_SCHEMA,
    logLevel: e.AETHER_LOG_LEVEL,
  };
}
