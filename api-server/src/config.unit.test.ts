import { ConfigError, loadConfig } from './config.js';

const base = { AETHER_DATABASE_URL: 'postgres://u:p@db:5432/aether' };

describe('loadConfig', () => {
  it('has defaults for everything but the database', () => {
    expect(loadConfig(base)).toMatchObject({ host: '0.0.0.0', port: 8443, authCacheMs: 10_000, dbosSchema: 'dbos', logLevel: 'info' });
    expect(loadConfig(base).tls).toBeUndefined();
  });

  it('reads TLS files and the auth cache time', () => {
    const c = loadConfig({ ...base, AETHER_API_TLS_CERT_FILE: '/t/tls.crt', AETHER_API_TLS_KEY_FILE: '/t/tls.key', AETHER_API_AUTH_CACHE_SECONDS: '2.5' });
    expect(c.tls).toEqual({ certFile: '/t/tls.crt', keyFile: '/t/tls.key' });
    expect(c.authCacheMs).toBe(2500);
  });

  it('reports every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({ AETHER_DATABASE_URL: 'mysql://x', AETHER_API_PORT: '99999', AETHER_LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.join('\n');
    expect(text).toMatch(/AETHER_DATABASE_URL/);
    expect(text).toMatch(/AETHER_API_PORT/);
    expect(text).toMatch(/AETHER_LOG_LEVEL/);
  });

  it('wants both TLS files or neither', () => {
    expect(() => loadConfig({ ...base, AETHER_API_TLS_CERT_FILE: '/t/tls.crt' })).toThrow(/set both or neither/);
  });

  it('reads the watched namespaces (all when unset) and names the ones that are not namespace names', () => {
    expect(loadConfig(base).watchNamespaces).toEqual([]);
    expect(loadConfig({ ...base, AETHER_WATCH_NAMESPACE: ' team-a, ,team-b ' }).watchNamespaces).toEqual(['team-a', 'team-b']);
    expect(() => loadConfig({ ...base, AETHER_WATCH_NAMESPACE: 'team-a,Team_B' })).toThrow('AETHER_WATCH_NAMESPACE: not namespace names: Team_B');
  });
});
