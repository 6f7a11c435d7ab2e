// The RpaJob finalizer policy (api/admission, installed by the chart) on the real API server: jobs in the
// bound namespaces carry the finalizer from their creation, so the operator queues them with one status
// write and no metadata write; the finalizer is still the operator's to release on deletion.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { RPAJOB_FINALIZER } from '../../api/v1alpha1/index.js';
import { createProducer, type Producer } from '../../api/queue/index.js';
import type { Operator } from '../../operator/src/operator.js';
import { createObject, getObject, NOOP_WORKFLOW, setUpEnv, startTestOperator, tearDownEnv, waitForGone, waitForObject, type TestEnv } from '../../operator/src/testing/operator-env.js';
import { freshNamespace } from '../harness/kubeclient.js';
import { installFinalizerPolicy, type InstalledPolicy } from './finalizer-policy.js';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
}

describe('RpaJob finalizer policy', () => {
  let env: TestEnv;
  let policy: InstalledPolicy;
  let operator: Operator | undefined;
  let producer: Producer;
  const other: string[] = [];

  beforeAll(async () => {
    env = await setUpEnv('finpol');
    policy = await installFinalizerPolicy(env.kc, { name: `aether-test-${randomBytes(4).toString('hex')}`, namespaces: [env.namespace] });
    producer = createProducer({ pool: env.db });
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    await policy?.remove();
    for (const ns of other) await env.core.deleteNamespace({ name: ns }).catch(() => undefined);
    await tearDownEnv(env);
  });

  it('keeps the finalizer\'s name (jobs in clusters carry it; the operator and the policy share this one constant)', () => {
    expect(RPAJOB_FINALIZER).toBe('rpa.aether.dev/queue-cleanup');
  });

  it('adds the finalizer at creation, once, beside any others', async () => {
    const plain = await createObject(env, 'RpaJob', 'plain', { pool: 'p', workflow: NOOP_WORKFLOW });
    expect(plain.metadata.finalizers).toEqual([RPAJOB_FINALIZER]);
    const own = await createObject(env, 'RpaJob', 'own', { pool: 'p', workflow: NOOP_WORKFLOW }, { finalizers: ['example.com/keep'] });
    expect(own.metadata.finalizers).toEqual(['example.com/keep', RPAJOB_FINALIZER]);
    const already = await createObject(env, 'RpaJob', 'already', { pool: 'p', workflow: NOOP_WORKFLOW }, { finalizers: [RPAJOB_FINALIZER] });
    expect(already.metadata.finalizers).toEqual([RPAJOB_FINALIZER]);
    // Let these go again (no operator runs yet to release them).
    for (const name of ['plain', 'own', 'already'])
      await env.custom.patchNamespacedCustomObject(
        { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpajobs', namespace: env.namespace, name, body: [{ op: 'replace', path: '/metadata/finalizers', value: [] }] },
      );
  });

  it('leaves RpaJobs in namespaces it is not bound to alone (no operator there would release them)', async () => {
    const ns = await freshNamespace(env.kc, 'finpol-other');
    other.push(ns);
    const job = (await env.custom.createNamespacedCustomObject({
      group: 'rpa.aether.dev',
      version: 'v1alpha1',
      plural: 'rpajobs',
      namespace: ns,
      body: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaJob', metadata: { name: 'elsewhere' }, spec: { pool: 'p', workflow: NOOP_WORKFLOW } },
    })) as { metadata: { finalizers?: string[] } };
    expect(job.metadata.finalizers ?? []).toEqual([]);
  });

  it('the operator queues such a job writing only its status, and still releases the finalizer on deletion', async () => {
    operator = await startTestOperator(env);
    const created = (await env.custom.createNamespacedCustomObject({
      group: 'rpa.aether.dev',
      version: 'v1alpha1',
      plural: 'rpajobs',
      namespace: env.namespace,
      fieldManager: 'test-creator',
      body: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaJob', metadata: { name: 'queued' }, spec: { pool: 'p', workflow: NOOP_WORKFLOW } },
    })) as { metadata: { uid: string; finalizers?: string[] } };
    expect(created.metadata.finalizers).toEqual([RPAJOB_FINALIZER]);
    const queued = await waitForObject(env, 'RpaJob', 'queued', 'Queued', (o) => o.status?.phase === 'Queued');
    const entries = ((queued.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? []);
    const writers = entries.filter((e) => e.subresource !== 'status').map((e) => `${e.manager}/${e.operation}`);
    expect(writers).toEqual(['test-creator/Update']);
    expect(entries.some((e) => e.subresource === 'status')).toBe(true);
    expect(await producer.getRun(created.metadata.uid)).toMatchObject({ state: 'queued' });

    await env.custom.deleteNamespacedCustomObject({ group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpajobs', namespace: env.namespace, name: 'queued' });
    await waitForGone(env, 'RpaJob', 'queued');
    expect((await producer.getRun(created.metadata.uid))?.state).toBe('cancelled');
    expect(await getObject(env, 'RpaJob', 'queued')).toBeUndefined();
  });
});
