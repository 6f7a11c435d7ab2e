// Every metric, label, condition type and reason that README.md, helm/aether/README.md, api/README.md,
// the chart's NOTES.txt, its Grafana dashboard and its alert rules name exists in the code: metric names
// and labels come from the operator's and the robot's real prom-client registries, condition types and
// reasons from the code's constants.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEALING_CHANNEL } from '../../api/healing/sql.js';
import { CANCEL_CHANNEL, ENQUEUE_CHANNEL } from '../../api/queue/identifiers.js';
import { QUEUE_ITEM_CHANNEL, QUEUE_SLA_CHANNEL } from '../../api/queue/items/notify.js';
import { NOTIFICATION_CHANNEL } from '../../api/notifications/sql.js';
import { CONDITIONS, REASONS } from '../../operator/src/controllers/names.js';
import { SCALE_REASONS } from '../../operator/src/scaler/reasons.js';
import { repoRoot } from '../helm/chart-crds.js';
import {
  conditionMentions,
  dashboardExpressions,
  metricMentionsInText,
  problems,
  promqlNames,
  ruleTemplateExpressions,
  type ConditionMention,
  type KnownNames,
  type LabelUse,
  type MetricMention,
} from './doc-names.js';
import { ROBOT_CHANNEL } from '../../api-server/src/events.js';
import { operatorFamilies, robotFamilies } from './registries.js';

const PROSE = ['README.md', 'helm/aether/README.md', 'api/README.md', 'helm/aether/templates/NOTES.txt', 'helm/aether/values.yaml'];
const DASHBOARD = 'helm/aether/dashboards/aether.json';
const RULES = 'helm/aether/templates/prometheusrule.yaml';

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

let known: KnownNames;

beforeAll(async () => {
  known = {
    families: [...(await operatorFamilies()), ...(await robotFamilies())],
    channels: [ENQUEUE_CHANNEL, CANCEL_CHANNEL, HEALING_CHANNEL, QUEUE_ITEM_CHANNEL, QUEUE_SLA_CHANNEL, NOTIFICATION_CHANNEL, ROBOT_CHANNEL],
    conditionTypes: Object.values(CONDITIONS),
    reasons: [...Object.values(REASONS), ...SCALE_REASONS],
  };
});

function proseNames(file: string, text: string) {
  return { metrics: metricMentionsInText(file, text), grouping: [] as LabelUse[], conditions: conditionMentions(file, text) };
}

function promql(file: string, exprs: Array<{ line: number; expr: string }>) {
  const metrics: MetricMention[] = [];
  const grouping: LabelUse[] = [];
  for (const { line, expr } of exprs) {
    const n = promqlNames(file, line, expr);
    metrics.push(...n.metrics);
    grouping.push(...n.grouping);
  }
  return { metrics, grouping, conditions: [] as ConditionMention[] };
}

describe('names in the documentation and the chart exist in the code', () => {
  test.each(PROSE)('%s', (file) => {
    expect(problems(proseNames(file, read(file)), known)).toEqual([]);
  });

  test('the Grafana dashboard', () => {
    const text = read(DASHBOARD);
    // Each expression's line in the file, for the message (JSON strings are stored escaped).
    const lineOf = (expr: string) => text.slice(0, Math.max(0, text.indexOf(JSON.stringify(expr)))).split('\n').length;
    const exprs = dashboardExpressions(JSON.parse(text)).map((expr) => ({ line: lineOf(expr), expr }));
    const found = promql(DASHBOARD, exprs);
    expect(found.metrics.length).toBeGreaterThanOrEqual(8); // the extractor really reads the panels
    expect(problems(found, known)).toEqual([]);
  });

  test('the alert rules', () => {
    const found = promql(RULES, ruleTemplateExpressions(read(RULES)));
    expect(new Set(found.metrics.map((m) => m.name))).toEqual(
      new Set(['aether_queue_oldest_ready_age_seconds', 'aether_jobs_total', 'aether_pool_desired_replicas', 'aether_pool_actual_replicas']),
    );
    expect(problems(found, known)).toEqual([]);
  });
});

