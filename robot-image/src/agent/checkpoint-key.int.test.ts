import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { userKubeconfig } from '../../../e2e/harness/kube.js';
import { kubeConfigFromFile } from '../../../e2e/harness/kubeconfig.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { SessionSealError } from '../engine/session-seal.js';
import { CHECKPOINT_KEY_SECRET, keyFromSecretData, secretCheckpointKeys } from './checkpoint-key.js';

describe('the checkpoint key Secret, through the real API server', () => {
  const ns = `cpkey-${randomBytes(4).toString('hex')}`;
  let admin: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    admin = kubeConfigFromFile(kubeconfigPath());
    core = admin.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  afterAll(() => core.deleteNamespace({ name: ns }).catch(() => undefined));

  it('is created once when missing; robots racing for it all get the same 32 bytes, and it is what the Secret holds', async () => {
    const keys = await Promise.all([secretCheckpointKeys(admin)(ns), secretCheckpointKeys(admin)(ns), secretCheckpointKeys(admin)(ns)]);
    expect(keys[0]).toHaveLength(32);
    expect(keys.every((k) => k.equals(keys[0]!))).toBe(true);
    const secret = await core.readNamespacedSecret({ name: CHECKPOINT_KEY_SECRET, namespace: ns });
    expect(keyFromSecretData(secret.data, 'x')).toEqual(keys[0]);
  });

  it('a robot that may neither read nor create it gets an error naming the Secret and RBAC', async () => {
    const other = `cpkey-${randomBytes(4).toString('hex')}`;
    await core.createNamespace({ body: { metadata: { name: other } } });
    try {
      const nobody = kubeConfigFromFile(userKubeconfig(kubeconfigPath(), 'no-rights'));
      await expect(secretCheckpointKeys(nobody)(other)).rejects.toThrow(SessionSealError);
      await expect(secretCheckpointKeys(nobody)(other)).rejects.toThrow(new RegExp(`Secret ${other}/aether-checkpoint-key`));
    } finally {
      await core.deleteNamespace({ name: other }).catch(() => undefined);
    }
  });

  it('accepts the key as bytes or as base64 text, and refuses a key of another length', () => {
    const key = randomBytes(32);
    expect(keyFromSecretData({ key: key.toString('base64') }, 'x')).toEqual(key);
    expect(keyFromSecretData({ key: Buffer.from(key.toString('base64')).toString('base64') }, 'x')).toEqual(key);
    expect(() => keyFromSecretData({ key: Buffer.from('short').toString('base64') }, 'Secret a/b')).toThrow(/Secret a\/b key "key" must hold 32/);
    expect(() => keyFromSecretData({}, 'Secret a/b')).toThrow(/Secret a\/b has no key "key"/);
  });
});
