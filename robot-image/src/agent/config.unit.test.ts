import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type AgentConfig } from './config.js';

const minimal = {
  AETHER_DATABASE_URL: 'postgres://robot:pw@db.aether:5432/aether',
  AETHER_POOL: 'invoices',
  AETHER_NAMESPACE: 'finance',
  AETHER_POD_NAME: 'robot-invoices-7d9f-abcde',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults to a minimal environment', () => {
    const expected: Omit<AgentConfig, 'egress'> = {
      databaseUrl: minimal.AETHER_DATABASE_URL,
      dbos: { schema: 'dbos', migrate: true },
      pool: 'invoices',
      namespace: 'finance',
      podName: 'robot-invoices-7d9f-abcde',
      version: JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version,
      concurrency: 1,
      headless: true,
      stepTimeoutSeconds: 30,
      shutdownGraceSeconds: 25,
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
      logLevel: 'info',
      retryBackoffBaseSeconds: 10,
      leaseSeconds: 5,
      outageBudgetSeconds: 30,
      artifactCaps: { maxFileBytes: 10 * 1024 * 1024, maxJobBytes: 50 * 1024 * 1024 },
      databaseStartupWaitMs: 120_000,
      database: {
        connectTimeoutMs: 5000,
        statementTimeoutMs: 15_000,
        queryTimeoutMs: 20_000,
        idleInTransactionTimeoutMs: 30_000,
        keepAliveInitialDelayMs: 10_000,
      },
    };
    const { egress, ...rest } = loadConfig(minimal);
    expect(rest).toEqual(expected);
    expect(egress.allow).toEqual([]);
    expect(egress.clusterCidrs).toEqual([]);
  });

  it('reports AETHER_ROBOT_VERSION (the image tag the operator sets) as its version', () => {
    expect(loadConfig({ ...minimal, AETHER_ROBOT_VERSION: '0.4.2' }).version).toBe('0.4.2');
  });

  it("reads the pool's artifact caps and refuses ones past the largest", () => {
    expect(loadConfig({ ...minimal, AETHER_ARTIFACT_MAX_FILE_BYTES: '1024', AETHER_ARTIFACT_MAX_JOB_BYTES: '4096' }).artifactCaps).toEqual({
      maxFileBytes: 1024,
      maxJobBytes: 4096,
    });
    expect(problemsOf({ ...minimal, AETHER_ARTIFACT_MAX_FILE_BYTES: String(201 * 1024 * 1024), AETHER_ARTIFACT_MAX_JOB_BYTES: 'lots' })).toEqual([
      expect.stringContaining('AETHER_ARTIFACT_MAX_FILE_BYTES'),
      expect.stringContaining('AETHER_ARTIFACT_MAX_JOB_BYTES'),
    ]);
  });

  it('reads the DBOS schema and whether to migrate it (the operator sets both for a tenant role)', () => {
    expect(loadConfig({ ...minimal, AETHER_DBOS_SCHEMA: 'dbos_finance', AETHER_DBOS_MIGRATE: 'false' }).dbos).toEqual({
      schema: 'dbos_finance',
      migrate: false,
    });
    expect(problemsOf({ ...minimal, AETHER_DBOS_SCHEMA: 'dbos; drop table x' })).toEqual([
      expect.stringContaining('AETHER_DBOS_SCHEMA'),
    ]);
  });

  it('reads the database timeouts and the outage budget; the query timeout follows the statement timeout', () => {
    const c = loadConfig({
      ...minimal,
      AETHER_DB_CONNECT_TIMEOUT_SECONDS: '2',
      AETHER_DB_STATEMENT_TIMEOUT_SECONDS: '1.5',
      AETHER_DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: '60',
      AETHER_DB_KEEPALIVE_SECONDS: '5',
      AETHER_DB_OUTAGE_BUDGET_SECONDS: '45',
      AETHER_DB_STARTUP_WAIT_SECONDS: '300',
    });
    expect(c.database).toEqual({
      connectTimeoutMs: 2000,
      statementTimeoutMs: 1500,
      queryTimeoutMs: 6500,
      idleInTransactionTimeoutMs: 60_000,
      keepAliveInitialDelayMs: 5000,
    });
    expect(c.outageBudgetSeconds).toBe(45);
    expect(c.databaseStartupWaitMs).toBe(300_000);
  });

  it('names each bad database setting', () => {
    expect(
      problemsOf({ ...minimal, AETHER_DB_CONNECT_TIMEOUT_SECONDS: 'soon', AETHER_DB_OUTAGE_BUDGET_SECONDS: '0' }),
    ).toEqual([
      expect.stringContaining('AETHER_DB_OUTAGE_BUDGET_SECONDS'),
      expect.stringContaining('AETHER_DB_CONNECT_TIMEOUT_SECONDS'),
    ]);
    expect(
      problemsOf({ ...minimal, AETHER_DB_STATEMENT_TIMEOUT_SECONDS: '30', AETHER_DB_QUERY_TIMEOUT_SECONDS: '10' }),
    ).toEqual([expect.stringContaining('AETHER_DB_QUERY_TIMEOUT_SECONDS: must not be shorter')]);
  });

  it('reads the egress policy: the pool allow list (JSON) and the cluster ranges (comma-separated)', () => {
    const { egress } = loadConfig({
      ...minimal,
      AETHER_NETWORK_ALLOW: '["10.1.0.0/16","reports.svc:8443"]',
      AETHER_CLUSTER_CIDRS: '10.96.0.0/12, 10.244.0.0/16',
    });
    expect(egress.allow.map((e) => e.source)).toEqual(['10.1.0.0/16', 'reports.svc:8443']);
    expect(egress.clusterCidrs.map((e) => e.source)).toEqual(['10.96.0.0/12', '10.244.0.0/16']);
  });

  it.each([
    [
      'not JSON',
      { AETHER_NETWORK_ALLOW: '10.0.0.0/8' },
      'AETHER_NETWORK_ALLOW must be a JSON list of CIDRs and host[:port] patterns',
    ],
    [
      'a bad entry',
      { AETHER_NETWORK_ALLOW: '["10.0.0.0/99"]' },
      'AETHER_NETWORK_ALLOW[0] "10.0.0.0/99" is not a CIDR (e.g. 10.20.0.0/16)',
    ],
    [
      'a host as a cluster range',
      { AETHER_CLUSTER_CIDRS: '10.96.0.0/12,kube.local' },
      'AETHER_CLUSTER_CIDRS: "kube.local" is not a CIDR',
    ],
  ])('refuses an egress setting that is %s, naming the variable', (_name, extra, problem) => {
    expect(problemsOf({ ...minimal, ...extra })).toEqual([problem]);
  });

  it.each<[string, Record<string, string>, Partial<AgentConfig>]>([
    ['concurrency', { AETHER_CONCURRENCY: '4' }, { concurrency: 4 }],
    ['headless false', { AETHER_HEADLESS: 'false' }, { headless: false }],
    ['headless 0', { AETHER_HEADLESS: '0' }, { headless: false }],
    ['headless YES', { AETHER_HEADLESS: 'YES' }, { headless: true }],
    ['chromium path', { AETHER_CHROMIUM_PATH: '/opt/chrome/chrome' }, { chromiumPath: '/opt/chrome/chrome' }],
    ['step timeout', { AETHER_STEP_TIMEOUT_SECONDS: '90' }, { stepTimeoutSeconds: 90 }],
    ['grace 0', { AETHER_SHUTDOWN_GRACE_SECONDS: '0' }, { shutdownGraceSeconds: 0 }],
    ['metrics port 0 (any free port)', { AETHER_METRICS_PORT: '0' }, { metricsPort: 0 }],
    ['metrics host', { AETHER_METRICS_HOST: '127.0.0.1' }, { metricsHost: '127.0.0.1' }],
    ['kubeconfig', { AETHER_KUBECONFIG: '/tmp/kc' }, { kubeconfig: '/tmp/kc' }],
    ['log level upper case', { AETHER_LOG_LEVEL: 'DEBUG' }, { logLevel: 'debug' }],
    ['retry backoff', { AETHER_RETRY_BACKOFF_BASE_SECONDS: '1' }, { retryBackoffBaseSeconds: 1 }],
    ['lease', { AETHER_LEASE_SECONDS: '15' }, { leaseSeconds: 15 }],
    ['crash hook', { AETHER_TEST_CRASH_AFTER_STEP: '3' }, { testCrashAfterStep: 3 }],
    ['empty value counts as unset', { AETHER_CONCURRENCY: '', AETHER_KUBECONFIG: '' }, { concurrency: 1 }],
    ['postgresql scheme', { AETHER_DATABASE_URL: 'postgresql://h/db' }, { databaseUrl: 'postgresql://h/db' }],
  ])('reads %s', (_name, extra, want) => {
    const cfg = loadConfig({ ...minimal, ...extra });
    expect(cfg).toMatchObject(want);
    if (!('AETHER_KUBECONFIG' in extra) || extra.AETHER_KUBECONFIG === '') expect(cfg).not.toHaveProperty('kubeconfig');
  });

  it('falls back to KUBECONFIG, and AETHER_KUBECONFIG wins over it', () => {
    expect(loadConfig({ ...minimal, KUBECONFIG: '/tmp/std' })).toMatchObject({ kubeconfig: '/tmp/std' });
    expect(loadConfig({ ...minimal, KUBECONFIG: '/tmp/std', AETHER_KUBECONFIG: '/tmp/a' })).toMatchObject({
      kubeconfig: '/tmp/a',
    });
    expect(loadConfig({ ...minimal, KUBECONFIG: '' })).not.toHaveProperty('kubeconfig');
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['missing database URL', { AETHER_DATABASE_URL: undefined }, 'AETHER_DATABASE_URL is required'],
    ['non-postgres URL', { AETHER_DATABASE_URL: 'mysql://h/db' }, 'AETHER_DATABASE_URL must be a postgres://'],
    ['garbage URL', { AETHER_DATABASE_URL: 'not a url' }, 'AETHER_DATABASE_URL must be a postgres://'],
    ['missing pool', { AETHER_POOL: undefined }, 'AETHER_POOL is required'],
    ['pool with upper case', { AETHER_POOL: 'Invoices' }, 'AETHER_POOL must be a DNS label'],
    ['namespace with dot', { AETHER_NAMESPACE: 'a.b' }, 'AETHER_NAMESPACE must be a DNS label'],
    ['missing pod name', { AETHER_POD_NAME: undefined }, 'AETHER_POD_NAME is required'],
    ['concurrency 0', { AETHER_CONCURRENCY: '0' }, 'AETHER_CONCURRENCY must be at least 1'],
    ['concurrency 65', { AETHER_CONCURRENCY: '65' }, 'AETHER_CONCURRENCY must be at most 64'],
    ['concurrency text', { AETHER_CONCURRENCY: 'two' }, 'AETHER_CONCURRENCY must be a whole number'],
    ['concurrency fraction', { AETHER_CONCURRENCY: '1.5' }, 'AETHER_CONCURRENCY must be a whole number'],
    ['headless maybe', { AETHER_HEADLESS: 'maybe' }, 'AETHER_HEADLESS must be true or false'],
    ['step timeout 0', { AETHER_STEP_TIMEOUT_SECONDS: '0' }, 'AETHER_STEP_TIMEOUT_SECONDS must be at least 1'],
    ['port too big', { AETHER_METRICS_PORT: '70000' }, 'AETHER_METRICS_PORT must be at most 65535'],
    ['log level', { AETHER_LOG_LEVEL: 'loud' }, 'AETHER_LOG_LEVEL must be one of fatal, error'],
    ['lease 1 s', { AETHER_LEASE_SECONDS: '1' }, 'AETHER_LEASE_SECONDS must be at least 2'],
    ['crash hook 0', { AETHER_TEST_CRASH_AFTER_STEP: '0' }, 'AETHER_TEST_CRASH_AFTER_STEP must be a step number'],
  ])('rejects %s', (_name, change, message) => {
    const problems = problemsOf({ ...minimal, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ AETHER_CONCURRENCY: 'x', AETHER_HEADLESS: 'perhaps' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'AETHER_CONCURRENCY',
      'AETHER_DATABASE_URL',
      'AETHER_HEADLESS',
      'AETHER_NAMESPACE',
      'AETHER_POD_NAME',
      'AETHER_POOL',
    ]);
    expect(() => loadConfig({})).toThrow(/invalid robot configuration:\n {2}- AETHER_/);
  });

  it('never echoes the database URL (it may hold a password)', () => {
    const problems = problemsOf({ ...minimal, AETHER_DATABASE_URL: 'mysql://robot:hunter2@h/db' });
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});
