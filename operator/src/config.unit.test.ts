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
      watchNamespaces: [],
      operatorNamespace: 'aether',
      leaderElection: { enabled: true, leaseName: 'aether-operator', identity: 'aether-operator-abc' },
      http: { host: '0.0.0.0', port: 8080 },
      robot: { image: 'ghcr.io/aether-rpa/robot:0.1.0', imagePullPolicy: 'IfNotPresent', databaseSecret: { name: 'aether-database', key: 'url' } },
      sweepIntervalMs: 5000,
      reconcileConcurrency: 4,
      logLevel: 'info',
    });
  });

  it.each<[string, Record<string, string>, (c: ReturnType<typeof loadConfig>) => unknown, unknown]>([
    ['namespace list with spaces and blanks', { AETHER_WATCH_NAMESPACES: ' a, b ,,c ' }, (c) => c.watchNamespaces, ['a', 'b', 'c']],
    ['leader election off', { AETHER_LEADER_ELECTION: 'false' }, (c) => c.leaderElection.enabled, false],
    ['leader election on by "1"', { AETHER_LEADER_ELECTION: '1' }, (c) => c.leaderElection.enabled, true],
    ['explicit identity wins over POD_NAME', { AETHER_LEADER_ELECTION_IDENTITY: 'me', POD_NAME: 'pod' }, (c) => c.leaderElection.identity, 'me'],
    ['port and host', { AETHER_HTTP_PORT: '9090', AETHER_HTTP_HOST: '127.0.0.1' }, (c) => c.http, { host: '127.0.0.1', port: 9090 }],
    ['sweep interval in seconds', { AETHER_SWEEP_INTERVAL_SECONDS: '2' }, (c) => c.sweepIntervalMs, 2000],
    ['operator namespace beats POD_NAMESPACE', { AETHER_OPERATOR_NAMESPACE: 'ops', POD_NAMESPACE: 'pod-ns' }, (c) => c.operatorNamespace, 'ops'],
    ['empty string counts as unset', { AETHER_HTTP_PORT: '' }, (c) => c.http.port, 8080],
    ['postgresql scheme accepted', { AETHER_DATABASE_URL: 'postgresql://x@y/z' }, (c) => c.databaseUrl, 'postgresql://x@y/z'],
  ])('%s', (_name, env, pick, expected) => {
    expect(pick(loadConfig({ ...minimal, ...env }))).toEqual(expected);
  });

  it('a missing database URL is reported', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^AETHER_DATABASE_URL: /)]);
  });

  it('reports every bad variable at once', () => {
    const p = problems({
      AETHER_DATABASE_URL: 'mysql://nope',
      AETHER_HTTP_PORT: '70000',
      AETHER_LEADER_ELECTION: 'maybe',
      AETHER_LOG_LEVEL: 'loud',
      AETHER_SWEEP_INTERVAL_SECONDS: '0',
      AETHER_ROBOT_IMAGE_PULL_POLICY: 'Sometimes',
    });
    expect(p.map((x) => x.split(':')[0]).sort()).toEqual([
      'AETHER_DATABASE_URL',
      'AETHER_HTTP_PORT',
      'AETHER_LEADER_ELECTION',
      'AETHER_LOG_LEVEL',
      'AETHER_ROBOT_IMAGE_PULL_POLICY',
      'AETHER_SWEEP_INTERVAL_SECONDS',
    ]);
  });

  it('rejects namespace names that are not DNS labels', () => {
    expect(problems({ ...minimal, AETHER_WATCH_NAMESPACES: 'ok,Not_OK' })).toEqual(['AETHER_WATCH_NAMESPACES: not namespace names: Not_OK']);
  });

  it('the error message names every problem', () => {
    expect(() => loadConfig({ AETHER_HTTP_PORT: 'x' })).toThrow(/AETHER_DATABASE_URL[\s\S]*AETHER_HTTP_PORT/);
  });
});
