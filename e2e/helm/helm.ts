// Runs the Helm binary built from helm.sh/helm/v3 (e2e/tools/helm) against the chart in helm/aether.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './chart-crds.js';

export const chartDir = join(repoRoot, 'helm', 'aether');
const buildScript = join(repoRoot, 'e2e', 'tools', 'helm', 'build.mjs');

let cachedBinary: string | undefined;

/** Path of the cached Helm binary, building it first when missing (minutes when cold). */
export function helmBinary(): string {
  if (cachedBinary) return cachedBinary;
  try {
    const out = execFileSync(process.execPath, [buildScript], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim().split('\n');
    cachedBinary = out[out.length - 1]!;
    return cachedBinary;
  } catch (err) {
    throw new Error(`could not build Helm (see the messages above); retry with: node ${buildScript} --force`, { cause: err });
  }
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with its own empty config/cache dirs so nothing on the machine leaks in. */
export function helm(args: string[]): HelmResult {
  const home = mkdtempSync(join(tmpdir(), 'aether-helm-home-'));
  try {
    const r = spawnSync(helmBinary(), args, {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Writes values to a temp file (JSON is YAML) and returns helm's `-f` arguments, plus a cleanup. */
function valuesArgs(values: Record<string, unknown>): { args: string[]; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'aether-values-'));
  const file = join(dir, 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return { args: ['-f', file], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function helmLint(values: Record<string, unknown> = {}): HelmResult {
  const v = valuesArgs(values);
  try {
    return helm(['lint', '--strict', chartDir, ...v.args]);
  } finally {
    v.cleanup();
  }
}

export interface RenderOptions {
  release: string;
  namespace: string;
  values?: Record<string, unknown>;
  /** Capabilities.KubeVersion; default the test API server's minor. */
  kubeVersion?: string;
  /** Include crds/ in the output (helm template --include-crds). */
  includeCrds?: boolean;
  /** Extra Capabilities.APIVersions (helm template --api-versions), e.g. `group/version/Kind`. */
  apiVersions?: string[];
}

/** `helm template`; throws with helm's message when rendering fails. */
export function helmTemplate(opts: RenderOptions): string {
  const v = valuesArgs(opts.values ?? {});
  try {
    const r = helm([
      'template',
      opts.release,
      chartDir,
      '--namespace',
      opts.namespace,
      '--kube-version',
      opts.kubeVersion ?? '1.34.0',
      ...(opts.includeCrds ? ['--include-crds'] : []),
      ...(opts.apiVersions ?? []).flatMap((a) => ['--api-versions', a]),
      ...v.args,
    ]);
    if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
    return r.stdout;
  } finally {
    v.cleanup();
  }
}

/** Rendered manifests as objects, in helm's order, without empty documents. */
export function renderChart(opts: RenderOptions): KubernetesObject[] {
  return parseAllDocuments(helmTemplate(opts))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`rendered YAML does not parse: ${d.errors[0]!.message}`);
      return d.toJS() as KubernetesObject | null;
    })
    .filter((o): o is KubernetesObject => o !== null && typeof o === 'object');
}

/** The one rendered object of a kind (and name, when given); throws when there is not exactly one. */
export function findOne<T extends KubernetesObject = KubernetesObject>(objects: KubernetesObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}
