import { randomBytes } from 'node:crypto';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { userKubeconfig } from '../../../e2e/harness/kube.js';
import { kubeConfigFromFile } from '../../../e2e/harness/kubeconfig.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { CredentialScopeDeniedError } from '../credscope/enforce.js';
import { CredentialError, createJobCredentials } from './credentials.js';

describe('job credentials from Secrets, through the real API server', () => {
  const ns = `cred-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let admin: KubeConfig;
  let robot: KubeConfig;
  let core: CoreV1Api;
  const job = { workflow: { steps: [] } };
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
      job,
    });
    expect(await creds.get('portal')).toEqual({ values: { username: 'alice', password }, secret: 'portal-login', grant: { rules: [], source: 'default' } });
    expect(creds.knownValues().sort()).toEqual(['alice', password].sort());
  });

  it('keeps the values for the rest of the job only: a new job reads the Secret again', async () => {
    const bindings = { portal: { secretName: 'temp-login' } };
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'temp-login' }, stringData: { username: 'bob', password: 'pw-bob-1' } } });
    const job1 = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings, job });
    expect((await job1.get('portal')).values).toEqual({ username: 'bob', password: 'pw-bob-1' });
    await core.deleteNamespacedSecret({ name: 'temp-login', namespace: ns });
    expect((await job1.get('portal')).values).toEqual({ username: 'bob', password: 'pw-bob-1' });

    const job2 = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings, job });
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
      job,
    });
    const denied = await creds.get('api').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CredentialError);
    expect((denied as Error).message).toBe(`the robot may not read Secret ${ns}/not-yours (RBAC: it needs get on secrets in ${ns})`);

    // The Secret names the password "pw", but this binding expects "password".
    const missingKey = await creds.get('portal').catch((e: unknown) => e);
    expect((missingKey as Error).message).toBe(`Secret ${ns}/portal-login has no key "password" (credential portal.password)`);
    expect((missingKey as Error).message).not.toContain(password);

    await expect(creds.get('nope')).rejects.toThrow('the workflow declares no credential slot "nope"');
    const unbound = createJobCredentials({ kubeConfig: robot, namespace: ns, slots, bindings: {}, job });
    await expect(unbound.get('portal')).rejects.toThrow('the job binds no Secret to credential slot "portal"');
  });

  it('reads the Secret owner\'s scope and allowed workflows from its annotations, and refuses a bad one clearly', async () => {
    const scope = '- urlPrefix: https://portal.example.com/\n  usages: [fill]';
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'scoped', annotations: { 'rpa.aether.dev/credential-scope': scope, 'rpa.aether.dev/allowed-workflows': 'portal-login' } },
        stringData: { token: 'tok-scoped-1' },
      },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'bad-scope', annotations: { 'rpa.aether.dev/credential-scope': '[{"host": "https://x"}]' } }, stringData: { token: 'tok-bad-1' } },
    });
    const ref = { workflow: { steps: [] }, workflowRef: 'portal-login' };
    const ok = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings: { api: { secretName: 'scoped' } }, job: ref });
    expect(await ok.get('api')).toEqual({
      values: { token: 'tok-scoped-1' },
      secret: 'scoped',
      grant: { rules: [{ urlPrefix: 'https://portal.example.com/', usages: ['fill'] }], source: 'annotation' },
    });

    const inline = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings: { api: { secretName: 'scoped' } }, job });
    const e1 = await inline.get('api').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CredentialScopeDeniedError);
    expect((e1 as Error).message).toContain('allows only the RpaWorkflows portal-login, and this job runs an inline workflow');
    expect(inline.knownValues()).toEqual([]);

    const other = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings: { api: { secretName: 'scoped' } }, job: { ...ref, workflowRef: 'other' } });
    await expect(other.get('api')).rejects.toThrow('does not list the RpaWorkflow other');

    const bad = createJobCredentials({ kubeConfig: admin, namespace: ns, slots, bindings: { api: { secretName: 'bad-scope' } }, job: ref });
    const e2 = await bad.get('api').catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(CredentialScopeDeniedError);
    expect((e2 as Error).message).toContain('annotation rpa.aether.dev/credential-scope is invalid: 0.host: must be a host name');
    expect((e2 as Error).message).not.toContain('tok-bad-1');
  });
});
