import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { chartCrdDir, chartCrdDrift, syncChartCrds } from './chart-crds.js';

describe('helm/aether/crds', () => {
  test('is an exact copy of crds/ (run `npm run gen:chart-crds` after `npm run gen:crds`)', () => {
    expect(chartCrdDrift()).toEqual({ missing: [], extra: [], changed: [] });
  });

  test('ships the Aether kinds', () => {
    const kinds = readdirSync(chartCrdDir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(join(chartCrdDir, f), 'utf8')).map((d) => d.toJS()))
      .filter((d) => d?.kind === 'CustomResourceDefinition' && d.spec?.group === 'rpa.aether.dev')
      .map((d) => d.spec.names.kind)
      .sort();
    expect(kinds).toEqual(['RobotPool', 'RpaJob', 'RpaQueue', 'RpaSchedule', 'RpaTrigger', 'RpaWorkflow']);
  });
});

describe('syncChartCrds', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aether-crds-'));
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'chart'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('adds, updates and removes files until there is no drift', () => {
    const src = join(dir, 'src');
    const chart = join(dir, 'chart');
    writeFileSync(join(src, 'a.yaml'), 'a: 1\n');
    writeFileSync(join(src, 'b.yaml'), 'b: 2\n');
    writeFileSync(join(chart, 'b.yaml'), 'b: old\n');
    writeFileSync(join(chart, 'gone.yaml'), 'x: 1\n');
    writeFileSync(join(chart, 'README.txt'), 'not a CRD');

    expect(chartCrdDrift(src, chart)).toEqual({ missing: ['a.yaml'], extra: ['gone.yaml'], changed: ['b.yaml'] });
    syncChartCrds(src, chart);
    expect(chartCrdDrift(src, chart)).toEqual({ missing: [], extra: [], changed: [] });
    expect(readFileSync(join(chart, 'b.yaml'), 'utf8')).toBe('b: 2\n');
    expect(readdirSync(chart).sort()).toEqual(['README.txt', 'a.yaml', 'b.yaml']);
  });
});
