// Runs Prometheus' promtool: Debian's `prometheus` package, installed by `npm run setup`, or the one
// AETHER_PROMTOOL names (e.g. a newer build: go install github.com/prometheus/prometheus/cmd/promtool@latest).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PROMTOOL = process.env.AETHER_PROMTOOL || '/usr/bin/promtool';

export interface PromtoolResult {
  status: number;
  /** stdout and stderr together: promtool prints its findings on either. */
  output: string;
}

export function promtool(args: string[], input?: string): PromtoolResult {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing; run: npm run setup   (as root it installs Debian's prometheus package)`);
  const r = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Lint findings prom-client's standard Node.js metrics always produce, kept on purpose: the gauges
 * nodejs_active_{handles,requests,resources}_total end in `_total` (prom-client's names, the same in
 * every Node.js service and in the usual Node.js dashboards; renaming them would break those).
 */
export const ACCEPTED_LINT = [
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
];

/**
 * `promtool check metrics` of an exposition: every line it prints that is not an accepted lint finding.
 * promtool exits 3 for lint findings and 1 for a parse error; a parse error is always reported.
 */
export function checkMetrics(exposition: string): string[] {
  const r = promtool(['check', 'metrics'], exposition);
  const findings = r.output.split('\n').filter((l) => l.trim().length > 0);
  const unexpected = findings.filter((l) => !ACCEPTED_LINT.includes(l.trim()));
  if (r.status !== 0 && unexpected.length === 0 && findings.length === 0) return [`promtool exited ${r.status} without a message`];
  return unexpected;
}
