// Local-mode annotations name folders relative to the job file; they must stay inside its folder.
import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunArgs } from './args.js';
import { ManifestError } from './manifests.js';
import { ANNOTATIONS, planRun } from './plan.js';

const args = (file: string): RunArgs => ({
  command: 'run',
  files: [file],
  params: {},
  secrets: {},
  fresh: false,
  headed: false,
  logLevel: 'info',
  ui: false,
  open: false,
});

let root: string;
let jobDir: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'aether-plan-'));
  jobDir = join(root, 'job');
  mkdirSync(join(jobDir, 'site', 'secrets'), { recursive: true });
  mkdirSync(join(root, 'outside'));
  symlinkSync(join(root, 'outside'), join(jobDir, 'escape'));
  symlinkSync(join(jobDir, 'site'), join(jobDir, 'inside-link'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function jobFile(annotations: Record<string, string>): string {
  const file = join(jobDir, `job-${Math.random().toString(36).slice(2)}.yaml`);
  const yaml = [
    'apiVersion: rpa.aether.dev/v1alpha1',
    'kind: RpaJob',
    'metadata:',
    '  name: j',
    '  annotations:',
    ...Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
    'spec:',
    '  pool: default',
    '  workflow:',
    '    params: [{ name: url }]',
    '    steps: [{ id: open, action: goto, url: "{{ params.url }}" }]',
  ].join('\n');
  writeFileSync(file, yaml);
  return file;
}

function plan(annotations: Record<string, string>) {
  const file = jobFile(annotations);
  return planRun({ ...args(file), params: { url: 'https://example.com' } }, { cwd: root, env: {} });
}

function refusal(annotations: Record<string, string>): string {
  try {
    plan(annotations);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).message;
  }
  throw new Error('expected a ManifestError');
}

describe('local.aether.dev annotations stay inside the job file folder', () => {
  it('accepts folders inside it (and symlinks that stay inside)', () => {
    const p = plan({ [ANNOTATIONS.serve]: 'site', [ANNOTATIONS.secretsDir]: 'inside-link/secrets' });
    expect(p.serveDir).toBe(join(jobDir, 'site'));
    expect(p.secretsDir).toBe(join(jobDir, 'inside-link', 'secrets'));
  });

  it.each([
    [ANNOTATIONS.serve, '/etc', 'absolute'],
    [ANNOTATIONS.secretsDir, '/root/.ssh', 'absolute'],
    [ANNOTATIONS.serve, '../outside', 'leaves'],
    [ANNOTATIONS.secretsDir, 'site/../../outside', 'leaves'],
    [ANNOTATIONS.serve, 'escape', 'symbolic link'],
    [ANNOTATIONS.secretsDir, 'escape/x', 'symbolic link'],
  ])('refuses %s: %s (%s), naming the annotation', (key, value, why) => {
    const message = refusal({ [key]: value });
    expect(message).toContain(`annotation ${key}`);
    expect(message).toContain(why);
  });
});
