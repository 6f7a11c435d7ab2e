// Finds the metric names, label names, condition types and reasons that documentation, the Grafana
// dashboard and the alert rules name, and reports each one the code does not have. Pure functions: the
// caller supplies the texts and the real names (from the registries and the code's constants).
import { seriesLabels, seriesNames, type MetricFamily } from './registries.js';

/** A name found in a file, with its 1-based line for the failure message. */
interface Found {
  file: string;
  line: number;
}

export interface MetricMention extends Found {
  name: string;
  /** Label names written with it (`name{a,b}` or matchers `name{a="x"}`). */
  labels: string[];
  /** A PromQL selector must name an exported series; prose may name a histogram's family. */
  selector: boolean;
}

export interface LabelUse extends Found {
  /** Labels of grouping clauses (`by`, `without`, `on`, `ignoring`, `group_left/right`, `label_values`). */
  labels: string[];
  /** The metrics of the expression the labels belong to. */
  metrics: string[];
}

export interface ConditionMention extends Found {
  kind: 'condition' | 'reason';
  name: string;
}

export interface KnownNames {
  families: MetricFamily[];
  /** `aether_*` names that are not metrics but are real too: PostgreSQL LISTEN/NOTIFY channels. */
  channels: string[];
  conditionTypes: string[];
  reasons: string[];
}

/**
 * Labels a scrape adds to every series (Prometheus' `job`/`instance`, the Prometheus Operator's
 * `namespace`/`pod`/`container`/`endpoint`/`service` target labels): a dashboard may select on them
 * though no registry declares them. The operator's own `namespace` label wins over the target's because
 * its ServiceMonitor sets honorLabels (e2e/observability/alert-rules.int.test.ts checks that).
 */
export const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'container', 'endpoint', 'service'];

const METRIC = /\baether_[a-zA-Z0-9_:]*[a-zA-Z0-9]/g;

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Label names of a `{...}` body: `a,b` (documentation shorthand) or matchers `a="x", b=~"y"`. */
function labelsOf(body: string): string[] {
  return body
    .split(',')
    .map((part) => part.split(/[=!~]/)[0]!.trim())
    .filter((l) => l.length > 0);
}

/** `aether_*` names in prose (Markdown, NOTES.txt), with a `{labels}` list when one follows. */
export function metricMentionsInText(file: string, text: string): MetricMention[] {
  const found: MetricMention[] = [];
  for (const m of text.matchAll(METRIC)) {
    const after = text.slice(m.index + m[0].length);
    const braces = /^\{([^}]*)\}/.exec(after);
    found.push({ file, line: lineOf(text, m.index), name: m[0], labels: braces ? labelsOf(braces[1]!) : [], selector: false });
  }
  return found;
}

/** Metric selectors and grouping labels of one PromQL expression (`line` is where it starts). */
export function promqlNames(file: string, line: number, expr: string): { metrics: MetricMention[]; grouping: LabelUse[] } {
  const metrics = metricMentionsInText(file, expr).map((m) => ({ ...m, line: line + m.line - 1, selector: true }));
  const labels: string[] = [];
  for (const g of expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)) labels.push(...labelsOf(g[1]!));
  for (const g of expr.matchAll(/\blabel_values\s*\(\s*[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)/g)) labels.push(g[1]!);
  const grouping = labels.length > 0 ? [{ file, line, labels, metrics: metrics.map((m) => m.name) }] : [];
  return { metrics, grouping };
}

/** Every string under an `expr` or `query` key of a Grafana dashboard (panel targets, template variables). */
export function dashboardExpressions(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, child] of Object.entries(v)) {
        if ((k === 'expr' || k === 'query') && typeof child === 'string') out.push(child);
        else walk(child);
      }
  };
  walk(dashboard);
  return out;
}

/**
 * The `expr:` values of a PrometheusRule Helm template, read from its source (inline or `|` blocks),
 * template actions (`{{ ... }}`) replaced by a number so the PromQL stays PromQL. Returns each with its line.
 */
