// Each robot namespace's checkpoint key (robot-image/src/agent/checkpoint-key.ts): the Secret
// `aether-checkpoint-key` with 32 random bytes, which robots read to seal browser sessions in checkpoints.
// The operator creates it when it first reconciles a pool of the namespace, so pools in any namespace
// work without the chart listing them. It never reads the Secret: a create that finds it (409) is done.
import { randomBytes } from 'node:crypto';
import { ApiException, type CoreV1Api } from '@kubernetes/client-node';
import { CHECKPOINT_KEY_SECRET } from '../../../../api/v1alpha1/names.js';

const KEY_BYTES = 32;

export interface CheckpointKeys {
  /** Creates the namespace's key once (later calls in this process do nothing). */
  ensure(namespace: string): Promise<void>;
}

export function checkpointKeys(core: CoreV1Api): CheckpointKeys {
  const done = new Set<string>();
  return {
    async ensure(namespace) {
      if (done.has(namespace)) return;
      try {
        await core.createNamespacedSecret({
          namespace,
          body: {
            metadata: {
              name: CHECKPOINT_KEY_SECRET,
              labels: { 'app.kubernetes.io/managed-by': 'aether-operator', 'app.kubernetes.io/component': 'checkpoint-key' },
            },
            type: 'Opaque',
            data: { key: randomBytes(KEY_BYTES).toString('base64') },
          },
        });
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409)) throw err;
      }
      done.add(namespace);
    },
  };
}
