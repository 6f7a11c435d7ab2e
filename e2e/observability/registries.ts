// The metric families the code really exports, read from the prom-client registries of the operator and
// the robot built as their entry points build them (the operator's composition root, not started; the
// robot's createAgentMetrics as startAgent calls it) — never a hand-written list.
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { loadConfig } from '../../operator/src/config.js';
import { buildOperator } from '../../operator/src/operator.js';
import { silentLogger } from '../../operator/src/testing/operator-env.js';
import { createAgentMetrics } from '../../robot-image/src/agent/metrics.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface MetricFamily {
  name: string;
  type: MetricType;
  /** The metric's own label names (without the `le` / `quantile` of histograms and summaries). */
  labels: string[];
  component: 'operator' | 'robot';
}

/** The names a family's samples carry in the exposition (what PromQL selects). */
export function seriesNames(f: MetricFamily): string[] {
  if (f.type === 'histogram') return [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`];
  if (f.type === 'summary') return [f.name, `${f.name}_sum`, `${f.name}_count`];
  return [f.name];
}

/** Label names a series of the family can carry: its own, plus `le` on histogram buckets, `quantile` on summaries. */
export function seriesLabels(f: MetricFamily, series: string): string[] {
  if (f.type === 'histogram' && series === `${f.name}_bucket`) return [...f.labels, 'le'];
  if (f.type === 'summary' && series === f.name) return [...f.labels, 'quantile'];
  return f.labels;
}

async function families(registry: Registry, component: MetricFamily['component']): Promise<MetricFamily[]> {
  const json = await registry.getMetricsAsJSON();
  return json.map((m) => {
    // prom-client keeps the declared label names on the metric object (not in its .d.ts).
    const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: readonly string[] } | undefined;
    return { name: m.name, type: String(m.type) as MetricType, labels: [...(metric?.labelNames ?? [])], component };
  });
}

/** The operator's families: buildOperator registers the runtime's metrics and each controller's own. */
export async function operatorFamilies(): Promise<MetricFamily[]> {
  const kc = new KubeConfig();
  // Never contacted: the operator is built but not started.
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const config = loadConfig({ AETHER_DATABASE_URL: 'postgres://aether@127.0.0.1:1/aether', AETHER_LEADER_ELECTION: 'false', AETHER_OPERATOR_NAMESPACE: 'aether-system' });
  const operator = buildOperator({ config, kc, logger: silentLogger });
  try {
    return await families(operator.metrics.registry, 'operator');
  } finally {
    await operator.stop();
  }
}

/** The robot's families, its registry created as startAgent creates it. */
export async function robotFamilies(): Promise<MetricFamily[]> {
  const metrics = createAgentMetrics({ browserRestarts: { pool: 'default', count: () => 0 } });
  return families(metrics.registry, 'robot');
}
