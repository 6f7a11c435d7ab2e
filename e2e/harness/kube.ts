// A real Kubernetes control plane for tests, the way controller-runtime's envtest does it: unmodified
// etcd, kube-apiserver and kube-controller-manager (built by e2e/kube/build.sh) started on 127.0.0.1
// with a throwaway CA, RBAC, ServiceAccount token issuing and the default admission plugins.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createLogger, type Logger } from '../../api/log.js';
import { kubeConfigFromFile, writeKubeconfig } from './kubeconfig.js';
import { createClusterPki, issueClientCert } from './pki.js';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './process.js';
import { waitFor } from './wait.js';

export interface StartKubeOptions {
  /** Folder with etcd, kube-apiserver, kube-controller-manager. Default: the cached build of e2e/kube
   * (built now if missing). */
  binDir?: string;
  /** Start kube-controller-manager (Deployments -> ReplicaSets -> Pods, GC, ServiceAccounts). Default true. */
  controllerManager?: boolean;
  /** Value of --controllers. Default '*' (every controller that is on by default). */
  controllers?: string;
  extraApiServerArgs?: string[];
  extraControllerManagerArgs?: string[];
  /** Keep the temp dir (certs, logs, etcd data) after stop(). Default false. */
  keepDir?: boolean;
  /** Give up starting after this long. Default 120 s (a loaded 2-core machine is slow). */
  timeoutMs?: number;
  log?: Logger;
}

export interface KubeStartTimings {
  /** From spawning etcd to the API server answering /readyz with 200. */
  apiServerReadyMs: number;
  /** From spawning etcd to the `default` ServiceAccount existing (controller manager working). */
  totalMs: number;
}

export interface RunningKube {
  /** Admin kubeconfig (client certificate in group system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Temp dir with pki/, logs/, etcd/ and the kubeconfig. */
  dir: string;
  pkiDir: string;
  caFile: string;
  etcdUrl: string;
  timings: KubeStartTimings;
  processes: ManagedProcess[];
  /** A fresh admin KubeConfig. */
  kubeConfig(): KubeConfig;
  /** Writes a kubeconfig for another user (client certificate signed by the cluster CA) and returns its path. */
  userKubeconfig(user: string, groups?: readonly string[]): string;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const buildScript = join(here, '..', 'kube', 'build.sh');
const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;

/** The cached binaries of e2e/kube, building them first when they are missing (minutes when cold). */
export function kubeBinDir(): string {
  try {
    const out = execFileSync('bash', [buildScript], { stdio: ['ignore', 'pipe', 'inherit'] })
      .toString()
      .trim()
      .split('\n');
    return out[out.length - 1]!;
  } catch (err) {
    throw new Error(
      `could not build the test control plane (see the messages above); retry with: bash ${buildScript}`,
      { cause: err },
    );
  }
}

function checkBinDir(dir: string): string {
  const missing = BINARIES.filter((b) => !existsSync(join(dir, b)));
  if (missing.length) throw new Error(`${dir} lacks ${missing.join(', ')} (build them with: bash ${buildScript})`);
  return dir;
}

interface Tls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function httpsStatus(url: string, tls: Tls): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.ok;
}

