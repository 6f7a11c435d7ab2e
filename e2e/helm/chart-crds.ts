// The chart ships copies of the generated CRDs (Helm installs helm/aether/crds/ before any template).
// `npm run gen:chart-crds` copies crds/*.yaml there; chart-crds.unit.test.ts fails when they drift.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sourceCrdDir = join(repoRoot, 'crds');
export const chartCrdDir = join(repoRoot, 'helm', 'aether', 'crds');

export interface CrdDrift {
  /** In crds/ but not in the chart. */
  missing: string[];
  /** In the chart but no longer in crds/. */
  extra: string[];
  /** In both, with different content. */
  changed: string[];
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
}

export function chartCrdDrift(source = sourceCrdDir, chart = chartCrdDir): CrdDrift {
  const src = yamlFiles(source);
  const dst = yamlFiles(chart);
  return {
    missing: src.filter((f) => !dst.includes(f)),
    extra: dst.filter((f) => !src.includes(f)),
    changed: src.filter((f) => dst.includes(f) && !readFileSync(join(source, f)).equals(readFileSync(join(chart, f)))),
  };
}

/** Makes the chart's crds/ an exact copy of crds/; returns what it changed. */
export function syncChartCrds(source = sourceCrdDir, chart = chartCrdDir): CrdDrift {
  const drift = chartCrdDrift(source, chart);
  mkdirSync(chart, { recursive: true });
  for (const f of drift.extra) rmSync(join(chart, f));
  for (const f of [...drift.missing, ...drift.changed]) copyFileSync(join(source, f), join(chart, f));
  return drift;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const d = syncChartCrds();
  const n = d.missing.length + d.extra.length + d.changed.length;
  console.log(
    n === 0
      ? `helm/aether/crds is up to date (${yamlFiles(chartCrdDir).length} CRDs)`
      : `helm/aether/crds synced: added ${d.missing.join(', ') || '-'}; updated ${d.changed.join(', ') || '-'}; removed ${d.extra.join(', ') || '-'}`,
  );
}
