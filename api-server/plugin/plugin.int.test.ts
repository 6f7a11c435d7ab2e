// `kubectl aether` as a user runs it: the executable in a child process, with a kubeconfig holding a
// ServiceAccount token, against a real API server, kube-apiserver and PostgreSQL.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { upsertQueue } from '../../api/queue/items/queues.js';
import { itemArtifactsUid } from '../../api/queue/items/run-id.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKubeconfig } from '../../e2e/harness/kubeconfig.js';
import { kubeconfigPath } from '../../e2e/harness/testenv.js';
import { JOB_SPEC, setUpApiServerEnv, type ApiServerTestEnv, type Identity } from '../testing/env.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), 'kubectl-aether.mjs');
let env: ApiServerTestEnv;
let work: string;
const kubeconfigs: Partial<Record<Identity, string>> = {};

beforeAll(async () => {
  env = await setUpApiServerEnv('plugin');
  work = mkdtempSync(join(tmpdir(), 'kubectl-aether-'));
  const server = env.kc.getCurrentCluster()!.server;
  for (const who of ['editor', 'viewer'] as const) {
    kubeconfigs[who] = join(work, `${who}.kubeconfig`);
    writeKubeconfig(kubeconfigs[who], { server, caFile: join(dirname(kubeconfigPath()), 'pki', 'ca.crt'), user: who, credentials: { token: env.tokens[who] } });
  }
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

function kubectlAether(who: Identity, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '-n', env.nsA, ...args], {
    cwd: work,
    env: { ...process.env, NODE_OPTIONS: '', KUBECONFIG: kubeconfigs[who], AETHER_API_SERVER: env.server.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('kubectl aether', () => {
  let uid: string;

  beforeAll(async () => {
    const created = await env.client(env.tokens.editor).POST('/api/v1/namespaces/{namespace}/jobs', {
      params: { path: { namespace: env.nsA } },
      body: { name: 'invoice-7', spec: JOB_SPEC },
    });
    uid = created.data!.metadata.uid;
    await env.db.query(
      `insert into aether.runs (uid, namespace, name, pool, task_identifier, workflow_digest, state, attempts, failed_attempts, max_attempts, robot, error, finished_at)
       values ($1, $2, 'invoice-7', 'default', 't', 'd', 'failed', 1, 1, 1, 'r1', '{"reason":"StepFailed","message":"no #pay button"}', now())`,
      [uid, env.nsA],
    );
    await env.db.query(
      `with s as (insert into aether.screenshots (run_uid, step_id, image) values ($1, 'pay', '\\x89504e47') returning id)
       update aether.runs set screenshot_id = (select id from s) where uid = $1`,
      [uid],
    );
    // Robot r1 is the second container of pod robot-0 (one restart), at version 1.4.2.
    await env.db.query(
      `insert into aether.robots (id, namespace, pool, pod, lease_seconds, version, state, started_at)
       values ('r0', $1, 'default', 'robot-0', 30, '1.4.1', 'dead', now() - interval '5 minutes'), ('r1', $1, 'default', 'robot-0', 30, '1.4.2', 'alive', now())`,
      [env.nsA],
    );
  });

  it('jobs lists the namespace’s RpaJobs with their submitter', async () => {
    const r = await kubectlAether('viewer', ['jobs']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+PROGRESS\s+ROBOT\s+SUBMITTED-BY\s+AGE$/);
    expect(r.stdout).toMatch(new RegExp(`invoice-7 .*system:serviceaccount:${env.nsA}:editor`));
  });

  it('logs prints the run; screenshot saves the image', async () => {
    const logs = await kubectlAether('viewer', ['logs', 'invoice-7']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(`run ${uid}  failed`);
    expect(logs.stdout).toContain('no #pay button');
    const shot = await kubectlAether('viewer', ['screenshot', 'invoice-7']);
    expect(shot.code).toBe(0);
    expect(readFileSync(join(work, 'invoice-7.png'))).toEqual(Buffer.from('89504e47', 'hex'));
  });

  it('dlq list shows the dead letter; replay is refused for a viewer and works for an editor', async () => {
    const list = await kubectlAether('viewer', ['dlq', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${uid}\\s+invoice-7\\s+default\\s+1\\s+StepFailed`));
    const refused = await kubectlAether('viewer', ['dlq', 'replay', uid]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 403: .*may not create rpajobs/);
    const replayed = await kubectlAether('editor', ['dlq', 'replay', uid]);
    expect(replayed.stderr).toBe('');
    expect(replayed.stdout).toMatch(/^rpajob\.rpa\.aether\.dev\/invoice-7-replay-\w+ created\n$/);
  });

  it('queue add -f items.jsonl adds the items once; queue items lists them', async () => {
    await upsertQueue(env.db, {
      namespace: env.nsA, name: 'invoices', pool: 'default', workflowRef: { name: 'none' }, maxRetries: 1, backoffSeconds: 1,
      backoffMaxSeconds: 10, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
    });
    writeFileSync(join(work, 'items.jsonl'), Array.from({ length: 25 }, (_, i) => JSON.stringify({ reference: `inv-${i}`, data: { n: i } })).join('\n') + '\n');
    const refused = await kubectlAether('viewer', ['queue', 'add', 'invoices', '-f', 'items.jsonl']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 403: .*may not create rpaqueues\/items/);
    const added = await kubectlAether('editor', ['queue', 'add', 'invoices', '-f', 'items.jsonl']);
    expect(added.stdout).toBe('25 added, 0 duplicate, 0 replaced\n');
    const again = await kubectlAether('editor', ['queue', 'add', 'invoices', '-f', 'items.jsonl']);
    expect(again.stdout).toBe('0 added, 25 duplicate, 0 replaced\n');
    const list = await kubectlAether('viewer', ['queue', 'items', 'invoices']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(26);
    expect(lines[1]).toMatch(/^\d+\s+inv-0\s+New\s+0\s/);
    const id = lines[1]!.split(/\s+/)[0]!;
    const log = await kubectlAether('viewer', ['queue', 'log', 'invoices', id]);
    expect(log.stderr).toBe('');
    expect(log.stdout).toBe(`item ${id}  New  retries 0\n`);
    const noItem = await kubectlAether('viewer', ['queue', 'log', 'invoices', '999999']);
    expect(noItem.code).toBe(1);
    expect(noItem.stderr).toMatch(/HTTP 404/);
  });

  it("queue screenshot/artifacts save an item run's files; queue retry and delete act on the item (refused for a viewer)", async () => {
    const list = await kubectlAether('viewer', ['queue', 'items', 'invoices', '--status', 'New']);
    const id = list.stdout.split('\n')[1]!.split(/\s+/)[0]!;
    // What a robot leaves of a failed item run: a screenshot and an artifact under the run's uid, the item Failed.
    const runUid = itemArtifactsUid({ id, runSeq: 0 });
    const receipt = Buffer.from('paid 12.00\n');
    await env.db.query(`insert into aether.screenshots (run_uid, step_id, image, queue_item) values ($1, 'pay', '\\x89504e47', $2)`, [runUid, id]);
    await env.db.query(
      `insert into aether.artifacts (run_uid, namespace, name, step_path, content_type, size, sha256, content, queue_item)
       values ($1, $2, 'receipt.txt', 'pay', 'text/plain', $3, $4, $5, $6)`,
      [runUid, env.nsA, receipt.length, createHash('sha256').update(receipt).digest('hex'), receipt, id],
    );
    await env.db.query(`update aether.queue_items set status = 'Failed', error = '{"kind":"application","message":"no #pay"}' where id = $1`, [id]);

    const shot = await kubectlAether('viewer', ['queue', 'screenshot', 'invoices', id]);
    expect([shot.code, shot.stderr]).toEqual([0, '']);
    expect(readFileSync(join(work, `invoices-${id}.png`))).toEqual(Buffer.from('89504e47', 'hex'));
    const listed = await kubectlAether('viewer', ['queue', 'artifacts', 'invoices', id]);
    expect(listed.stdout).toMatch(/^receipt\.txt\s+11\s+text\/plain\s+pay\s/m);
    const got = await kubectlAether('viewer', ['queue', 'artifacts', 'invoices', id, 'receipt.txt', '-o', 'files']);
    expect(got.code).toBe(0);
    expect(readFileSync(join(work, 'files', 'receipt.txt'))).toEqual(receipt);

    const refused = await kubectlAether('viewer', ['queue', 'retry', 'invoices', id]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/HTTP 403: .*may not update rpaqueues\/items/)]);
    expect((await kubectlAether('editor', ['queue', 'retry', 'invoices', id])).stdout).toBe(`item ${id} New\n`);
    expect((await kubectlAether('editor', ['queue', 'delete', 'invoices', id])).stdout).toBe(`item ${id} Deleted\n`);
    const noId = await kubectlAether('viewer', ['queue', 'screenshot', 'invoices']);
    expect([noId.code, noId.stderr]).toEqual([2, expect.stringContaining('queue screenshot needs a queue name and an item id')]);
  });

  it('robots lists the live robots; an unknown dead letter is an error with exit code 1', async () => {
    const robots = await kubectlAether('viewer', ['robots']);
    expect(robots.stdout.split('\n')[0]).toMatch(/^ROBOT\s+POOL\s+POD\s+STATE\s+VERSION\s+RESTARTS\s+HEARTBEAT\s+JOBS$/);
    expect(robots.stdout).toMatch(/^r1\s+default\s+robot-0\s+alive\s+1\.4\.2\s+1\s/m);
    expect(robots.stdout).not.toMatch(/^r0\s/m); // dead: only with --all
    const missing = await kubectlAether('editor', ['dlq', 'replay', randomUUID()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/HTTP 404/);
  });
});
