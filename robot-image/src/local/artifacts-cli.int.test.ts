// `aether artifacts list|get` against a real API server (the RpaJob and its UID) and real PostgreSQL (the
// artifact rows, read with the namespace's robot role, as a user with that Secret's URL would).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import pg from 'pg';
import { applyCrds } from '../../../e2e/api/crds.js';
import { freshNamespace, testKubeConfig } from '../../../e2e/harness/kubeclient.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { ORDERS_CSV, REPORT_PDF, sha256 } from '../../../e2e/site/files.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { insertArtifact } from '../../../api/queue/sql/artifacts.js';
import { migratedQueueDatabase, type QueueTestDatabase } from '../../../api/queue/testing/database.js';
import { provisionTenant, type ProvisionedTenant } from '../../../api/tenancy/index.js';
import { GROUP, VERSION } from '../../../api/v1alpha1/common.js';
import { createLogger } from '../../../api/log.js';
import { reportArtifacts } from '../agent/artifacts-status.js';
import { createStatusReporter } from '../agent/reporter.js';
import { readRpaJobStatus } from '../agent/testing/rpajob-crd.js';
import { parseArtifactsArgs } from './artifacts-cli.js';
import type { UsageError } from './args.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

let db: QueueTestDatabase;
let tenant: ProvisionedTenant;
let namespace: string;
const prefix = `t${randomBytes(4).toString('hex')}`;

function aether(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'robot-image/src/local/bin.mjs'), ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

beforeAll(async () => {
  const kc = testKubeConfig();
  await applyCrds(kc);
  namespace = await freshNamespace(kc, 'art');
  db = await migratedQueueDatabase('artifacts_cli');
  tenant = await provisionTenant({ pool: db.pool, databaseUrl: db.url, namespace, password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
}, 120_000);
afterAll(async () => {
  if (tenant) await db.pool.query(`drop owned by ${pg.escapeIdentifier(tenant.names.role)}; drop role ${pg.escapeIdentifier(tenant.names.role)}`);
  await db?.pool.end();
});

describe('aether artifacts', () => {
  it('lists and gets the artifacts of a cluster RpaJob by its name; the robot reports them on status.artifacts', async () => {
    const kc = testKubeConfig();
    const api = kc.makeApiClient(CustomObjectsApi);
    const job = (await api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'rpajobs',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'RpaJob',
        metadata: { name: 'fetch-report' },
        spec: { pool: 'p', workflow: { steps: [{ id: 'd', action: 'download', artifact: 'report.pdf', url: 'https://example.org/r.pdf' }] } },
      },
    })) as { metadata: { uid: string } };
    const uid = job.metadata.uid;
    await db.producer.enqueue({ payload: testPayload({ namespace, uid }) });
    for (const [name, content, type] of [['report.pdf', REPORT_PDF, 'application/pdf'], ['orders.csv', ORDERS_CSV, 'text/csv']] as const)
      await insertArtifact(db.pool, { runUid: uid, namespace, name, stepPath: 'd', contentType: type, sha256: sha256(content), content });

    const cwd = mkdtempSync(join(tmpdir(), 'aether-artifacts-'));
    const env = { KUBECONFIG: kubeconfigPath(), AETHER_DATABASE_URL: tenant.url };
    const list = await aether(['artifacts', 'list', 'fetch-report', '-n', namespace], env, cwd);
    expect([list.code, list.stderr]).toEqual([0, '']);
    expect(JSON.parse(list.stdout.toString())).toEqual([
      expect.objectContaining({ name: 'report.pdf', size: REPORT_PDF.length, sha256: sha256(REPORT_PDF), contentType: 'application/pdf' }),
      expect.objectContaining({ name: 'orders.csv', size: ORDERS_CSV.length, sha256: sha256(ORDERS_CSV), contentType: 'text/csv' }),
    ]);

    const get = await aether(['artifacts', 'get', 'fetch-report', 'report.pdf', '-n', namespace, '-o', 'out.pdf'], env, cwd);
    expect(get.code).toBe(0);
    expect(get.stderr).toContain(`sha256 ${sha256(REPORT_PDF)}`);
    expect(readFileSync(join(cwd, 'out.pdf')).equals(REPORT_PDF)).toBe(true);

    // The robot's report: status.artifacts (read with the namespace's role) on the RpaJob, through the CRD's schema.
    const asTenant = new pg.Pool({ connectionString: tenant.url, max: 1 });
    const logger = createLogger({ name: 'artifacts-test', level: 'silent' });
    const reporter = createStatusReporter({ kubeConfig: kc, logger });
    const report = reporter.forJob({ namespace, name: 'fetch-report', uid });
    try {
      await reportArtifacts({ db: asTenant, uid, report, log: logger });
      await report.flush();
    } finally {
      await asTenant.end();
    }
    expect((await readRpaJobStatus(kc, namespace, 'fetch-report'))?.artifacts).toEqual([
      { name: 'report.pdf', size: REPORT_PDF.length, sha256: sha256(REPORT_PDF), contentType: 'application/pdf' },
      { name: 'orders.csv', size: ORDERS_CSV.length, sha256: sha256(ORDERS_CSV), contentType: 'text/csv' },
    ]);

    const missing = await aether(['artifacts', 'get', 'fetch-report', 'nope.csv', '-n', namespace], env, cwd);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, `aether: RpaJob ${namespace}/fetch-report has no artifact "nope.csv"`]);
    const noJob = await aether(['artifacts', 'list', 'other', '-n', namespace], env, cwd);
    expect([noJob.code, noJob.stderr.trim()]).toEqual([1, `aether: RpaJob ${namespace}/other not found`]);
  }, 120_000);

  it('reports every usage problem at once', () => {
    expect(() => parseArtifactsArgs(['get', 'job'])).toThrow('get needs the artifact NAME');
    let problems: string[] = [];
    try {
      parseArtifactsArgs(['fetch', '-o', 'x', '--bogus']);
    } catch (err) {
      problems = (err as UsageError).problems;
    }
    expect(problems).toEqual(['unknown option --bogus', 'artifacts needs list or get', 'no RpaJob name given', '-o is only for get']);
    expect(parseArtifactsArgs(['get', 'j', 'a.pdf', '-o', '-', '--namespace=ns'])).toEqual({ action: 'get', job: 'j', name: 'a.pdf', output: '-', namespace: 'ns' });
  });
});
