import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import { deleteNamespace, freshNamespace, testKubeConfig, waitFor } from '../harness/kube.js';

// Deployments turn into ReplicaSets and Pods only when kube-controller-manager really runs.
describe('kube-controller-manager', () => {
  let kc: KubeConfig;
  let ns: string;
  beforeAll(async () => {
    kc = testKubeConfig();
    ns = await freshNamespace(kc, 'smoke-deploy');
  });
  afterAll(() => deleteNamespace(kc, ns));

  it('turns a Deployment into a ReplicaSet and Pods, and garbage-collects them after it is deleted', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const labels = { app: 'smoke-web' };
    const dep = await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web', labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'main', image: 'aether.dev/test-sleeper:1' }] },
          },
        },
      },
    });

    const rs = await waitFor('a ReplicaSet owned by the Deployment', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: ns });
      return list.items.find((r) =>
        r.metadata?.ownerReferences?.some((o) => o.uid === dep.metadata?.uid && o.controller),
      );
    });
    expect(rs.spec?.replicas).toBe(2);

    const ownedBy = (r: V1ReplicaSet) => (p: V1Pod) =>
      p.metadata?.ownerReferences?.some((o) => o.uid === r.metadata?.uid && o.kind === 'ReplicaSet');
    const pods = await waitFor('2 Pods owned by the ReplicaSet', async () => {
      const list = await core.listNamespacedPod({ namespace: ns });
      const owned = list.items.filter(ownedBy(rs));
      return owned.length === 2 ? owned : undefined;
    });
    expect(pods.map((p) => p.metadata?.labels?.app)).toEqual(['smoke-web', 'smoke-web']);
    // The ServiceAccount admission plugin ran: it projected the default ServiceAccount's token.
    expect(pods[0]?.spec?.serviceAccountName).toBe('default');
    expect(pods[0]?.spec?.volumes?.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken))).toBe(true);

    await apps.deleteNamespacedDeployment({ name: 'web', namespace: ns, propagationPolicy: 'Background' });
    await waitFor('the ReplicaSet and its Pods to be garbage-collected', async () => {
      const [rsList, podList] = await Promise.all([
        apps.listNamespacedReplicaSet({ namespace: ns }),
        core.listNamespacedPod({ namespace: ns }),
      ]);
      return rsList.items.length === 0 && podList.items.length === 0 ? true : undefined;
    });
  });
});
