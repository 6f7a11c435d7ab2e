import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

const minimal = { AETHER_DATABASE_URL: 'postgres://aether@db:5432/aether' };

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills defaults around the one required variable', () => {
    const c = loadConfig({ ...minimal, POD_NAME: 'aether-operator-abc', POD_NAMESPACE: 'aether' });
    expect(c).toEqual({
      databaseUrl: 'postgres://aether@db:5432/aether',
      databaseStartupWaitMs: 120_000,
      watchNamespaces: [],
      operatorNamespace: 'aether',
      leaderElection: {
        enabled: true,
        leaseName: 'aether-operator',
        identity: 'aether-operator-abc',
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
      http: { host: '0.0.0.0', port: 8080 },
      robot: {
        image: 'ghcr.io/aether-rpa/robot:0.1.0',
        // Each robot namespace gets its own database role, in a Secret the operator issues.
        databaseSecret: { name: 'aether-robot-database', key: 'url' },
        tenancy: { rolePrefix: 'rpa_robot', secretName: 'aether-robot-database' },
        clusterCidrs: [],
        // By default a pool may run the robot image only, as the robot SA, with no env Secret and no scheduling fields.
        confinement: {
          allowedImages: ['ghcr.io/aether-rpa/robot:0.1.0'],
          allowedServiceAccounts: [],
          allowedEnvSecrets: [],
          allowedSchedulingFields: [],
        },
        databaseEnv: {},
      },
      database: {
        connectTimeoutMs: 5000,
        statementTimeoutMs: 15_000,
        queryTimeoutMs: 20_000,
        idleInTransactionTimeoutMs: 30_000,
        keepAliveInitialDelayMs: 10_000,
      },
      sweepIntervalMs: 2000,
      reconcileConcurrency: 16,
      queuedEvents: false,
      logLevel: 'info',
      dbosSchema: 'dbos',
      // Notifications reach public https hosts only.
      notifications: { allowPrivateNetworks: false, allowedHosts: [], pollMs: 5000, timeoutMs: 10_000, keyRetryMs: 30_000 },
    });
  });

  it.each<[string, Record<string, string>, (c: ReturnType<typeof loadConfig>) => unknown, unknown]>([
    [
      'namespace list with spaces and blanks',
      { AETHER_WATCH_NAMESPACE: ' a, b ,,c ' },
      (c) => c.watchNamespaces,
      ['a', 'b', 'c'],
    ],
    ['leader election off', { AETHER_LEADER_ELECTION: 'false' }, (c) => c.leaderElection.enabled, false],
    ['Queued Events on', { AETHER_QUEUED_EVENTS: 'true' }, (c) => c.queuedEvents, true],
    [
      'notification targets',
      { AETHER_NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS: 'true', AETHER_NOTIFICATIONS_ALLOWED_HOSTS: '127.0.0.1, hooks.svc:8080' },
      (c) => c.notifications,
      { allowPrivateNetworks: true, allowedHosts: ['127.0.0.1', 'hooks.svc:8080'], pollMs: 5000, timeoutMs: 10_000, keyRetryMs: 30_000 },
    ],
    ['leader election on by "1"', { AETHER_LEADER_ELECTION: '1' }, (c) => c.leaderElection.enabled, true],
    [
      'explicit identity wins over POD_NAME',
      { AETHER_LEADER_ELECTION_IDENTITY: 'me', POD_NAME: 'pod' },
      (c) => c.leaderElection.identity,
      'me',
    ],
    [
      'port and host',
      { AETHER_METRICS_PORT: '9090', AETHER_METRICS_HOST: '127.0.0.1' },
      (c) => c.http,
      { host: '127.0.0.1', port: 9090 },
    ],
    [
      'robot settings the chart passes',
      {
        AETHER_ROBOT_IMAGE: 'r:1',
        AETHER_ROBOT_SERVICE_ACCOUNT: 'aether-robot',
        AETHER_ROBOT_DATABASE_ROLES: 'shared',
        AETHER_ROBOT_DATABASE_SECRET_NAME: 'db',
        AETHER_ROBOT_DATABASE_SECRET_KEY: 'uri',
        AETHER_ROBOT_CLUSTER_CIDRS: '10.96.0.0/12, fd00:10::/108',
      },
      (c) => c.robot,
      {
        image: 'r:1',
        serviceAccountName: 'aether-robot',
        databaseSecret: { name: 'db', key: 'uri' },
        clusterCidrs: ['10.96.0.0/12', 'fd00:10::/108'],
        confinement: {
          allowedImages: ['r:1'],
          allowedServiceAccounts: ['aether-robot'],
          allowedEnvSecrets: [],
          allowedSchedulingFields: [],
        },
        databaseEnv: {},
      },
    ],
    [
      'per-namespace database roles: the issued Secret and the role prefix',
      { AETHER_ROBOT_DATABASE_ROLE_PREFIX: 'aether_prod', AETHER_ROBOT_DATABASE_ISSUED_SECRET_NAME: 'robot-db' },
      (c) => [c.robot.databaseSecret, c.robot.tenancy],
      [
        { name: 'robot-db', key: 'url' },
        { rolePrefix: 'aether_prod', secretName: 'robot-db' },
      ],
    ],
    [
      'database timeouts: the operator uses them, robot pods get the same variables and the outage budget',
      {
        AETHER_DB_CONNECT_TIMEOUT_SECONDS: '3',
        AETHER_DB_STATEMENT_TIMEOUT_SECONDS: '10',
        AETHER_DB_STARTUP_WAIT_SECONDS: '30',
        AETHER_ROBOT_DB_OUTAGE_BUDGET_SECONDS: '60',
      },
      (c) => [c.database, c.databaseStartupWaitMs, c.robot.databaseEnv],
      [
        {
          connectTimeoutMs: 3000,
          statementTimeoutMs: 10_000,
          queryTimeoutMs: 15_000,
          idleInTransactionTimeoutMs: 30_000,
          keepAliveInitialDelayMs: 10_000,
        },
        30_000,
        {
          AETHER_DB_CONNECT_TIMEOUT_SECONDS: '3',
          AETHER_DB_STATEMENT_TIMEOUT_SECONDS: '10',
          AETHER_DB_STARTUP_WAIT_SECONDS: '30',
          AETHER_DB_OUTAGE_BUDGET_SECONDS: '60',
        },
      ],
    ],
    [
      'the RobotPool allow-list adds to the robot image and SA',
      {
        AETHER_ROBOT_IMAGE: 'r:1',
        AETHER_ROBOT_SERVICE_ACCOUNT: 'aether-robot',
        AETHER_ROBOT_ALLOWED_IMAGES: 'r:2, registry.example/robot:*',
        AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS: 'robot-gpu',
        AETHER_ROBOT_ALLOWED_ENV_SECRETS: 'proxy-creds',
        AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS: 'tolerations',
      },
      (c) => c.robot.confinement,
      {
        allowedImages: ['r:1', 'r:2', 'registry.example/robot:*'],
        allowedServiceAccounts: ['aether-robot', 'robot-gpu'],
        allowedEnvSecrets: ['proxy-creds'],
        allowedSchedulingFields: ['tolerations'],
      },
    ],
    [
      'lease timings in seconds',
      {
        AETHER_LEASE_DURATION_SECONDS: '4',
        AETHER_LEASE_RENEW_DEADLINE_SECONDS: '3',
        AETHER_LEASE_RETRY_PERIOD_SECONDS: '1',
      },
      (c) => [c.leaderElection.leaseDurationMs, c.leaderElection.renewDeadlineMs, c.leaderElection.retryPeriodMs],
      [4000, 3000, 1000],
    ],
    ['sweep interval in seconds', { AETHER_SWEEP_INTERVAL_SECONDS: '2' }, (c) => c.sweepIntervalMs, 2000],
    [
      'operator namespace beats POD_NAMESPACE',
      { AETHER_OPERATOR_NAMESPACE: 'ops', POD_NAMESPACE: 'pod-ns' },
      (c) => c.operatorNamespace,
      'ops',
    ],
    ['empty string counts as unset', { AETHER_METRICS_PORT: '' }, (c) => c.http.port, 8080],
    [
      'postgresql scheme accepted',
      { AETHER_DATABASE_URL: 'postgresql://x@y/z' },
      (c) => c.databaseUrl,
      'postgresql://x@y/z',
    ],
    ['retention off unless enabled', { AETHER_RETENTION_RUNS_DAYS: '1' }, (c) => c.retention, undefined],
    [
      'retention: days per kind, 0 keeps a kind forever',
      {
        AETHER_RETENTION_ENABLED: 'true',
        AETHER_RETENTION_RUNS_DAYS: '2',
        AETHER_RETENTION_SCREENSHOTS_DAYS: '0.5',
        AETHER_RETENTION_AUDIT_DAYS: '0',
        AETHER_RETENTION_INTERVAL_SECONDS: '60',
        AETHER_RETENTION_BATCH_SIZE: '100',
        AETHER_DBOS_SCHEMA: 'dbos_sys',
      },
      (c) => c.retention,
      {
        maxAgeMs: {
          runs: 2 * 86_400_000,
          screenshots: 43_200_000,
          healing: 90 * 86_400_000,
          workflows: 14 * 86_400_000,
        },
        intervalMs: 60_000,
        batchSize: 100,
        pauseMs: 10,
        dbosSchema: 'dbos_sys',
      },
    ],
  ])('%s', (_name, env, pick, expected) => {
    expect(pick(loadConfig({ ...minimal, ...env }))).toEqual(expected);
  });

  it('cluster ranges that are not CIDRs are reported, naming them', () => {
    expect(problems({ ...minimal, AETHER_ROBOT_CLUSTER_CIDRS: '10.96.0.0/12,svc.cluster.local,10.0.0.0/99' })).toEqual([
      'AETHER_ROBOT_CLUSTER_CIDRS: not CIDRs (e.g. 10.96.0.0/12): svc.cluster.local, 10.0.0.0/99',
    ]);
  });

  it('notification hosts that are neither hosts nor CIDRs are reported, naming them', () => {
    expect(problems({ ...minimal, AETHER_NOTIFICATIONS_ALLOWED_HOSTS: '127.0.0.1,bad host!' })).toEqual([
      expect.stringMatching(/^AETHER_NOTIFICATIONS_ALLOWED_HOSTS: \[1\] "bad host!"/),
    ]);
  });

  it('allow-list entries that are not names or scheduling fields are reported, naming them', () => {
    expect(
      problems({
        ...minimal,
        AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS: 'tolerations,affinity',
        AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS: 'Bad_SA',
        AETHER_ROBOT_ALLOWED_ENV_SECRETS: 'ok,no/slash',
      }),
    ).toEqual([
      'AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS: not one of nodeSelector, tolerations: affinity',
      'AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS: not ServiceAccount names: Bad_SA',
      'AETHER_ROBOT_ALLOWED_ENV_SECRETS: not Secret names: no/slash',
    ]);
  });

  it('a missing database URL is reported', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^AETHER_DATABASE_URL: /)]);
  });

  it('reports every bad variable at once', () => {
    const p = problems({
      AETHER_DATABASE_URL: 'mysql://nope',
      AETHER_METRICS_PORT: '70000',
      AETHER_LEADER_ELECTION: 'maybe',
      AETHER_LOG_LEVEL: 'loud',
      AETHER_SWEEP_INTERVAL_SECONDS: '0',
      AETHER_ROBOT_DATABASE_SECRET_NAME: 'Not A Name',
      AETHER_RETENTION_RUNS_DAYS: '-1',
      AETHER_DBOS_SCHEMA: 'dbos; drop table x',
      AETHER_ROBOT_DATABASE_ROLE_PREFIX: 'x"; drop role postgres; --',
      AETHER_ROBOT_DATABASE_ROLES: 'everyone',
    });
    expect(p.map((x) => x.split(':')[0]).sort()).toEqual([
      'AETHER_DATABASE_URL',
      'AETHER_DBOS_SCHEMA',
      'AETHER_LEADER_ELECTION',
      'AETHER_LOG_LEVEL',
      'AETHER_METRICS_PORT',
      'AETHER_RETENTION_RUNS_DAYS',
      'AETHER_ROBOT_DATABASE_ROLES',
      'AETHER_ROBOT_DATABASE_ROLE_PREFIX',
      'AETHER_ROBOT_DATABASE_SECRET_NAME',
      'AETHER_SWEEP_INTERVAL_SECONDS',
    ]);
  });

  it('a renew deadline must be shorter than the lease', () => {
    expect(
      problems({ ...minimal, AETHER_LEASE_DURATION_SECONDS: '5', AETHER_LEASE_RENEW_DEADLINE_SECONDS: '5' }),
    ).toEqual([expect.stringMatching(/^AETHER_LEASE_RENEW_DEADLINE_SECONDS: /)]);
  });

  it('rejects namespace names that are not DNS labels', () => {
    expect(problems({ ...minimal, AETHER_WATCH_NAMESPACE: 'ok,Not_OK' })).toEqual([
      'AETHER_WATCH_NAMESPACE: not namespace names: Not_OK',
    ]);
  });

  it('the error message names every problem', () => {
    expect(() => loadConfig({ AETHER_METRICS_PORT: 'x' })).toThrow(/AETHER_DATABASE_URL[\s\S]*AETHER_METRICS_PORT/);
  });
});
