// Kubernetes Events on an RpaJob from the robot (what `kubectl get events` and `kubectl describe rpajob`
// show): best effort, never throws into a job. Needs `create` on events in the job's namespace.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../api/log.js';
import type { Reason } from '../../../api/v1alpha1/reasons.js';

export interface JobEventWriter {
  record(job: { namespace: string; name: string; uid: string }, e: { type: 'Normal' | 'Warning'; reason: Reason; message: string }): Promise<void>;
  /** Waits for the Events in flight (shutdown). */
  drain(): Promise<void>;
}

export function kubeJobEvents(kc: KubeConfig, opts: { component: string; instance: string; logger: Logger }): JobEventWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const inflight = new Set<Promise<void>>();
  return {
    record(job, e) {
      const now = new Date();
      const p = core
        .createNamespacedEvent({
          namespace: job.namespace,
          body: {
            metadata: { name: `${job.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`, namespace: job.namespace },
            involvedObject: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaJob', name: job.name, namespace: job.namespace, uid: job.uid },
            type: e.type,
            reason: e.reason,
            message: e.message.slice(0, 1024),
            count: 1,
            firstTimestamp: now,
            lastTimestamp: now,
            source: { component: opts.component },
            reportingComponent: opts.component,
            reportingInstance: opts.instance,
          },
        })
        .then(
          () => undefined,
          (err: unknown) => opts.logger.warn({ err: err instanceof Error ? err.message : String(err), reason: e.reason, jobUid: job.uid }, 'event not recorded'),
        );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      return p;
    },
    async drain() {
      await Promise.all([...inflight]);
    },
  };
}
