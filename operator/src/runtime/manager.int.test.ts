// The runtime pieces together against the real API server, on a small test CRD: informer -> queue ->
// reconcile that writes status conditions (merge patch to /status) and Events; /metrics, /healthz,
// /readyz; leader election; shutdown that releases the lease.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import {
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  V1MicroTime,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { createLogger } from '../../../api/log.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../../../e2e/harness/kubeclient.js';
import { waitFor as waitForWithin } from '../../../e2e/harness/wait.js';

// Shorter than the test's timeout, so a failure names the step that did not happen.
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) =>
  waitForWithin(what, probe, { timeoutMs: 25_000 });
import { setCondition, type Condition } from './conditions.js';
import { Controller } from './controller.js';
import { EventRecorder } from './events.js';
import { Informer } from './informer.js';
import { Manager } from './manager.js';
import { OperatorMetrics } from './metrics.js';
import { done } from './result.js';
import { JsonApi } from './json-api.js';
import { patchStatus } from './status.js';

const logger = createLogger({
  name: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});
const GROUP = 'runtime.test.aether.dev';
const VERSION = 'v1';
const PLURAL = 'widgets';

interface Widget extends KubernetesObject {
  spec?: { size?: number };
  status?: { conditions?: Condition[]; note?: string; observedGeneration?: number };
}

