// Where a namespace's checkpoint key comes from (sessions in checkpoints are sealed with it, see
// engine/session-seal.ts). In a cluster: the Secret `aether-checkpoint-key` in the job's namespace,
// key `key` (32 random bytes). The chart creates it for each robot namespace; when it is missing the
// robot creates it once (a racing robot's create gives 409 and both read the winner's). Local mode: a
// file in the data directory. Every robot of a namespace must see the same key, or a take-over cannot
// open the sessions its predecessor sealed.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CHECKPOINT_KEY_SECRET } from '../../../api/v1alpha1/names.js';
import { CHECKPOINT_KEY_BYTES, parseCheckpointKey, SessionSealError } from '../engine/session-seal.js';

export { CHECKPOINT_KEY_SECRET };
const KEY_FIELD = 'key';

/** Secret data `key`: the 32 bytes themselves, or their base64 text (`kubectl create secret --from-literal`). */
export function keyFromSecretData(data: Record<string, string> | undefined, where: string): Buffer {
  const field = data?.[KEY_FIELD];
  if (field === undefined) throw new SessionSealError(`${where} has no key "${KEY_FIELD}"`);
  const bytes = Buffer.from(field, 'base64');
  if (bytes.length === CHECKPOINT_KEY_BYTES) return bytes;
  return parseCheckpointKey(bytes.toString('utf8'), `${where} key "${KEY_FIELD}"`);
}

/** The cluster's source: one read (or create) per namespace, kept for the life of the process. */
export function secretCheckpointKeys(kubeConfig: KubeConfig): (namespace: string) => Promise<Buffer> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const keys = new Map<string, Promise<Buffer>>();

  async function load(namespace: string): Promise<Buffer> {
    const where = `Secret ${namespace}/${CHECKPOINT_KEY_SECRET}`;
    const read = async () => keyFromSecretData((await core.readNamespacedSecret({ name: CHECKPOINT_KEY_SECRET, namespace })).data, where);
    try {
      return await read();
    } catch (err) {
      if (codeOf(err) !== 404) throw explain(err, where, 'read');
    }
    try {
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: CHECKPOINT_KEY_SECRET, labels: { 'app.kubernetes.io/managed-by': 'aether', 'app.kubernetes.io/component': 'checkpoint-key' } },
          type: 'Opaque',
          data: { [KEY_FIELD]: randomBytes(CHECKPOINT_KEY_BYTES).toString('base64') },
        },
      });
    } catch (err) {
      if (codeOf(err) !== 409) throw explain(err, where, 'create');
    }
    return read();
  }

  return (namespace) => {
    let p = keys.get(namespace);
    if (!p) {
      p = load(namespace);
      p.catch(() => keys.delete(namespace));
      keys.set(namespace, p);
    }
    return p;
  };
}

/** `aether run`: the key lives beside the local database, created on first use (mode 0600). */
export function fileCheckpointKey(path: string): () => Promise<Buffer> {
  return async () => {
    if (!existsSync(path)) {
      try {
        writeFileSync(path, randomBytes(CHECKPOINT_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
      }
    }
    return parseCheckpointKey(readFileSync(path, 'utf8'), path);
  };
}

function codeOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

function explain(err: unknown, where: string, verb: 'read' | 'create'): Error {
  if (err instanceof SessionSealError) return err;
  const code = codeOf(err);
  if (code === 403)
    return new SessionSealError(
      verb === 'read'
        ? `the robot may not read ${where} (RBAC: the chart grants get on it)`
        : `${where} does not exist and the robot may not create it: install the chart's robot namespaces, or create it (32 random bytes under key "${KEY_FIELD}")`,
      { cause: err },
    );
  return new SessionSealError(`could not ${verb} ${where}${code ? ` (HTTP ${code})` : ''}`, { cause: err });
}
