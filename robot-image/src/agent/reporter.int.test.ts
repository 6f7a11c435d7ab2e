import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../../api/log.js';
import { kubeConfigFromFile } from '../../../e2e/harness/kubeconfig.js';
import { freePort } from '../../../e2e/harness/ports.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { RPAJOB, createStatusReporter, type SendOutcome } from './reporter.js';
import { failedPatch, progressPatch, runningPatch, succeededPatch } from './status.js';
import { createRpaJob, installRpaJobCrd, readRpaJobStatus } from './testing/rpajob-crd.js';

const logger = createLogger({ name: 'reporter-test', level: 'silent' });

/** The same cluster reached through another address (a TCP relay this test controls). */
function viaServer(kc: KubeConfig, server: string): KubeConfig {
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.getCurrentContext(),
  });
  return out;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('status reporter against the real API server', () => {
  const ns = `rep-${randomBytes(4).toString('hex')}`;
  let kc: KubeConfig;
  const at = new Date('2025-03-04T05:06:07.000Z');

  beforeAll(async () => {
    kc = kubeConfigFromFile(kubeconfigPath());
    await installRpaJobCrd(kc);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  });

  afterAll(async () => {
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns });
  });

  it('reports Running, coalesces a burst of progress into one patch, and always sends the final state', async () => {
    const { uid } = await createRpaJob(kc, ns, 'burst');
    const sent: Array<{ outcome: SendOutcome; at: number }> = [];
    const reporter = createStatusReporter({ kubeConfig: kc, logger, minIntervalMs: 300, onSent: (_r, outcome) => sent.push({ outcome, at: Date.now() }) });
    const job = reporter.forJob({ namespace: ns, name: 'burst', uid });

    job.update(runningPatch({ robot: 'robot-a', attempts: 1, startedAt: at, totalSteps: 50 }));
    for (let k = 1; k <= 50; k++) job.update(progressPatch({ done: k, total: 50, stepId: `step-${k}` }));
    job.update(succeededPatch({ outputs: { total: 42, rows: [['a', 'b']] }, runUid: uid, at }));
    job.update(progressPatch({ done: 3, total: 50, stepId: 'late' })); // after the final state: ignored
    await job.flush();

    // The first update went out alone at once; everything after it was merged into one more patch.
    expect(sent.map((s) => s.outcome)).toEqual(['sent', 'sent']);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(300);
    const status = await readRpaJobStatus(kc, ns, 'burst');
    expect(status).toMatchObject({
      phase: 'Succeeded',
      robot: 'robot-a',
      attempts: 1,
      startedAt: '2025-03-04T05:06:07Z',
      completionTime: '2025-03-04T05:06:07Z',
      progress: '50/50',
      outputs: { total: 42, rows: [['a', 'b']] },
    });
    expect(status).not.toHaveProperty('currentStep');
    expect(status).not.toHaveProperty('error');
  });

  it('leaves fields it does not own (the operator\'s conditions) alone', async () => {
    const { uid } = await createRpaJob(kc, ns, 'shared');
    const condition = { type: 'Queued', status: 'True', reason: 'Enqueued', message: 'queued', lastTransitionTime: '2025-03-04T05:00:00Z' };
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
      { ...RPAJOB, namespace: ns, name: 'shared', body: { status: { phase: 'Queued', conditions: [condition] } } },
      (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    const job = createStatusReporter({ kubeConfig: kc, logger, minIntervalMs: 10 }).forJob({ namespace: ns, name: 'shared', uid });
    job.update(runningPatch({ robot: 'robot-b', attempts: 2, startedAt: at, totalSteps: 3 }));
    job.update(failedPatch({ reason: 'StepFailed', message: 'no such element', stepId: 's2', screenshot: 'postgres:aether.screenshots/9', at }));
    await job.flush();
    expect(await readRpaJobStatus(kc, ns, 'shared')).toMatchObject({
      phase: 'Failed',
      robot: 'robot-b',
      conditions: [condition],
      error: { reason: 'StepFailed', message: 'no such element', stepId: 's2', screenshot: 'postgres:aether.screenshots/9' },
    });
  });

  it('a final patch the API server rejects is sent again as a minimal final patch: the job never stays Running', async () => {
    const { uid } = await createRpaJob(kc, ns, 'rejected-final');
    const outcomes: SendOutcome[] = [];
    const job = createStatusReporter({ kubeConfig: kc, logger, minIntervalMs: 10, onSent: (_r, o) => outcomes.push(o) }).forJob({
      namespace: ns,
      name: 'rejected-final',
      uid,
    });
    job.update(runningPatch({ robot: 'robot-c', attempts: 1, startedAt: at, totalSteps: 2 }));
    await job.flush();
    // A field the CRD refuses (progress is at most 32 characters) makes the whole final patch a 422.
    job.update({ ...failedPatch({ reason: 'StepFailed', message: 'the login page answered HTTP 500', stepId: 'login', at }), progress: 'x'.repeat(40) });
    await job.flush();
    expect(outcomes).toEqual(['sent', 'rejected', 'sent']);
    const status = await readRpaJobStatus(kc, ns, 'rejected-final');
    expect(status).toMatchObject({
      phase: 'Failed',
      completionTime: '2025-03-04T05:06:07Z',
      error: { reason: 'StepFailed', message: expect.stringContaining('the login page answered HTTP 500') },
    });
    expect(status?.progress).toBe('0/2');
  });

  it('stops reporting on a deleted job, and on a job re-created under the same name', async () => {
    const outcomes: SendOutcome[] = [];
    const reporter = createStatusReporter({ kubeConfig: kc, logger, minIntervalMs: 10, onSent: (_r, o) => outcomes.push(o) });
    const missing = reporter.forJob({ namespace: ns, name: 'never-existed', uid: 'x' });
    missing.update(runningPatch({ robot: 'r', attempts: 1, startedAt: at, totalSteps: 1 }));
    await missing.flush();
    expect(missing.gone).toBe(true);
    missing.update(progressPatch({ done: 1, total: 1, stepId: 'a' }));
    await missing.flush();
    expect(outcomes).toEqual(['gone']);

    const { uid: oldUid } = await createRpaJob(kc, ns, 'recreated');
    await kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...RPAJOB, namespace: ns, name: 'recreated' });
    await createRpaJob(kc, ns, 'recreated');
    const stale = reporter.forJob({ namespace: ns, name: 'recreated', uid: oldUid });
    stale.update(progressPatch({ done: 1, total: 3, stepId: 'a' }));
    await stale.flush();
    expect(stale.gone).toBe(true);
  });

  it('retries while the API server cannot be reached and delivers the latest state once it can', async () => {
    const { uid } = await createRpaJob(kc, ns, 'outage');
    const api = new URL(kc.getCurrentCluster()!.server);
    const relayPort = await freePort();
    const outcomes: SendOutcome[] = [];
    const reporter = createStatusReporter({
      kubeConfig: viaServer(kc, `https://127.0.0.1:${relayPort}`),
      logger,
      minIntervalMs: 10,
      maxBackoffMs: 200,
      onSent: (_r, o) => outcomes.push(o),
    });
    const job = reporter.forJob({ namespace: ns, name: 'outage', uid });
    job.update(runningPatch({ robot: 'robot-c', attempts: 1, startedAt: at, totalSteps: 2 }));
    await until('two failed tries', () => outcomes.filter((o) => o === 'retry').length >= 2);
    job.update(progressPatch({ done: 2, total: 2, stepId: 'last' }));
    expect(await reporter.drain(50)).toBe(false);

    const sockets = new Set<Socket>();
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(api.port), api.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => relay.listen(relayPort, '127.0.0.1', r));
    try {
      expect(await reporter.drain(20_000)).toBe(true);
      expect(outcomes[outcomes.length - 1]).toBe('sent');
      expect(await readRpaJobStatus(kc, ns, 'outage')).toMatchObject({ phase: 'Running', robot: 'robot-c', progress: '2/2', currentStep: 'last' });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => relay.close(r));
    }
  });
});
