import {
  ApiException,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import {
  deleteNamespace,
  ensureServiceAccount,
  freshNamespace,
  kubeConfigForToken,
  kubeConfigFromFile,
  serviceAccountKubeConfig,
  testKubeConfig,
  userKubeconfig,
  waitFor,
} from '../harness/kube.js';
import { kubeconfigPath } from '../harness/testenv.js';

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe('RBAC with ServiceAccount tokens', () => {
  let kc: KubeConfig;
  let ns: string;
  beforeAll(async () => {
    kc = testKubeConfig();
    ns = await freshNamespace(kc, 'smoke-rbac');
    await ensureServiceAccount(kc, ns, 'robot');
  });
  afterAll(() => deleteNamespace(kc, ns));

  it('authenticates a TokenRequest token as the ServiceAccount and refuses what RBAC does not grant with 403', async () => {
    const sa = await serviceAccountKubeConfig(kc, ns, 'robot');
    const review = await sa
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${ns}:robot`);

    const saCore = sa.makeApiClient(CoreV1Api);
    expect(await statusOf(saCore.listNamespacedSecret({ namespace: ns }))).toBe(403);
    expect(await statusOf(saCore.listNamespacedPod({ namespace: ns }))).toBe(403);
  });

  it('allows what a RoleBinding grants, and only that', async () => {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'robot-reads-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: ns }],
      },
    });
    const saCore = (await serviceAccountKubeConfig(kc, ns, 'robot')).makeApiClient(CoreV1Api);
    await waitFor(
      'the RoleBinding to take effect',
      async () => ((await statusOf(saCore.listNamespacedPod({ namespace: ns }))) === 200 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    expect(await statusOf(saCore.listNamespacedSecret({ namespace: ns }))).toBe(403);
    expect(await statusOf(saCore.listPodForAllNamespaces())).toBe(403);
  });

  it('rejects a forged token with 401', async () => {
    const forged = kubeConfigForToken(kc, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl').makeApiClient(CoreV1Api);
    expect(await statusOf(forged.listNamespacedPod({ namespace: ns }))).toBe(401);
  });

  it('authenticates a client certificate issued for another user by the cluster CA', async () => {
    const alice = kubeConfigFromFile(userKubeconfig(kubeconfigPath(), 'alice', ['team-a']));
    const review = await alice
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(review.status?.userInfo?.username).toBe('alice');
    expect(review.status?.userInfo?.groups).toEqual(expect.arrayContaining(['team-a', 'system:authenticated']));
    expect(await statusOf(alice.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns }))).toBe(403);
  });
});
