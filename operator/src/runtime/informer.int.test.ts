// The informer against the real API server: it sees adds, updates and deletes of ConfigMaps, and keeps
// seeing them after its watch has been closed by the server and resumed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { createLogger } from '../../../api/log.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../../../e2e/harness/kubeclient.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { Informer, type InformerEvent } from './informer.js';

const logger = createLogger({
  name: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

describe('Informer on ConfigMaps', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns: string;

  beforeAll(async () => {
    kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    ns = await freshNamespace(kc, 'informer');
  });
  afterAll(async () => {
    await deleteNamespace(kc, ns);
  });

  function informer(opts: { watchTimeoutSeconds?: number; resyncMs?: number } = {}) {
    const inf = new Informer<V1ConfigMap>(kc, {
      name: 'configmaps',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      list: () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=informer-test' }),
      labelSelector: 'app=informer-test',
      logger,
      ...opts,
    });
    const events: Array<[InformerEvent, string, string | undefined]> = [];
    inf.onChange((o, e) => events.push([e, o.metadata!.name!, o.data?.v]));
    return { inf, events };
  }

  const cm = (name: string, v: string): V1ConfigMap => ({
    metadata: { name, labels: { app: 'informer-test' } },
    data: { v },
  });
  const seen = (
    events: Array<[InformerEvent, string, string | undefined]>,
    e: InformerEvent,
    name: string,
    v?: string,
  ) =>
    waitFor(
      `${e} ${name} ${v ?? ''}`,
      async () =>
        events.some(([a, b, c]) => a === e && b === name && (v === undefined || c === v)) ? true : undefined,
      {
        timeoutMs: 30_000,
      },
    );

  it('lists what exists, then sees adds, updates and deletes', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('before', '1') });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'unlabelled' }, data: { v: 'x' } },
    });
    const { inf, events } = informer();
    await inf.start();
    expect(inf.synced).toBe(true);
    expect(inf.get('before', ns)?.data?.v).toBe('1');
    expect(inf.get('unlabelled', ns)).toBeUndefined();

    await core.createNamespacedConfigMap({ namespace: ns, body: cm('added', 'a') });
    await seen(events, 'add', 'added', 'a');
    await core.replaceNamespacedConfigMap({ name: 'added', namespace: ns, body: cm('added', 'b') });
    await seen(events, 'update', 'added', 'b');
    expect(inf.get('added', ns)?.data?.v).toBe('b');
    await core.deleteNamespacedConfigMap({ name: 'added', namespace: ns });
    await seen(events, 'delete', 'added');
    expect(inf.get('added', ns)).toBeUndefined();
    expect(inf.list(ns).map((o) => o.metadata!.name)).toEqual(['before']);
    await inf.stop();
    await core.deleteNamespacedConfigMap({ name: 'before', namespace: ns });
  });

  it('resumes after the server closes its watch, without missing changes', async () => {
    const { inf, events } = informer({ watchTimeoutSeconds: 1 });
    await inf.start();
    const connectsAtStart = inf.connects;
    await waitFor('two watch restarts', async () => (inf.connects >= connectsAtStart + 2 ? true : undefined), {
      timeoutMs: 30_000,
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('after-restart', '1') });
    await seen(events, 'add', 'after-restart', '1');
    await core.replaceNamespacedConfigMap({ name: 'after-restart', namespace: ns, body: cm('after-restart', '2') });
    await seen(events, 'update', 'after-restart', '2');
    const connects = inf.connects;
    await waitFor('another watch restart', async () => (inf.connects > connects ? true : undefined), {
      timeoutMs: 30_000,
    });
    await core.deleteNamespacedConfigMap({ name: 'after-restart', namespace: ns });
    await seen(events, 'delete', 'after-restart');
    // Resuming from the last resourceVersion replays nothing: one add, one update, one delete.
    expect(events.filter(([, n]) => n === 'after-restart').map(([e]) => e)).toEqual(['add', 'update', 'delete']);
    await inf.stop();
  });

  it('re-delivers cached objects on resync', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('steady', '1') });
    const { inf, events } = informer({ resyncMs: 200 });
    await inf.start();
    await waitFor(
      'two resyncs of steady',
      async () => (events.filter(([e, n]) => e === 'resync' && n === 'steady').length >= 2 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    await inf.stop();
  });

  it('keeps retrying when the list is refused, and syncs once it is allowed', async () => {
    let refusals = 0;
    const inf = new Informer<V1ConfigMap>(kc, {
      name: 'flaky',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      list: async () => {
        if (refusals < 2) {
          refusals++;
          throw Object.assign(new Error('refused'), { code: 503 });
        }
        return core.listNamespacedConfigMap({ namespace: ns });
      },
      logger,
    });
    await inf.start();
    expect(refusals).toBe(2);
    expect(inf.synced).toBe(true);
    await inf.stop();
  });
});