export function ruleTemplateExpressions(template: string): Array<{ line: number; expr: string }> {
  const lines = template.split('\n');
  const out: Array<{ line: number; expr: string }> = [];
  lines.forEach((l, i) => {
    const m = /^(\s*)(?:-\s+)?expr:\s*(.*)$/.exec(l);
    if (!m) return;
    const indent = m[1]!.length;
    let expr = m[2]!;
    if (/^[|>][-+]?\s*$/.test(expr)) {
      const body: string[] = [];
      for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > indent); j++) body.push(lines[j]!);
      expr = body.join('\n');
      out.push({ line: i + 2, expr: expr.replace(/\{\{.*?\}\}/g, '1') });
    } else out.push({ line: i + 1, expr: expr.replace(/\{\{.*?\}\}/g, '1') });
  });
  return out;
}

/**
 * Condition types and reasons named in prose: "the `X` condition", "condition `X=False`",
 * "reason `X`", "the `X` reason", "a `X` Event" (Events share the reasons' closed set).
 */
export function conditionMentions(file: string, text: string): ConditionMention[] {
  // A condition may be written with its status (`Queued=False`); a reason never is.
  const condition = '`([A-Z][A-Za-z0-9]*)(?:=[A-Za-z]+)?`';
  const reason = '`([A-Z][A-Za-z0-9]*)`';
  const patterns: Array<[RegExp, ConditionMention['kind']]> = [
    [new RegExp(`${condition}\\s+conditions?\\b`, 'g'), 'condition'],
    [new RegExp(`\\bconditions?\\s+${condition}`, 'g'), 'condition'],
    [new RegExp(`${reason}\\s+(?:reasons?|Events?)\\b`, 'g'), 'reason'],
    [new RegExp(`\\breasons?\\s+${reason}`, 'g'), 'reason'],
  ];
  const found: Array<ConditionMention & { at: number }> = [];
  for (const [re, kind] of patterns)
    for (const m of text.matchAll(re)) found.push({ file, line: lineOf(text, m.index), kind, name: m[1]!, at: m.index });
  return found.sort((a, b) => a.at - b.at).map(({ at: _at, ...mention }) => mention);
}

function where(f: Found): string {
  return `${f.file}:${f.line}`;
}

/** Each problem as one readable line; empty when every name exists in the code. */
export function problems(
  found: { metrics: MetricMention[]; grouping: LabelUse[]; conditions: ConditionMention[] },
  known: KnownNames,
): string[] {
  const series = new Map<string, { family: MetricFamily; labels: string[] }>();
  for (const f of known.families) for (const s of seriesNames(f)) series.set(s, { family: f, labels: seriesLabels(f, s) });
  const families = new Map(known.families.map((f) => [f.name, f]));
  const out: string[] = [];
  for (const m of found.metrics) {
    const family = families.get(m.name);
    const s = series.get(m.name) ?? (!m.selector && family ? { family, labels: family.labels } : undefined);
    if (!s) {
      if (family) out.push(`${where(m)}: ${m.name} is not a series the operator or the robot exports (a ${family.type}: select its _bucket, _sum or _count)`);
      else if (!known.channels.includes(m.name)) out.push(`${where(m)}: ${m.name} is not a metric of the operator or the robot`);
      continue;
    }
    const unknown = m.labels.filter((l) => !s.labels.includes(l) && !TARGET_LABELS.includes(l));
    if (unknown.length > 0) out.push(`${where(m)}: ${m.name} has no label ${unknown.join(', ')} (it has: ${s.labels.join(', ') || 'none'})`);
  }
  for (const g of found.grouping) {
    const allowed = new Set([...TARGET_LABELS, ...g.metrics.flatMap((n) => series.get(n)?.labels ?? [])]);
    const unknown = g.labels.filter((l) => !allowed.has(l));
    if (unknown.length > 0) out.push(`${where(g)}: no metric of ${g.metrics.join(', ') || 'the expression'} has label ${unknown.join(', ')}`);
  }
  for (const c of found.conditions) {
    const set = c.kind === 'condition' ? known.conditionTypes : known.reasons;
    if (!set.includes(c.name)) out.push(`${where(c)}: ${c.name} is not a ${c.kind === 'condition' ? 'condition type' : 'reason'} of the code`);
  }
  return out;
}
