// The Aether API on a real kube-apiserver: the generated CRDs install, every example is accepted,
// bad manifests are rejected with a message naming the field, and the printer columns work.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  formatProblem,
  GROUP,
  KINDS,
  RobotPool,
  RpaJob,
  RpaSchedule,
  RpaQueue,
  RpaTrigger,
  RpaNotification,
  RpaWorkflow,
  validateWorkflow,
  VERSION,
} from '../../api/v1alpha1/index.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../harness/kubeclient.js';
import { kubeconfigPath } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';
import { kubeRequest, resourcePath } from './client.js';
import { applyCrds, CRD_DIGEST_ANNOTATION, CRD_DIR } from './crds.js';
import { example, INVALID_CASES } from './invalid-cases.js';

const PLURAL: Record<string, string> = Object.fromEntries(KINDS.map((k) => [k.kind, k.plural]));
const TABLE = { Accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' };

let kc: KubeConfig;
let ns: string;
const path = (kind: string, name?: string) => resourcePath(GROUP, VERSION, ns, PLURAL[kind]!, name);

interface Table {
  columnDefinitions: Array<{ name: string }>;
  rows: Array<{ cells: unknown[]; object: { metadata: { name: string } } }>;
}

/** The cells of one object's row, by column name. */
function row(table: Table, name: string): Record<string, unknown> {
  const r = table.rows.find((x) => x.object.metadata.name === name);
  if (!r) throw new Error(`no row for ${name}`);
  return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, r.cells[i]]));
}

beforeAll(async () => {
  kc = testKubeConfig();
  await applyCrds(kc);
  ns = await freshNamespace(kc, 'api');
}, 180_000);

afterAll(async () => {
  if (ns) await deleteNamespace(kc, ns);
});

