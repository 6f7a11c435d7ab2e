// The API server as the chart runs it: its own process, configured by the environment (TLS included),
// Kubernetes through the kubeconfig, stopped by SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../e2e/harness/ports.js';
import { freshDatabase, kubeconfigPath } from '../../e2e/harness/testenv.js';
import { waitFor } from '../../e2e/harness/wait.js';
import { migrate } from '../../migrations/index.js';
import { silentLogger } from '../testing/env.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
const pki = join(dirname(kubeconfigPath()), 'pki');
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(join(pki, 'ca.crt')), headers, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves HTTPS from its environment, checks tokens, and exits 0 on SIGTERM', async () => {
  const databaseUrl = await freshDatabase('apimain');
  await migrate({ databaseUrl, logger: silentLogger });
  const port = await freePort();
  let stdout = '';
  child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      KUBECONFIG: kubeconfigPath(),
      AETHER_DATABASE_URL: databaseUrl,
      AETHER_API_HOST: '127.0.0.1',
      AETHER_API_PORT: String(port),
      AETHER_API_TLS_CERT_FILE: join(pki, 'apiserver.crt'),
      AETHER_API_TLS_KEY_FILE: join(pki, 'apiserver.key'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
  const base = `https://127.0.0.1:${port}`;
  await waitFor('the API server ready', async () => ((await get(`${base}/readyz`).catch(() => ({ status: 0 }))).status === 200 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  const doc = await get(`${base}/openapi.json`);
  expect(JSON.parse(doc.body)).toMatchObject({ openapi: '3.1.0' });
  const forged = await get(`${base}/api/v1/namespaces/default/jobs`, { Authorization: 'Bearer forged-token-value' });
  expect(forged.status).toBe(401);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
  expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['API server listening', 'stopping']));
  expect(stdout).not.toContain('forged-token-value');
});
