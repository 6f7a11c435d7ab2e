// Started by jest's global setup for the integration project: starts the real services once per run and
// hands their addresses to test workers through environment variables (workers inherit them).
// AETHER_TEST_SERVICES narrows what starts (comma list of: postgres, kube); default: all.
// AETHER_KUBE_BIN_DIR: use these control-plane binaries instead of the cached build of e2e/kube.
// AETHER_KEEP_KUBE_DIR=1: keep the control plane's certificates, logs and etcd data after the run.
import { startPostgres } from './postgres.js';
import { ENV, type RunningServices } from './testenv.js';

export async function startServices(): Promise<void> {
  const wanted = new Set((process.env.AETHER_TEST_SERVICES ?? 'postgres,kube').split(',').map((s) => s.trim()));
  const running: RunningServices = { stops: [] };
  (globalThis as { __aether?: RunningServices }).__aether = running;

  // Both start at once: the control plane takes several seconds, PostgreSQL about one.
  const starts: Array<Promise<void>> = [];
  if (wanted.has('postgres')) {
    starts.push(
      startPostgres().then((pg) => {
        running.stops.push(() => pg.stop());
        process.env[ENV.pgUrl] = pg.url;
      }),
    );
  }
  if (wanted.has('kube')) {
    starts.push(
      import('./kube.js').then(async ({ startKube }) => {
        const kube = await startKube({
          binDir: process.env.AETHER_KUBE_BIN_DIR || undefined,
          keepDir: Boolean(process.env.AETHER_KEEP_KUBE_DIR),
        });
        running.stops.push(() => kube.stop());
        process.env[ENV.kubeconfig] = kube.kubeconfigPath;
      }),
    );
  }
  const failed = (await Promise.allSettled(starts)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Jest skips the global teardown when the setup throws: stop what did start.
    await stopServices();
    throw failed.reason;
  }
}

export async function stopServices(): Promise<void> {
  const running = (globalThis as { __aether?: RunningServices }).__aether;
  const stops = running?.stops.splice(0) ?? [];
  for (const stop of stops.reverse()) await stop();
}