export async function startKube(opts: StartKubeOptions = {}): Promise<RunningKube> {
  const log = opts.log ?? createLogger({ name: 'kube-harness', destination: process.stderr });
  const bin = checkBinDir(opts.binDir ?? kubeBinDir());
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), 'aether-kube-'));
  const pkiDir = join(dir, 'pki');
  const logsDir = join(dir, 'logs');
  for (const d of [pkiDir, logsDir]) mkdirSync(d);
  const keepDir = opts.keepDir ?? false;

  const pki = createClusterPki(pkiDir);
  const admin = issueClientCert(pkiDir, 'admin', 'aether-admin', ['system:masters']);
  const cm = issueClientCert(pkiDir, 'controller-manager', 'system:kube-controller-manager');

  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, {
    server,
    caFile: pki.ca.cert,
    user: 'aether-admin',
    credentials: { clientCert: admin.cert, clientKey: admin.key },
  });
  const cmKubeconfig = join(dir, 'controller-manager.kubeconfig');
  writeKubeconfig(cmKubeconfig, {
    server,
    caFile: pki.ca.cert,
    user: 'system:kube-controller-manager',
    credentials: { clientCert: cm.cert, clientKey: cm.key },
  });

  const processes: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const p of [...processes].reverse()) await p.stop();
  };
  const failFast = () => {
    const dead = processes.find((p) => p.exited());
    return dead ? `${dead.name} exited (${JSON.stringify(dead.exited())}); last log lines:\n${dead.tail()}` : undefined;
  };

  const t0 = Date.now();
  try {
    processes.push(
      startProcess({
        name: 'etcd',
        command: join(bin, 'etcd'),
        args: [
          '--data-dir',
          join(dir, 'etcd'),
          '--listen-client-urls',
          etcdUrl,
          '--listen-peer-urls',
          `http://127.0.0.1:${etcdPeerPort}`,
        ],
        logFile: join(logsDir, 'etcd.log'),
      }),
    );
    const tls: Tls = { ca: readFileSync(pki.ca.cert), cert: readFileSync(admin.cert), key: readFileSync(admin.key) };
    // etcd is up in well under a second; waiting keeps the API server's log free of dial errors.
    await waitFor('etcd /health', async () => ((await httpOk(`${etcdUrl}/health`)) ? true : undefined), {
      timeoutMs,
      failFast,
    });
    processes.push(
      startProcess({
        name: 'kube-apiserver',
        command: join(bin, 'kube-apiserver'),
        args: [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--cert-dir=${join(dir, 'apiserver-certs')}`,
          `--tls-cert-file=${pki.server.cert}`,
          `--tls-private-key-file=${pki.server.key}`,
          `--client-ca-file=${pki.ca.cert}`,
          '--authorization-mode=Node,RBAC',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${pki.serviceAccount.publicKey}`,
          `--service-account-signing-key-file=${pki.serviceAccount.privateKey}`,
          '--service-cluster-ip-range=10.0.0.0/24',
          '--allow-privileged=true',
          '--profiling=false',
          // MutatingAdmissionPolicy is GA (on by default) from 1.36; on this 1.34 server it is beta and off.
          // The chart installs Aether's finalizer policy wherever the API is served.
          '--feature-gates=MutatingAdmissionPolicy=true',
          '--runtime-config=admissionregistration.k8s.io/v1beta1=true',
          ...(opts.extraApiServerArgs ?? []),
        ],
        logFile: join(logsDir, 'kube-apiserver.log'),
      }),
    );

    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        const r = await httpsStatus(`${server}/readyz`, tls);
        return r.status === 200 ? true : undefined;
      },
      { timeoutMs: Math.max(1000, timeoutMs - (Date.now() - t0)), failFast, intervalMs: 200 },
    );
    const apiServerReadyMs = Date.now() - t0;

    if (opts.controllerManager ?? true) {
      // Only now: it gives up (exit 1) when the API server is not healthy within 10 s, which a loaded
      // machine can exceed.
      processes.push(
        startProcess({
          name: 'kube-controller-manager',
          command: join(bin, 'kube-controller-manager'),
          args: [
            `--kubeconfig=${cmKubeconfig}`,
            '--secure-port=0',
            '--leader-elect=false',
            `--controllers=${opts.controllers ?? '*'}`,
            '--use-service-account-credentials=true',
            `--service-account-private-key-file=${pki.serviceAccount.privateKey}`,
            `--root-ca-file=${pki.ca.cert}`,
            `--cluster-signing-cert-file=${pki.ca.cert}`,
            `--cluster-signing-key-file=${pki.ca.key}`,
            ...(opts.extraControllerManagerArgs ?? []),
          ],
          logFile: join(logsDir, 'kube-controller-manager.log'),
        }),
      );
    }

    const kc = kubeConfigFromFile(kubeconfigPath);
    if (opts.controllerManager ?? true) {
      const core = kc.makeApiClient(CoreV1Api);
      await waitFor(
        'the default ServiceAccount in namespace default (kube-controller-manager)',
        async () =>
          (await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })) ? true : undefined,
        { timeoutMs: Math.max(1000, timeoutMs - (Date.now() - t0)), failFast, intervalMs: 200 },
      );
    }
    const timings = { apiServerReadyMs, totalMs: Date.now() - t0 };
    log.info({ server, dir, ...timings }, 'started kube control plane');

    return {
      kubeconfigPath,
      server,
      dir,
      pkiDir,
      caFile: pki.ca.cert,
      etcdUrl,
      timings,
      processes,
      kubeConfig: () => kubeConfigFromFile(kubeconfigPath),
      userKubeconfig: (user, groups = []) => userKubeconfig(kubeconfigPath, user, groups),
      async stop() {
        await stopAll();
        if (!keepDir) rmSync(dir, { recursive: true, force: true });
        log.info({ server, keptDir: keepDir ? dir : undefined }, 'stopped kube control plane');
      },
    };
  } catch (err) {
    await stopAll();
    throw new Error(`the test control plane did not start (logs kept in ${logsDir})`, { cause: err });
  }
}

/**
 * A kubeconfig for another identity on the cluster whose admin kubeconfig is `adminKubeconfigPath`:
 * a client certificate (CN=user, O=groups) signed by that cluster's CA. Usable from test workers,
 * which only know the kubeconfig path.
 */
export function userKubeconfig(adminKubeconfigPath: string, user: string, groups: readonly string[] = []): string {
  const dir = dirname(adminKubeconfigPath);
  const pkiDir = join(dir, 'pki');
  const name = `user-${user.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${process.pid}-${Date.now().toString(36)}`;
  const cert = issueClientCert(pkiDir, name, user, groups);
  const server = kubeConfigFromFile(adminKubeconfigPath).getCurrentCluster()!.server;
  const path = join(dir, `${name}.kubeconfig`);
  writeKubeconfig(path, {
    server,
    caFile: join(pkiDir, 'ca.crt'),
    user,
    credentials: { clientCert: cert.cert, clientKey: cert.key },
  });
  return path;
}

export { kubeConfigFromFile, kubeConfigForToken } from './kubeconfig.js';
export {
  deleteNamespace,
  ensureServiceAccount,
  freshNamespace,
  serviceAccountKubeConfig,
  serviceAccountToken,
  TEST_NAMESPACE_LABEL,
  testKubeConfig,
} from './kubeclient.js';
export { waitFor } from './wait.js';
