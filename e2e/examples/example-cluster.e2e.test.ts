// The shipped example in a cluster: examples/*.yaml applied as a user would (`kubectl apply --server-side`)
// to the real API server, the operator running (in this process) and robots as real processes of pool
// "default", the demo portal (examples/site/public) served on 127.0.0.1. The first robot is SIGKILLed in
// the middle of the report's paging loop, once it asked for the second page's first PDF; a second robot
// takes the job over. The job Succeeds, status.artifacts lists the unpaid invoices' PDFs with the
// sha256 of the served files, `aether artifacts get` fetches one, and aether.artifacts holds exactly one
// row per PDF.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { Operator } from '../../operator/src/operator.js';
import { getObject, setUpEnv, startTestOperator, tearDownEnv, waitForObject, type TestEnv } from '../../operator/src/testing/operator-env.js';
import { startRobot, tail, type RobotProcess } from '../../robot-image/src/agent/testing/robot-process.js';
import { parseEnvFile } from '../../robot-image/src/local/secrets.js';
import { startDemoSite, type DemoSite } from '../../robot-image/src/local/site.js';
import { applyObjects } from '../helm/apply.js';
import { kubeconfigPath } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';
import { REPO, runCli } from '../local/cli.js';

const LONG = 420_000;
const JOB = 'invoice-export-c1001';
/** The unpaid invoices of customer C-1001 on the demo portal: the PDFs the job downloads. */
const UNPAID = ['INV-1001', 'INV-1003', 'INV-1004'];

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const servedPdf = (invoice: string) => readFileSync(path.join(REPO, 'examples/site/public/pdf', `${invoice}.pdf`));

function exampleObjects(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(path.join(REPO, 'examples', file), 'utf8')).map((d) => d.toJS() as KubernetesObject);
}

/**
 * What a user edits before applying the example to a cluster (README, "A first RpaJob"): the Secrets'
 * values (here the demo portal's account, examples/site/secrets) and where they may go (the portal as
 * served here), and the job's portalUrl/reportApiUrl (the local.aether.dev annotations do that only in
 * local mode).
 */
function editedExample(namespace: string, siteUrl: string): KubernetesObject[] {
  const secretValues = (name: string) => parseEnvFile(readFileSync(path.join(REPO, 'examples/site/secrets', `${name}.env`), 'utf8'));
  const objects = ['robotpool.yaml', 'rpaworkflow.yaml', 'secrets.yaml', 'rpajob.yaml', 'rpaschedule.yaml'].flatMap(exampleObjects);
  for (const o of objects) {
    o.metadata = { ...o.metadata, namespace };
    const scope = o.metadata.annotations?.['rpa.aether.dev/credential-scope'];
    if (o.kind === 'Secret' && scope) {
      const s = o as KubernetesObject & { stringData: Record<string, string> };
      s.stringData = secretValues(o.metadata.name!);
      o.metadata.annotations!['rpa.aether.dev/credential-scope'] = scope
        .replace('https://portal.example.com/', `${siteUrl}/`)
        .replace('https://reports.internal.example.com/api/', `${siteUrl}/api/`);
    }
    // Admitted as shipped, but suspended: a weekday 07:30 in Berlin must not add a job of its own here.
    if (o.kind === 'RpaSchedule') (o as KubernetesObject & { spec: { suspend?: boolean } }).spec.suspend = true;
    if (o.kind === 'RpaJob') {
      const spec = (o as KubernetesObject & { spec: { params: Record<string, unknown> } }).spec;
      spec.params = { ...spec.params, portalUrl: siteUrl, reportApiUrl: siteUrl };
    }
  }
  return objects;
}

