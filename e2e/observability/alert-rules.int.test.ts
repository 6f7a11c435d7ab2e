// The chart's alert rules, rendered by the real Helm, pass `promtool check rules` and behave under
// `promtool test rules`: each alert fires on the situation it is for, only after its `for:` duration,
// and stays quiet when things are healthy or a spike is shorter than `for:`.
// Integration project because the first run builds Helm (e2e/tools/helm); no cluster is needed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { findOne, helmBinary, renderChart } from '../helm/helm.js';
import { operatorFamilies } from './registries.js';
import { promtool } from './promtool.js';

interface RuleGroups {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string; labels?: Record<string, string> }> }>;
}

const release = 'rel';
const namespace = 'aether-system';
// Explicit, so the expectations below follow from these numbers (they are also the chart's defaults).
const ruleValues = { queueAgeSeconds: 300, failureRatio: 0.2, robotsNotReadyFor: '10m' };

function render(prometheusRule: Record<string, unknown>, extra: Record<string, unknown> = {}): KubernetesObject[] {
  return renderChart({ release, namespace, values: { metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true, ...prometheusRule }, ...extra } } });
}

function rulesOf(objects: KubernetesObject[]): RuleGroups {
  return findOne<KubernetesObject & { spec: RuleGroups }>(objects, 'PrometheusRule').spec;
}

let dir: string;