async function installCrd(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  try {
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `${PLURAL}.${GROUP}` },
        spec: {
          group: GROUP,
          scope: 'Namespaced',
          names: { plural: PLURAL, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: VERSION,
              served: true,
              storage: true,
              subresources: { status: {} },
              // client-node's model spells the x-kubernetes-* keys with underscores; it drops the dashed form.
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          ],
        },
      },
    });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
  await waitFor('CRD established', async () => {
    const crd = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}

describe('Manager with a controller on a custom resource', () => {
  let kc: KubeConfig;
  let ns: string;
  let custom: CustomObjectsApi;
  let json: JsonApi;

  beforeAll(async () => {
    kc = testKubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    json = new JsonApi(kc);
    await installCrd(kc);
    ns = await freshNamespace(kc, 'manager');
  });
  afterAll(async () => {
    await deleteNamespace(kc, ns);
  });

  it('reconciles, reports status and Events, serves metrics and health, and hands the lease back on shutdown', async () => {
    const metrics = new OperatorMetrics({ processMetrics: false });
    const manager = new Manager({
      kc,
      logger,
      metrics,
      http: { host: '127.0.0.1', port: 0 },
      leaderElection: {
        namespace: ns,
        leaseName: 'widgets-operator',
        identity: 'op-1',
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 500,
      },
    });
    const informer = manager.addInformer(
      new Informer<Widget>(kc, {
        name: 'widgets',
        path: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`,
        list: () =>
          custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL }),
        logger,
      }),
    );
    const recorder = new EventRecorder(kc, { component: 'aether-operator', instance: 'op-1', logger });
    let reconciles = 0;
    const controller = manager.addController(
      new Controller({
        name: 'widgets',
        logger,
        metrics,
        reconcile: async ({ namespace, name }) => {
          reconciles++;
          const w = informer.get(name, namespace);
          if (!w) return done();
          const big = (w.spec?.size ?? 0) > 10;
          const conditions = setCondition(
            w.status?.conditions,
            big
              ? { type: 'Ready', status: 'False', reason: 'Invalid', message: `size ${w.spec?.size} is above 10` }
              : { type: 'Ready', status: 'True', reason: 'Valid', message: 'fits' },
            { generation: w.metadata?.generation, now: new Date() },
          );
          await patchStatus(
            json,
            { group: GROUP, version: VERSION, plural: PLURAL, namespace, name },
            { conditions, observedGeneration: w.metadata?.generation },
          );
          if (big)
            await recorder.record(w, {
              type: 'Warning',
              reason: 'Invalid',
              message: `size ${w.spec?.size} is above 10`,
            });
          return done();
        },
      }),
    );
    controller.watch(informer);

    // Someone else's status field, set before: the merge patch must leave it alone.
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
    });
    await patchStatus(
      json,
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'w1' },
      { note: 'robot progress' },
    );

    await manager.start();
    await waitFor('leader', async () => (manager.isLeader ? true : undefined));

    const read = () =>
      custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: PLURAL,
        name: 'w1',
      }) as Promise<Widget>;
    const ready1 = await waitFor('Ready=True', async () => {
      const w = await read();
      const c = w.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'True' ? { w, c } : undefined;
    });
    expect(ready1.c).toMatchObject({ reason: 'Valid', observedGeneration: 1 });
    expect(ready1.w.status?.note).toBe('robot progress');

    // A spec change keeping the same status: observedGeneration moves, lastTransitionTime does not.
    await new Promise((r) => setTimeout(r, 1100)); // so that a moved time would differ at second precision
    await custom.patchNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      name: 'w1',
      body: [{ op: 'replace', path: '/spec/size', value: 4 }],
    });
    const ready2 = await waitFor('observedGeneration 2', async () => {
      const c = (await read()).status?.conditions?.find((x) => x.type === 'Ready');
      return c?.observedGeneration === 2 ? c : undefined;
    });
    expect(ready2.lastTransitionTime).toBe(ready1.c.lastTransitionTime);

    // A status change moves lastTransitionTime and raises a Warning Event; repeats bump its count.
    await custom.patchNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      name: 'w1',
      body: [{ op: 'replace', path: '/spec/size', value: 11 }],
    });
    const notReady = await waitFor('Ready=False', async () => {
      const c = (await read()).status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'False' ? c : undefined;
    });
    expect(notReady.reason).toBe('Invalid');
    expect(notReady.lastTransitionTime).not.toBe(ready1.c.lastTransitionTime);
    const before = reconciles;
    controller.enqueue(`${ns}/w1`);
    await waitFor('another reconcile', async () =>
      reconciles > before && controller.queue.inFlight === 0 ? true : undefined,
    );
    const core = kc.makeApiClient(CoreV1Api);
    const events = await waitFor('one Invalid event counted at least twice', async () => {
      const list = await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.name=w1,reason=Invalid',
      });
      return list.items.length >= 1 && (list.items[0]!.count ?? 0) >= 2 ? list.items : undefined;
    });
    expect(events).toHaveLength(1); // repeats were counted, not created anew
    expect(events[0]).toMatchObject({
      type: 'Warning',
      message: 'size 11 is above 10',
      involvedObject: { kind: 'Widget', name: 'w1' },
      source: { component: 'aether-operator' },
    });

    // Metrics and health.
    const base = `http://127.0.0.1:${manager.httpPort}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/aether_reconcile_total\{controller="widgets",result="success"\} [1-9]/);
    expect(text).toMatch(/aether_leader 1/);
    expect(text).toMatch(/aether_reconcile_duration_seconds_count\{controller="widgets"\} [1-9]/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    await manager.shutdown();
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'widgets-operator', namespace: ns });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 180_000);

  it("on lease loss an in-flight reconcile's signal is aborted, its API write is not sent, and the manager reports the loss after the drain", async () => {
    const widget = { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'w-lease' };
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { name: 'w-lease' }, spec: { size: 1 } },
    });
    const steps: string[] = [];
    const manager = new Manager({
      kc,
      logger,
      metrics: new OperatorMetrics({ processMetrics: false }),
      http: { host: '127.0.0.1', port: 0 },
      leaderElection: { namespace: ns, leaseName: 'lost-lease', identity: 'op-1', leaseDurationMs: 4000, renewDeadlineMs: 2000, retryPeriodMs: 300 },
      onLostLeadership: () => steps.push('lost leadership'),
    });
    const controller = manager.addController(
      new Controller({
        name: 'slow',
        logger,
        reconcile: async (_key, { signal }) => {
          steps.push('reconcile started');
          // A long reconcile (a slow API server, a long query): it is still running when the lease goes.
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 30_000);
            signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
          steps.push(signal.aborted ? 'signal aborted' : 'signal never aborted');
          try {
            await patchStatus(json, widget, { note: 'written after the lease was lost' }, { signal });
            steps.push('write sent');
          } catch (err) {
            steps.push((err as Error).name === 'AbortError' ? 'write refused' : `write failed: ${(err as Error).message}`);
          }
          return done();
        },
      }),
    );
    await manager.start();
    await waitFor('leader', async () => (manager.isLeader ? true : undefined));
    controller.enqueue(`${ns}/w-lease`);
    await waitFor('reconcile in flight', async () => (steps.includes('reconcile started') ? true : undefined));

    // Another process writes itself into the Lease (a partition healed the wrong way): renewals fail.
    const leases = kc.makeApiClient(CoordinationV1Api);
    const steal = setInterval(() => {
      void leases
        .readNamespacedLease({ name: 'lost-lease', namespace: ns })
        .then((l) =>
          leases.replaceNamespacedLease({
            name: 'lost-lease',
            namespace: ns,
            body: { ...l, spec: { ...l.spec, holderIdentity: 'intruder', renewTime: new V1MicroTime(Date.now()) } },
          }),
        )
        .catch(() => undefined);
    }, 100);
    try {
      await waitFor('leadership lost', async () => (steps.includes('lost leadership') ? true : undefined));
      expect(steps).toEqual(['reconcile started', 'signal aborted', 'write refused', 'lost leadership']);
      expect(manager.isLeader).toBe(false);
      const w = (await custom.getNamespacedCustomObject(widget)) as Widget;
      expect(w.status?.note).toBeUndefined();
    } finally {
      clearInterval(steal);
      await manager.shutdown();
    }
  });
});
