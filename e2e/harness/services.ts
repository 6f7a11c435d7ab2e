// Started by jest's global setup for the integration project: starts the real services once per run and
// hands their addresses to test workers through environment variables (workers inherit them).
// AETHER_TEST_SERVICES narrows what starts (comma list of: postgres, kube); default: all.
import { startPostgres } from './postgres.js';
import { ENV, type RunningServices } from './testenv.js';

export async function startServices(): Promise<void> {
  const wanted = new Set((process.env.AETHER_TEST_SERVICES ?? 'postgres,kube').split(',').map((s) => s.trim()));
  const running: RunningServices = { stops: [] };
  (globalThis as { __aether?: RunningServices }).__aether = running;

  if (wanted.has('postgres')) {
    const pg = await startPostgres();
    running.stops.push(() => pg.stop());
    process.env[ENV.pgUrl] = pg.url;
  }
  if (wanted.has('kube')) {
    const { startKube } = await import('./kube.js');
    const kube = await startKube();
    running.stops.push(() => kube.stop());
    process.env[ENV.kubeconfig] = kube.kubeconfigPath;
  }
}

export async function stopServices(): Promise<void> {
  const running = (globalThis as { __aether?: RunningServices }).__aether;
  for (const stop of (running?.stops ?? []).reverse()) await stop();
}