beforeAll(() => {
  helmBinary(); // a cold build takes minutes; later calls reuse the cached binary
  dir = mkdtempSync(join(tmpdir(), 'aether-rules-'));
}, 900_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the rule file and a promtool unit-test file beside it; returns promtool's answer. */
function testRules(rules: RuleGroups, tests: unknown[]): { status: number; output: string } {
  writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
  const file = join(dir, 'rules.test.yaml');
  writeFileSync(file, stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  return promtool(['test', 'rules', file]);
}

// Series as Prometheus stores them: the operator's own namespace/pool labels (its ServiceMonitor honours
// them) plus the scrape's job/instance; robot series get namespace/pod from the PodMonitor's target.
const operatorSeries = (name: string, pool: string) => `${name}{namespace="shop",pool="${pool}",job="rel-aether-operator",instance="10.0.0.7:8080"}`;
const robotJobs = (pool: string, outcome: string) => `aether_jobs_total{namespace="shop",pool="${pool}",outcome="${outcome}",pod="${pool}-robot-0",job="shop/rel-aether-robots"}`;

const queueTooOld = (pool: string) => ({
  exp_labels: { severity: 'warning', namespace: 'shop', pool },
  exp_annotations: {
    summary: `Jobs of pool shop/${pool} wait too long`,
    description: 'The oldest ready job has waited more than 300 seconds; the pool may be at its maxReplicas or its robots may not start.',
  },
});
const failureRateHigh = (pool: string, percent: string) => ({
  exp_labels: { severity: 'warning', namespace: 'shop', pool },
  exp_annotations: {
    summary: `More than ${percent} of the jobs of pool shop/${pool} fail`,
    description: "Look at the Failed RpaJobs' status.error and their last screenshots (dead letters in Postgres).",
  },
});
const robotsNotReady = (pool: string) => ({
  exp_labels: { severity: 'warning', namespace: 'shop', pool },
  exp_annotations: {
    summary: `Pool shop/${pool} has fewer ready robots than desired`,
    description: "Check the robot Deployment's pods: image pull errors, pending pods (quota, node capacity) or failing health checks.",
  },
});

describe('the chart renders valid alert rules', () => {
  test('promtool check rules passes with the default values and with others', () => {
    for (const values of [{}, { queueAgeSeconds: 60, failureRatio: 0.5, robotsNotReadyFor: '30m' }]) {
      writeFileSync(join(dir, 'check.yaml'), stringify(rulesOf(render(values))));
      const r = promtool(['check', 'rules', join(dir, 'check.yaml')]);
      expect(r).toEqual({ status: 0, output: expect.stringContaining('SUCCESS: 3 rules found') });
    }
  });

  test('the values reach the rules', () => {
    const rules = rulesOf(render({ queueAgeSeconds: 60, robotsNotReadyFor: '30m' })).groups.flatMap((g) => g.rules);
    expect(rules.find((r) => r.alert === 'AetherQueueTooOld')!.expr).toMatch(/> 60$/);
    expect(rules.find((r) => r.alert === 'AetherRobotsNotReady')!.for).toBe('30m');
  });

  test("the operator's ServiceMonitor keeps its per-pool namespace label (honorLabels)", async () => {
    const families = await operatorFamilies();
    // The alerts group the operator's pool series by `namespace`, a label the operator sets itself.
    expect(families.find((f) => f.name === 'aether_queue_oldest_ready_age_seconds')?.labels).toContain('namespace');
    const monitor = findOne<KubernetesObject & { spec: { endpoints: Array<{ honorLabels?: boolean }> } }>(render({}), 'ServiceMonitor');
    expect(monitor.spec.endpoints.map((e) => e.honorLabels)).toEqual([true]);
  });
});

describe('promtool test rules', () => {
  let rules: RuleGroups;
  beforeAll(() => {
    rules = rulesOf(render(ruleValues));
  });

  test('AetherQueueTooOld fires on a stale queue after 5 minutes above the limit, not on a healthy one', () => {
    const r = testRules(rules, [
      {
        name: 'stale queue: the oldest ready job ages by a minute every minute',
        interval: '1m',
        input_series: [{ series: operatorSeries('aether_queue_oldest_ready_age_seconds', 'stuck'), values: '0+60x30' }],
        alert_rule_test: [
          // 360 s > 300 s first at 6m: pending from then, firing once `for: 5m` has passed (11m).
          { eval_time: '5m', alertname: 'AetherQueueTooOld', exp_alerts: [] },
          { eval_time: '10m', alertname: 'AetherQueueTooOld', exp_alerts: [] },
          { eval_time: '11m', alertname: 'AetherQueueTooOld', exp_alerts: [queueTooOld('stuck')] },
          { eval_time: '30m', alertname: 'AetherQueueTooOld', exp_alerts: [queueTooOld('stuck')] },
        ],
      },
      {
        name: 'healthy queue: jobs wait seconds; a 4-minute spike over the limit does not fire',
        interval: '1m',
        input_series: [
          { series: operatorSeries('aether_queue_oldest_ready_age_seconds', 'fine'), values: '2 5 0 8 3 1 0 4 6 2 0 0 3 5 1 0 2 9 4 0 1 3 0 2 5 7 1 0 3 2 0' },
          { series: operatorSeries('aether_queue_oldest_ready_age_seconds', 'spiky'), values: '10 400 460 520 580 5 5 5 5 5 5 5 5 5 5 5' },
        ],
        alert_rule_test: [5, 10, 15, 20, 30].map((m) => ({ eval_time: `${m}m`, alertname: 'AetherQueueTooOld', exp_alerts: [] })),
      },
    ]);
    expect(r).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  test('a wrong expectation fails: the alert is only pending one minute before its `for:` has passed', () => {
    const r = testRules(rules, [
      {
        interval: '1m',
        input_series: [{ series: operatorSeries('aether_queue_oldest_ready_age_seconds', 'stuck'), values: '0+60x30' }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'AetherQueueTooOld', exp_alerts: [queueTooOld('stuck')] }],
      },
    ]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('AetherQueueTooOld');
  });

  test('AetherJobFailureRateHigh fires when 40% of jobs fail for 15 minutes, not at 10% or without jobs', () => {
    const r = testRules(rules, [
      {
        interval: '1m',
        input_series: [
          // 10 jobs a minute per pool.
          { series: robotJobs('flaky', 'succeeded'), values: '0+6x60' },
          { series: robotJobs('flaky', 'failed'), values: '0+4x60' },
          { series: robotJobs('steady', 'succeeded'), values: '0+9x60' },
          { series: robotJobs('steady', 'failed'), values: '0+1x60' },
          { series: robotJobs('idle', 'succeeded'), values: '5x60' },
          { series: robotJobs('idle', 'failed'), values: '1x60' },
        ],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'AetherJobFailureRateHigh', exp_alerts: [] },
          { eval_time: '40m', alertname: 'AetherJobFailureRateHigh', exp_alerts: [failureRateHigh('flaky', '40%')] },
        ],
      },
    ]);
    expect(r).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  test('AetherRobotsNotReady fires when ready robots stay below desired for 10 minutes, not while they catch up', () => {
    const r = testRules(rules, [
      {
        interval: '1m',
        input_series: [
          { series: operatorSeries('aether_pool_desired_replicas', 'starved'), values: '3x30' },
          { series: operatorSeries('aether_pool_actual_replicas', 'starved'), values: '1x30' },
          // Scaled up at 0m; the robots are ready after 5 minutes.
          { series: operatorSeries('aether_pool_desired_replicas', 'starting'), values: '3x30' },
          { series: operatorSeries('aether_pool_actual_replicas', 'starting'), values: '0 0 1 1 2 3 3x25' },
        ],
        alert_rule_test: [
          { eval_time: '9m', alertname: 'AetherRobotsNotReady', exp_alerts: [] },
          { eval_time: '10m', alertname: 'AetherRobotsNotReady', exp_alerts: [robotsNotReady('starved')] },
          { eval_time: '25m', alertname: 'AetherRobotsNotReady', exp_alerts: [robotsNotReady('starved')] },
        ],
      },
    ]);
    expect(r).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});