describe('the example back-office job in a cluster (e2e)', () => {
  let env: TestEnv;
  let site: DemoSite;
  let operator: Operator;
  const robots: RobotProcess[] = [];

  beforeAll(async () => {
    env = await setUpEnv('example');
    site = await startDemoSite({ dir: path.join(REPO, 'examples/site/public') });
    // The example's RobotPool names the released robot image: the operator's allow-list admits it.
    operator = await startTestOperator(env, { extraEnv: { AETHER_ROBOT_IMAGE: 'ghcr.io/aether-rpa/robot:0.1.0' } });
  }, LONG);

  afterAll(async () => {
    await Promise.all(robots.map((r) => r.stop()));
    await operator?.stop();
    await site?.stop();
    await tearDownEnv(env);
  }, LONG);

  /** A robot of the example's pool "default", as a process (no kubelet here runs the pool's pods). */
  async function robot(pod: string): Promise<RobotProcess> {
    const r = await startRobot({
      databaseUrl: env.databaseUrl,
      pool: 'default',
      namespace: env.namespace,
      pod,
      kubeconfig: kubeconfigPath(),
      // The pool's network.allow: the demo portal is on loopback, which robots refuse by default.
      allow: [new URL(site.url).host],
    });
    robots.push(r);
    return r;
  }

  it(
    'succeeds after a robot is killed mid-run, with each unpaid invoice PDF stored once and fetchable with the CLI',
    async () => {
      const pdfHits = (invoice: string) => site.hits()[`GET /pdf/${invoice}.pdf`] ?? 0;
      const first = await robot('robot-default-0');
      const release = site.hold('/pdf/INV-1003.pdf'); // see the kill below
      const report = await applyObjects(env.kc, editedExample(env.namespace, site.url), { dryRun: false, fieldManager: 'kubectl' });
      expect(report.applied).toEqual([
        `RobotPool/${env.namespace}/default`,
        `RpaWorkflow/${env.namespace}/invoice-export`,
        `Secret/${env.namespace}/supplier-portal-login`,
        `Secret/${env.namespace}/report-api`,
        `RpaJob/${env.namespace}/${JOB}`,
        `RpaSchedule/${env.namespace}/invoice-export-weekdays`,
      ]);
      const { metadata } = (await getObject(env, 'RpaJob', JOB))!;

      // Killed once the second page's first PDF was asked for: INV-1001 (page 1) is stored and checkpointed.
      // That PDF is held unanswered until the kill, so the first robot cannot get past it however slow the
      // machine (nor on to INV-1004 between the poll and the kill).
      try {
        await waitFor('the download of INV-1003', async () => (pdfHits('INV-1003') > 0 ? true : undefined), {
          timeoutMs: 180_000,
          failFast: () => (first.child.exitCode !== null ? `${first.pod} exited\n${tail(first)}` : undefined),
        });
        await first.kill();
        expect((await first.exited).signal).toBe('SIGKILL');
      } finally {
        release();
      }
      expect(pdfHits('INV-1004')).toBe(0);
      const second = await robot('robot-default-1');

      const done = await waitForObject(env, 'RpaJob', JOB, 'finished', (o) => ['Succeeded', 'Failed'].includes(o.status?.phase), 240_000).catch(
        (err: unknown) => {
          throw new Error(`${(err as Error).message}\n${tail(first)}\n${tail(second)}`, { cause: err });
        },
      );
      expect({ phase: done.status!.phase, error: done.status!.error }).toEqual({ phase: 'Succeeded', error: undefined });
      // A crash is not a failed attempt.
      expect(done.status!.attempts).toBe(1);
      expect(second.startedAttempt(metadata.uid)).toBe(true);
      // The outputs (in the run row: the status carries them only when small): the pop-up portal's receipt.
      const run = await waitFor('the run row to be finished', async () => {
        const r = await env.db.query<{ state: string; receipt: string }>(`select state, outputs->>'receipt' as receipt from aether.runs where uid = $1`, [metadata.uid]);
        return r.rows[0]?.state === 'succeeded' ? r.rows[0] : undefined;
      });
      expect(run.receipt).toBe('Imported unpaid-invoices.csv (129 bytes): 3 invoices, EUR 1650.49');

      // status.artifacts: the unpaid invoices' PDFs, as served.
      const expected = UNPAID.map((i) => ({ name: `${i}.pdf`, size: servedPdf(i).length, sha256: sha256(servedPdf(i)), contentType: 'application/pdf' }));
      expect(done.status!.artifacts).toEqual(expected);
      // The PDF stored (and checkpointed) before the kill was not asked for again.
      expect(pdfHits('INV-1001')).toBe(1);
      expect(pdfHits('INV-1004')).toBe(1);

      // Exactly one row per PDF in aether.artifacts, with the served bytes.
      const rows = await env.db.query<{ name: string; sha256: string; size: number }>(
        `select name, encode(sha256(content), 'hex') as sha256, octet_length(content) as size from aether.artifacts where run_uid = $1 order by name`,
        [metadata.uid],
      );
      expect(rows.rows).toEqual(expected.map(({ name, sha256, size }) => ({ name, sha256, size })));

      // `aether artifacts get` in cluster mode: the RpaJob through the kubeconfig, the bytes from PostgreSQL.
      const cwd = mkdtempSync(path.join(tmpdir(), 'aether-example-'));
      const get = await runCli(['artifacts', 'get', JOB, 'INV-1003.pdf', '-n', env.namespace, '-o', 'INV-1003.pdf'], {
        cwd,
        env: { KUBECONFIG: kubeconfigPath(), AETHER_DATABASE_URL: env.databaseUrl },
      }).done;
      expect({ code: get.code, stderr: get.stderr }).toEqual({ code: 0, stderr: expect.stringContaining(`sha256 ${sha256(servedPdf('INV-1003'))}`) });
      expect(sha256(readFileSync(path.join(cwd, 'INV-1003.pdf')))).toBe(sha256(servedPdf('INV-1003')));
    },
    LONG,
  );
});
