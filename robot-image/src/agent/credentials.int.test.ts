import { randomBytes } from 'node:crypto';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { userKubeconfig } from '../../../e2e/harness/kube.js';
import { kubeConfigFromFile } from '../../../e2e/harness/kubeconfig.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { CredentialError, createJobCredentials } from './credentials.js';

describe('job credentials from Secrets, through the real API server', () => {
  const ns = `cred-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let admin: KubeConfig;
  let robot: KubeConfig;
  let core: CoreV1Api;
  const slots = [
    { name: 'portal', keys: ['username', 'password'] },
    { name: 'api', keys: ['token'] },
  ];

  beforeAll(async () => {
    admin = kubeConfigFromFile(kubeconfigPath());
    core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'portal-login' }, stringData: { username: 'alice', pw: password } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'not-yours' }, stringData: { token: 'tok-123456' } } });
    // The least the robot needs: get on secrets in the job's namespace (here narrowed to one name).
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: 'robot' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['portal-login'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'robot' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'robot' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'robot-test' }],
      },
    });
    robot = kubeConfigFromFile(userKubeconfig(kubeconfigPath(), 'robot-test'));
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: ns });
  });

  it('reads a bound Secret with only get permission, mapping slot keys to Secret keys', async () => {
    const creds = createJobCredentials({
      kubeConfig: robot,
      namespace: ns,
      slots,
      bindings: { portal: { secretName: 'portal-login', keys: { password: 'pw' } } },
    });
    expect(await creds.get('portal')).toEqual({ username: 'alice', password });
    expect(creds.knownValues().sort()).toEqual(['alice', password].sort());
  });

  it('keeps the values for the rest of the job only: a new job reads the Secret again', async () => {
    const bindings = { portal: { secretName: 'temp-login' } };
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'temp-login' }, stringData: { username: 'bob', password: 'pw-bob-1' } } });
    const job1 = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings });
    expect(await job1.get('portal')).toEqual({ username: 'bob', password: 'pw-bob-1' });
    await core.deleteNamespacedSecret({ name: 'temp-login', namespace: ns });
    expect(await job1.get('portal')).toEqual({ username: 'bob', password: 'pw-bob-1' });

    const job2 = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings });
    await expect(job2.get('portal')).rejects.toThrow(`Secret ${ns}/temp-login does not exist`);
    job1.clear();
    expect(job1.knownValues()).toEqual([]);
  });

  it('explains what is wrong without revealing any value', async () => {
    const creds = createJobCredentials({
      kubeConfig: robot,
      namespace: ns,
      slots,
      bindings: { portal: { secretName: 'portal-login' }, api: { secretName: 'not-yours' } },
    });
    const denied = await creds.get('api').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CredentialError);
    expect((denied as Error).message).toBe(`the robot may not read Secret ${ns}/not-yours (RBAC: it needs get on secrets in ${ns})`);

    // The Secret names the password "pw", but this binding expects "password".
    const missingKey = await creds.get('portal').catch((e: unknown) => e);
    expect((missingKey as Error).message).toBe(`Secret ${ns}/portal-login has no key "password" (credential portal.password)`);
    expect((missingKey as Error).message).not.toContain(password);

    await expect(creds.get('nope')).rejects.toThrow('the workflow declares no credential slot "nope"');
    const unbound = createJobCredentials({ kubeConfig: robot, namespace: ns, slots, bindings: {} });
    await expect(unbound.get('portal')).rejects.toThrow('the job binds no Secret to credential slot "portal"');
  });
});
