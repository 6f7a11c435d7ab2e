import pg from 'pg';
import { freePort } from '../../../e2e/harness/ports.js';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import { postgresCheck, startHealthServer, type HealthServer } from './health.js';
import { createAgentMetrics, type AgentMetrics } from './metrics.js';

describe('health server', () => {
  let server: HealthServer;
  let metrics: AgentMetrics;
  let db: pg.Pool;
  let deadDb: pg.Pool;
  let runnerAlive = true;
  let browserUp = true;

  beforeAll(async () => {
    db = new pg.Pool({ connectionString: await freshDatabase('health'), max: 2 });
    // Nothing listens there: the readiness check must fail, not hang.
    deadDb = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x`, max: 1 });
    metrics = createAgentMetrics();
    server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      liveness: { queueRunner: () => runnerAlive },
      readiness: { database: postgresCheck(db), browser: () => browserUp },
      checkTimeoutMs: 1_000,
    });
  });

  afterAll(async () => {
    await server.close();
    await db.end();
    await deadDb.end();
  });

  it('serves the agent metrics in Prometheus text format', async () => {
    metrics.jobsTotal.inc({ pool: 'invoices', outcome: 'succeeded' }, 2);
    metrics.jobsTotal.inc({ pool: 'invoices', outcome: 'failed' });
    metrics.stepDuration.observe({ pool: 'invoices', action: 'click' }, 0.2);
    metrics.jobDuration.observe({ pool: 'invoices', outcome: 'succeeded' }, 3);
    metrics.activeJobs.set({ pool: 'invoices' }, 1);
    metrics.browserRestarts.inc({ pool: 'invoices' });
    metrics.healingEvents.inc({ pool: 'invoices', tier: 'fingerprint', outcome: 'healed' });

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const line of [
      'aether_jobs_total{pool="invoices",outcome="succeeded"} 2',
      'aether_jobs_total{pool="invoices",outcome="failed"} 1',
      'aether_step_duration_seconds_bucket{le="0.25",pool="invoices",action="click"} 1',
      'aether_step_duration_seconds_bucket{le="0.1",pool="invoices",action="click"} 0',
      'aether_job_duration_seconds_count{pool="invoices",outcome="succeeded"} 1',
      'aether_active_jobs{pool="invoices"} 1',
      'aether_browser_restarts_total{pool="invoices"} 1',
      'aether_healing_events_total{pool="invoices",tier="fingerprint",outcome="healed"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('is live while the queue runner runs, and not after it died', async () => {
    runnerAlive = true;
    const up = await fetch(`${server.url}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ ok: true, checks: { queueRunner: 'ok' } });

    runnerAlive = false;
    const down = await fetch(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, checks: { queueRunner: 'failing' } });
    runnerAlive = true;
  });

  it('is ready only when the real database and the browser are up', async () => {
    browserUp = true;
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: 'ok', browser: 'ok' } });

    browserUp = false;
    const noBrowser = await fetch(`${server.url}/readyz`);
    expect(noBrowser.status).toBe(503);
    expect(await noBrowser.json()).toEqual({ ok: false, checks: { database: 'ok', browser: 'failing' } });
    browserUp = true;
  });

  it('reports an unreachable database and a hung check as failing, with the reason', async () => {
    const other = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      liveness: {},
      readiness: { database: postgresCheck(deadDb), dbos: () => new Promise<boolean>(() => {}) },
      checkTimeoutMs: 300,
    });
    try {
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { ok: boolean; checks: Record<string, string> };
      expect(body.ok).toBe(false);
      expect(body.checks.database).toMatch(/^failing: .*ECONNREFUSED/);
      expect(body.checks.dbos).toBe('timed out after 300 ms');
    } finally {
      await other.close();
    }
  });

  it('reads the browser restart count from its source at each scrape', async () => {
    let restarts = 0;
    const own = createAgentMetrics({ processMetrics: false, browserRestarts: { pool: 'p1', count: () => restarts } });
    const srv = await startHealthServer({ host: '127.0.0.1', port: 0, registry: own.registry, liveness: {}, readiness: {} });
    try {
      expect(await (await fetch(`${srv.url}/metrics`)).text()).toContain('aether_browser_restarts_total{pool="p1"} 0');
      restarts = 3;
      expect(await (await fetch(`${srv.url}/metrics`)).text()).toContain('aether_browser_restarts_total{pool="p1"} 3');
    } finally {
      await srv.close();
    }
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