describe('installing', () => {
  it('applyCrds from suites running at once: each installs or skips, none fails on the race', async () => {
    const names = KINDS.map((k) => `${k.plural}.${GROUP}`).sort();
    const crdPath = (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
    // Forget what was installed, so both callers see a CRD to replace and race on its resourceVersion.
    for (const name of names) {
      const res = await kubeRequest(kc, 'PATCH', crdPath(name), {
        metadata: { annotations: { [CRD_DIGEST_ANNOTATION]: null } },
      });
      expect(res.status).toBe(200);
    }
    const both = await Promise.all([applyCrds(kc), applyCrds(kc)]);
    expect(both.map((installed) => [...installed].sort())).toEqual([names, names]);
    for (const name of names) {
      // A loaded shared API server may answer a read with a Status (429, 5xx): read again until it serves it.
      const crd = await waitFor(`GET ${name}`, async () => {
        const got = await kubeRequest<{ metadata: { annotations?: Record<string, string> } }>(kc, 'GET', crdPath(name));
        return got.status === 200 ? got : undefined;
      });
      expect([name, crd.body.metadata.annotations?.[CRD_DIGEST_ANNOTATION]]).toEqual([name, expect.stringMatching(/^[0-9a-f]{64}$/)]);
    }
  }, 120_000);

  it('`kubectl apply --server-side -f crds/` (the documented install) takes every CRD', async () => {
    // Too large for client-side apply's last-applied annotation (256 KiB): server-side apply keeps no copy.
    const { stdout } = await promisify(execFile)(
      'kubectl',
      ['apply', '--server-side', '--dry-run=server', '-f', CRD_DIR, '--kubeconfig', kubeconfigPath()],
      { timeout: 120_000 },
    );
    const accepted = / (created|configured|unchanged|serverside-applied) \(server dry run\)$/;
    const lines = stdout.trim().split('\n');
    for (const line of lines) expect(line).toMatch(accepted);
    expect(lines.map((l) => l.replace(accepted, '')).sort()).toEqual(
      KINDS.map((k) => `customresourcedefinition.apiextensions.k8s.io/${k.plural}.${GROUP}`).sort(),
    );
  });
});

describe('examples', () => {
  it.each(['robotpool', 'rpaworkflow', 'rpajob', 'rpaschedule', 'rpaqueue', 'rpatrigger', 'rpanotification'] as const)(
    'examples/%s.yaml is accepted as it is',
    async (name) => {
      const manifest = example(name);
      const res = await kubeRequest(kc, 'POST', `${path(manifest.kind)}?fieldValidation=Strict`, manifest);
      expect([res.status, res.body.message]).toEqual([201, undefined]);
      // What the server stored (with its defaults) parses with the same zod schema our code uses.
      const schema = { RpaWorkflow, RpaJob, RobotPool, RpaSchedule, RpaQueue, RpaTrigger, RpaNotification }[manifest.kind as 'RpaJob'];
      const parsed = schema.safeParse(res.body);
      expect(parsed.error?.issues ?? []).toEqual([]);
    },
  );

  it('the server applied the defaults of an RpaJob', async () => {
    const res = await kubeRequest(kc, 'POST', path('RpaJob'), {
      ...example('rpajob'),
      metadata: { name: 'defaults' },
      spec: { workflowRef: { name: 'invoice-export' }, pool: 'default' },
    });
    expect(res.status).toBe(201);
    expect(res.body.spec).toMatchObject({ priority: 'normal', maxAttempts: 3, suspend: false });
  });
});

describe('invalid manifests', () => {
  it(`has at least 30 (${INVALID_CASES.length})`, () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(INVALID_CASES.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
    const res = await kubeRequest(kc, 'POST', `${path(c.manifest.kind as string)}?dryRun=All`, c.manifest);
    expect(res.status).toBe(422);
    for (const part of c.expect) expect(String(res.body.message)).toContain(part);
  });

  it('an unknown field is rejected under strict field validation', async () => {
    const manifest = {
      ...example('robotpool'),
      metadata: { name: 'strict' },
      spec: { ...example('robotpool').spec, replicaz: 2 },
    };
    const res = await kubeRequest(kc, 'POST', `${path('RobotPool')}?fieldValidation=Strict&dryRun=All`, manifest);
    expect(res.status).toBe(400);
    expect(String(res.body.message)).toContain('unknown field "spec.replicaz"');
  });

  it('pool of an RpaJob is immutable', async () => {
    const res = await kubeRequest(kc, 'PATCH', path('RpaJob', 'invoice-export-c1001'), { spec: { pool: 'other' } });
    expect(res.status).toBe(422);
    expect(String(res.body.message)).toContain('spec.pool');
    expect(String(res.body.message)).toContain('pool is immutable');
  });

  describe('an inline workflow', () => {
    const steps = [
      { id: 'open', action: 'goto', url: 'https://example.test/' },
      { id: 'name', action: 'fill', target: { label: 'Name' }, value: 'x' },
    ];
    const job = (name: string, workflowSteps: unknown[]) => ({ apiVersion: `${GROUP}/${VERSION}`, kind: 'RpaJob', metadata: { name }, spec: { pool: 'default', workflow: { steps: workflowSteps } } });

    it('is immutable: a changed step is refused, naming the field', async () => {
      expect((await kubeRequest(kc, 'POST', path('RpaJob'), job('inline-immutable', steps))).status).toBe(201);
      const res = await kubeRequest(kc, 'PATCH', path('RpaJob', 'inline-immutable'), { spec: { workflow: { steps: [steps[0], { ...steps[1], value: 'y' }] } } });
      expect(res.status).toBe(422);
      expect(String(res.body.message)).toContain('spec.workflow');
      expect(String(res.body.message)).toContain('workflow is immutable');
    });

    it('still has every step rule checked at create (they are skipped only for unchanged steps on update)', async () => {
      const res = await kubeRequest(kc, 'POST', `${path('RpaJob')}?dryRun=All`, job('inline-invalid', [steps[0], { id: 'name', action: 'fill', target: { label: 'Name' } }]));
      expect(res.status).toBe(422);
      expect(String(res.body.message)).toContain('value');
    });

    it('takes status writes and label changes', async () => {
      const status = await kubeRequest(kc, 'PATCH', `${path('RpaJob', 'inline-immutable')}/status`, { status: { phase: 'Running', progress: '1/2' } });
      expect(status.status).toBe(200);
      const labels = await kubeRequest(kc, 'PATCH', path('RpaJob', 'inline-immutable'), { metadata: { labels: { team: 'a' } } });
      expect(labels.status).toBe(200);
    });
  });
});

describe('deeper checks in our code', () => {
  it('a workflow the API server accepts can still be reported, naming the step', async () => {
    const manifest = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'RpaWorkflow',
      metadata: { name: 'dangling' },
      spec: {
        params: [{ name: 'query' }],
        steps: [
          { id: 'open', action: 'goto', url: 'https://example.com/?q={{ params.qeury }}' },
          { id: 'read', action: 'extractText', target: { css: 'h1' } },
          { id: 'check', action: 'assert', condition: 'steps.raed.output contains "Results"' },
        ],
      },
    };
    const res = await kubeRequest(kc, 'POST', path('RpaWorkflow'), manifest);
    expect(res.status).toBe(201);
    expect(validateWorkflow(res.body.spec).map(formatProblem)).toEqual([
      'step "open" (steps[0].url): refers to undeclared param "qeury"',
      'step "check" (steps[2].condition): refers to step "raed", which does not exist',
    ]);
  });
});

