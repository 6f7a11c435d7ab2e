import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { RobotPoolSpec } from '../../../../api/v1alpha1/index.js';
import type { RobotPoolObject } from '../objects.js';
import { decidePool, invalidPoolReport, type PoolWorld } from './decide.js';
import type { RobotConfinement } from './confinement.js';
import { robotDeployment } from './deployment.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const defaults = { serviceAccountName: 'aether-robot', databaseSecret: { name: 'aether-database', key: 'url' } };
const pool: RobotPoolObject = { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RobotPool', metadata: { name: 'p', namespace: 'ns', uid: 'u', generation: 2 } };
const manual = RobotPoolSpec.parse({ image: 'robot:1', replicas: 2 });
const auto = RobotPoolSpec.parse({ image: 'robot:1', autoscaling: { enabled: true, minReplicas: 0, maxReplicas: 10 } });
/** The Deployment as the operator would have applied it for `replicas`, with `ready` of them ready. */
const applied = (spec: RobotPoolSpec, replicas: number, ready: number): V1Deployment => {
  const body = robotDeployment({ name: 'p', namespace: 'ns', uid: 'u' }, spec, replicas, defaults) as V1Deployment;
  return { ...body, status: { replicas, readyReplicas: ready } };
};
const depth = (ready: number, running = 0) => ({ ready, delayed: 0, running });
const confinement: RobotConfinement = { allowedImages: ['robot:1'], allowedServiceAccounts: ['aether-robot'], allowedEnvSecrets: [], allowedSchedulingFields: [] };
const world = (over: Partial<PoolWorld>): PoolWorld => ({ pool, spec: manual, deployment: undefined, depth: depth(0), history: undefined, robotDefaults: defaults, confinement, now, ...over });

describe('decidePool: pool, Deployment and queue depth → replicas, apply, status', () => {
  it.each<[string, Partial<PoolWorld>, { desired: number; apply: boolean; markIdle: boolean; ready: string; scaling: string; events: string[] }]>([
    ['a new manual pool: create the Deployment', {}, { desired: 2, apply: true, markIdle: false, ready: 'False/DeploymentProgressing', scaling: 'ManualScaling', events: ['ScaledUp'] }],
    ['a manual pool as applied and ready: nothing to apply', { deployment: applied(manual, 2, 2) }, { desired: 2, apply: false, markIdle: false, ready: 'True/DeploymentReady', scaling: 'ManualScaling', events: [] }],
    ['spec.replicas lowered: scale in, idle robots first', { spec: RobotPoolSpec.parse({ image: 'robot:1', replicas: 1 }), deployment: applied(manual, 2, 2) }, { desired: 1, apply: true, markIdle: true, ready: 'True/DeploymentReady', scaling: 'ManualScaling', events: ['ScaledDown'] }],
    ['work for an empty autoscaled pool: start robots at once', { spec: auto, deployment: applied(auto, 0, 0), depth: depth(3) }, { desired: 3, apply: true, markIdle: false, ready: 'False/DeploymentProgressing', scaling: 'ScaleFromZero', events: ['ScaledUp'] }],
  ])('%s', (_n, over, expected) => {
    const d = decidePool(world(over));
    expect(d.desired).toBe(expected.desired);
    expect(d.deployment !== undefined).toBe(expected.apply);
    expect(d.markIdleRobots).toBe(expected.markIdle);
    const [ready, scaling] = d.report.conditions ?? [];
    expect(`${ready?.status}/${ready?.reason}`).toBe(expected.ready);
    expect(scaling).toMatchObject({ type: 'ScalingActive', status: 'True', reason: expected.scaling });
    expect((d.report.actionEvents ?? []).map((e) => e.reason)).toEqual(expected.events);
    expect(d.scaled !== undefined).toBe(expected.events.length > 0);
  });

  it('reports replicas, queue, selector, and the scale time only when it scaled', () => {
    const scaled = decidePool(world({}));
    expect(scaled.report.fields).toMatchObject({ desiredReplicas: 2, replicas: 0, readyReplicas: 0, queue: depth(0), lastScaleTime: '2026-01-01T12:00:00Z' });
    expect(scaled.report.fields?.selector).toContain('rpa.aether.dev/pool=p');
    const steady = decidePool(world({ pool: { ...pool, status: { lastScaleTime: '2025-12-31T00:00:00Z' } }, deployment: applied(manual, 2, 2) }));
    expect(steady.report.fields?.lastScaleTime).toBe('2025-12-31T00:00:00Z');
  });

  it('looks again soon while anything is queued or running, rarely when idle', () => {
    expect(decidePool(world({ spec: auto, deployment: applied(auto, 0, 0) })).requeueAfterMs).toBe(60_000);
    expect(decidePool(world({ spec: auto, deployment: applied(auto, 0, 0), depth: depth(1) })).requeueAfterMs).toBe(5_000);
  });

  it('an invalid spec: Ready=False Invalid with a Warning', () => {
    const r = invalidPoolReport('spec.image: required');
    expect(r.conditions).toEqual([{ type: 'Ready', status: 'False', reason: 'Invalid', message: 'spec.image: required' }]);
    expect(r.events).toEqual([{ type: 'Warning', reason: 'Invalid', message: 'spec.image: required' }]);
  });

  describe('confinement: a pool asking for anything outside the allow-list gets no Deployment change', () => {
    const asking = (extra: Record<string, unknown>) => RobotPoolSpec.parse({ image: 'robot:1', replicas: 2, ...extra });
    it.each<[string, Record<string, unknown>, Partial<RobotConfinement>, string[]]>([
      ['another image', { image: 'evil.example/miner:latest' }, {}, ['spec.image']],
      ['another ServiceAccount', { serviceAccountName: 'cluster-admin-sa' }, {}, ['spec.serviceAccountName']],
      ['env from an arbitrary Secret', { env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'other-team-db', key: 'url' } } }] }, {}, ['spec.env[0].valueFrom.secretKeyRef.name']],
      ['NODE_OPTIONS', { env: [{ name: 'NODE_OPTIONS', value: '--require /tmp/x.js' }] }, {}, ['spec.env[0].name']],
      ['LD_PRELOAD and our database URL', { env: [{ name: 'LD_PRELOAD', value: '/tmp/x.so' }, { name: 'AETHER_DATABASE_URL', value: 'postgres://evil/db' }] }, {}, ['spec.env[0].name', 'spec.env[1].name']],
      ['tolerations', { tolerations: [{ operator: 'Exists' }] }, {}, ['spec.tolerations']],
      ['nodeSelector', { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } }, {}, ['spec.nodeSelector']],
      ['everything at once: every field named', { image: 'x:1', serviceAccountName: 'x', tolerations: [], nodeSelector: {} }, {}, ['spec.image', 'spec.serviceAccountName', 'spec.nodeSelector', 'spec.tolerations']],
      ['an image outside a prefix entry', { image: 'registry.example/robot-evil:1' }, { allowedImages: ['registry.example/robot:*'] }, ['spec.image']],
    ])('%s: Ready=False Forbidden naming the fields, a Warning, nothing applied', (_n, extra, allow, fields) => {
      for (const deployment of [undefined, applied(manual, 2, 2)]) {
        const d = decidePool(world({ spec: asking(extra), deployment, confinement: { ...confinement, ...allow } }));
        expect(d.deployment).toBeUndefined();
        expect(d.markIdleRobots).toBe(false);
        expect(d.forbidden).toBeDefined();
        const [ready] = d.report.conditions ?? [];
        expect(ready).toMatchObject({ type: 'Ready', status: 'False', reason: 'Forbidden' });
        for (const f of fields) expect(ready!.message).toContain(`${f}:`);
        expect(ready!.message.match(/spec\.[a-zA-Z]+(\[\d+\])?[.a-zA-Z]*:/g)).toHaveLength(fields.length);
        expect(d.report.events).toEqual([{ type: 'Warning', reason: 'Forbidden', message: ready!.message }]);
        expect(d.report.actionEvents ?? []).toEqual([]);
      }
    });

    it('the Warning once per refusal: a pool already Forbidden with the same message gets no new Event', () => {
      const spec = asking({ image: 'evil:1' });
      const first = decidePool(world({ spec }));
      const message = first.report.conditions![0]!.message;
      const said = { ...pool, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Forbidden', message, lastTransitionTime: '2026-01-01T00:00:00Z' }] } } as RobotPoolObject;
      expect(decidePool(world({ spec, pool: said })).report.events).toEqual([]);
      expect(decidePool(world({ spec: asking({ image: 'evil:2' }), pool: said })).report.events).toHaveLength(1);
    });

    it.each<[string, Record<string, unknown>, Partial<RobotConfinement>]>([
      ['the robot image and no SA', {}, {}],
      ['the robot SA named', { serviceAccountName: 'aether-robot' }, {}],
      ['an image under an allowed prefix', { image: 'registry.example/robot:2.0' }, { allowedImages: ['registry.example/robot:*'] }],
      ['an allowed env Secret, a ConfigMap, a literal and a tuning variable', { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'robot-extras', key: 't' } } }, { name: 'C', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }, { name: 'X', value: 'y' }, { name: 'AETHER_METRICS_PORT', value: '0' }] }, { allowedEnvSecrets: ['robot-extras'] }],
      ['allowed scheduling fields', { tolerations: [{ operator: 'Exists' }], nodeSelector: { a: 'b' } }, { allowedSchedulingFields: ['tolerations', 'nodeSelector'] }],
    ])('admitted: %s', (_n, extra, allow) => {
      const d = decidePool(world({ spec: asking(extra), confinement: { ...confinement, ...allow } }));
      expect(d.forbidden).toBeUndefined();
      expect(d.deployment).toBeDefined();
    });
  });
});