describe('the check itself', () => {
  // README.md's autoscaling and metrics text before it was corrected: each wrong name must be reported.
  const before = [
    '`kubectl get robotpools` shows DESIRED, READY and QUEUE; the `Scaled` condition says why.',
    'point your own HPA/KEDA at it using the exported',
    '`aether_queue_depth` metric.',
    '  status, `aether_queue_depth{pool,state}`, `aether_queue_oldest_ready_age_seconds`,',
    '  `aether_pool_replicas{pool,kind}`.',
    '- Robots (`:9464/metrics`): `aether_jobs_total{pool,outcome}`, job and step duration histograms,',
    'condition `Queued=False` reason `Suspending` while the robot stops; NOTIFY aether_enqueue',
  ].join('\n');

  test('reports the names the README used to give, and only those', () => {
    expect(problems(proseNames('README.md', before), known)).toEqual([
      'README.md:3: aether_queue_depth is not a metric of the operator or the robot',
      'README.md:4: aether_queue_depth is not a metric of the operator or the robot',
      'README.md:5: aether_pool_replicas is not a metric of the operator or the robot',
      'README.md:1: Scaled is not a condition type of the code',
    ]);
  });

  test('reports a label a metric does not have, in prose and in PromQL grouping and matchers', () => {
    expect(problems(proseNames('x.md', '`aether_jobs_total{pool,robot}`'), known)).toEqual([
      'x.md:1: aether_jobs_total has no label robot (it has: pool, outcome)',
    ]);
    const found = promql('d.json', [
      { line: 1, expr: 'sum by (le, action) (rate(aether_step_duration_seconds_bucket{pool=~"$pool"}[5m]))' },
      { line: 2, expr: 'sum by (state) (aether_jobs_total)' },
      { line: 3, expr: 'aether_reconcile_total{controler="rpajob"}' },
      { line: 4, expr: 'label_values(aether_pool_queue_depth{namespace=~"$namespace",state="ready"}, pools)' },
    ]);
    expect(problems(found, known)).toEqual([
      'd.json:3: aether_reconcile_total has no label controler (it has: controller, result)',
      'd.json:2: no metric of aether_jobs_total has label state',
      'd.json:4: no metric of aether_pool_queue_depth has label pools',
    ]);
  });

  test('PromQL selects a histogram by its exported series; prose may name the family', () => {
    expect(problems(promql('r.yaml', [{ line: 1, expr: 'rate(aether_step_duration_seconds_sum[5m]) / rate(aether_step_duration_seconds[5m])' }]), known)).toEqual([
      'r.yaml:1: aether_step_duration_seconds is not a series the operator or the robot exports (a histogram: select its _bucket, _sum or _count)',
    ]);
    expect(problems(proseNames('x.md', 'the histogram `aether_step_duration_seconds{pool,action}`'), known)).toEqual([]);
  });

  test('reads inline and block expr values of the rule template, template actions replaced', () => {
    const template = ['        - alert: A', '          expr: max(x) > {{ $r.limit }}', '          for: 5m', '        - alert: B', '          expr: |', '            a', '              / b', '          for: 1m'].join('\n');
    expect(ruleTemplateExpressions(template)).toEqual([
      { line: 2, expr: 'max(x) > 1' },
      { line: 6, expr: '            a\n              / b' },
    ]);
  });

  test('condition types and reasons are recognised in the ways the docs write them', () => {
    const text = 'the `Ready` condition; condition `Queued=False` reason `Queued`; a `Resumed` Event; the `Nope` reason';
    expect(conditionMentions('a.md', text).map((m) => [m.kind, m.name])).toEqual([
      ['condition', 'Ready'],
      ['condition', 'Queued'],
      ['reason', 'Queued'],
      ['reason', 'Resumed'],
      ['reason', 'Nope'],
    ]);
  });
});