describe('printer columns and subresources', () => {
  it('kubectl get rpajobs shows phase, pool, robot, progress and age', async () => {
    const patch = await kubeRequest(kc, 'PATCH', `${path('RpaJob', 'invoice-export-c1001')}/status`, {
      status: { phase: 'Running', robot: 'default-7d9f-abcde', progress: '3/12', attempts: 1, currentStep: 'results' },
    });
    expect(patch.status).toBe(200);
    const table = (await kubeRequest<Table>(kc, 'GET', path('RpaJob'), undefined, TABLE)).body;
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Phase',
      'Pool',
      'Robot',
      'Progress',
      'Attempts',
      'Workflow',
      'Step',
      'Age',
    ]);
    expect(row(table, 'invoice-export-c1001')).toMatchObject({
      Name: 'invoice-export-c1001',
      Phase: 'Running',
      Pool: 'default',
      Robot: 'default-7d9f-abcde',
      Progress: '3/12',
      Workflow: 'invoice-export',
    });
  });

  it('kubectl get robotpools shows desired, ready and queue', async () => {
    const patch = await kubeRequest(kc, 'PATCH', `${path('RobotPool', 'default')}/status`, {
      status: {
        replicas: 2,
        readyReplicas: 1,
        desiredReplicas: 3,
        queue: { ready: 7, delayed: 1, running: 2 },
        selector: 'aether.dev/pool=default',
      },
    });
    expect(patch.status).toBe(200);
    const table = (await kubeRequest<Table>(kc, 'GET', path('RobotPool'), undefined, TABLE)).body;
    expect(row(table, 'default')).toMatchObject({ Desired: 3, Ready: 1, Queue: 7 });
  });

  it('the scale subresource reads status and writes spec.replicas', async () => {
    const scale = await kubeRequest(kc, 'GET', `${path('RobotPool', 'default')}/scale`);
    expect(scale.body).toMatchObject({
      spec: { replicas: 1 },
      status: { replicas: 2, selector: 'aether.dev/pool=default' },
    });
    const put = await kubeRequest(kc, 'PATCH', `${path('RobotPool', 'default')}/scale`, { spec: { replicas: 4 } });
    expect(put.status).toBe(200);
    const pool = await kubeRequest(kc, 'GET', path('RobotPool', 'default'));
    expect(pool.body.spec).toMatchObject({ replicas: 4 });
  });

  it('every kind is in the rpa category with its short names', async () => {
    const res = await kubeRequest<{ resources: Array<{ name: string; shortNames?: string[]; categories?: string[] }> }>(
      kc,
      'GET',
      `/apis/${GROUP}/${VERSION}`,
    );
    for (const k of KINDS) {
      const r = res.body.resources.find((x) => x.name === k.plural);
      expect(r).toMatchObject({ shortNames: [...k.shortNames], categories: ['rpa'] });
    }
  });
});
