import { ManifestError, parseDocuments, resolveJob, type SourcedDocument } from './manifests.js';

const WORKFLOW = `
apiVersion: rpa.aether.dev/v1alpha1
kind: RpaWorkflow
metadata: { name: wf }
spec:
  steps:
    - { id: open, action: goto, url: 'https://example.com' }
`;
const JOB = (extra = '') => `
apiVersion: rpa.aether.dev/v1alpha1
kind: RpaJob
metadata: { name: j1${extra} }
spec:
  workflowRef: { name: wf }
  pool: default
`;

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ManifestError) return err.problems;
    throw err;
  }
  throw new Error('expected a ManifestError');
}

describe('parseDocuments', () => {
  it('reads several documents and skips empty ones', () => {
    const docs = parseDocuments('a.yaml', `${WORKFLOW}\n---\n---\n${JOB()}`);
    expect(docs.map((d) => [d.file, d.index, (d.value as { kind: string }).kind])).toEqual([
      ['a.yaml', 0, 'RpaWorkflow'],
      ['a.yaml', 2, 'RpaJob'],
    ]);
  });

  it('names the file and document of a YAML error', () => {
    expect(problems(() => parseDocuments('bad.yaml', 'a: [1,\n'))[0]).toMatch(/^bad\.yaml: YAML document 1: /);
  });
});

describe('resolveJob', () => {
  const docs = (...texts: string[]): SourcedDocument[] => texts.flatMap((t, i) => parseDocuments(`f${i}.yaml`, t));

  it('resolves the workflowRef among the documents, in the default namespace', () => {
    const r = resolveJob(docs(JOB(), WORKFLOW));
    expect([r.namespace, r.name, r.workflowName, r.file, r.workflow.steps[0]!.id]).toEqual([
      'default',
      'j1',
      'wf',
      'f0.yaml',
      'open',
    ]);
  });

  it('looks among nearby documents only when the given ones lack the workflow', () => {
    const r = resolveJob(docs(JOB()), { nearby: parseDocuments('near.yaml', WORKFLOW) });
    expect(r.workflowName).toBe('wf');
  });

  describe('call steps', () => {
    const CALLER = `
apiVersion: rpa.aether.dev/v1alpha1
kind: RpaJob
metadata: { name: caller }
spec:
  pool: default
  workflow:
    steps: [{ id: sub, action: call, call: { workflow: wf, params: { who: ada } } }]
`;
    const CALLEE = `
apiVersion: rpa.aether.dev/v1alpha1
kind: RpaWorkflow
metadata: { name: wf }
spec:
  params: [{ name: who, required: true }]
  steps: [{ id: hi, action: setVariable, name: x, value: '{{ params.who }}' }]
`;

    it('finds the callees among the documents or beside the job, and snapshots them', () => {
      const r = resolveJob(docs(CALLER), { nearby: parseDocuments('near.yaml', CALLEE) });
      expect(Object.keys(r.calls)).toEqual(['wf']);
      expect(r.calls.wf).toMatchObject({ generation: 1, spec: { steps: [{ id: 'hi' }] } });
      expect(resolveJob(docs(CALLER, CALLEE)).calls.wf?.spec.params).toEqual([{ name: 'who', type: 'string', required: true }]);
    });

    it('a missing callee names the call step and field, and how to pass it', () => {
      expect(problems(() => resolveJob(docs(CALLER)))).toEqual([
        'f0.yaml: RpaJob caller: step "sub" (spec.workflow.steps[0].call.workflow): RpaWorkflow wf does not exist (pass the file of wf too, or put it beside the job)',
      ]);
    });

    it('a call leaving out a param the callee requires is refused', () => {
      const noParams = CALLER.replace(', params: { who: ada }', '');
      expect(problems(() => resolveJob(docs(noParams, CALLEE)))).toEqual([
        'f0.yaml: RpaJob caller: step "sub" (spec.workflow.steps[0].call.params): RpaWorkflow wf requires param "who"',
      ]);
    });
  });

  it('takes an inline workflow', () => {
    const inline = `
apiVersion: rpa.aether.dev/v1alpha1
kind: RpaJob
metadata: { name: j1, namespace: ns1 }
spec:
  pool: default
  workflow:
    steps: [{ id: a, action: goto, url: 'https://example.com' }]
`;
    expect(resolveJob(docs(inline))).toMatchObject({ namespace: 'ns1', workflowName: 'inline' });
  });

  it.each([
    ['no job', [WORKFLOW], {}, 'no RpaJob (apiVersion rpa.aether.dev/v1alpha1) in f0.yaml'],
    ['several jobs', [JOB(), JOB('-b'), WORKFLOW], {}, 'hold several RpaJobs (j1, j1-b): choose one with --job NAME'],
    ['an unknown --job', [JOB(), WORKFLOW], { job: 'x' }, 'no RpaJob named "x" in f0.yaml, f1.yaml (found: j1)'],
    [
      'a missing workflow',
      [JOB()],
      {},
      'spec.workflowRef.name: RpaWorkflow "wf" (namespace default) is in none of f0.yaml',
    ],
    [
      'a bad job field',
      [JOB().replace('pool: default', 'pool: Not_A_Name'), WORKFLOW],
      {},
      'f0.yaml: RpaJob j1: spec.pool: must be a DNS subdomain name',
    ],
    [
      'a bad workflow step',
      [JOB(), WORKFLOW.replace("url: 'https://example.com'", "url: '{{ params.nope }}'")],
      {},
      'f1.yaml: RpaWorkflow wf: step "open" (spec.steps[0].url): refers to undeclared param "nope"',
    ],
    [
      'a schema error in a step',
      [JOB(), WORKFLOW.replace('action: goto', 'action: teleport')],
      {},
      'RpaWorkflow wf: step "open" (spec.steps[0]',
    ],
  ])('reports %s', (_n, texts, opts, message) => {
    const found = problems(() => resolveJob(docs(...texts), opts));
    expect(found.join('\n')).toContain(message);
  });
});

describe('hostile manifests', () => {
  const doc = (value: unknown): SourcedDocument => ({ file: 'job.yaml', index: 0, value });
  const inlineJob = (workflow: unknown) => ({
    apiVersion: 'rpa.aether.dev/v1alpha1',
    kind: 'RpaJob',
    metadata: { name: 'deep' },
    spec: { pool: 'default', workflow },
  });

  it('an inline workflow nested thousands of levels deep is a problem naming where, not a crash', () => {
    let steps: unknown[] = [{ id: 'open', action: 'goto', url: 'https://example.com' }];
    for (let i = 0; i < 5000; i++) steps = [{ id: `if${i}`, action: 'if', condition: 'true', then: steps }];
    const p = problems(() => resolveJob([doc(inlineJob({ steps }))]));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(
      /^job\.yaml: RpaJob deep: spec\.workflow\.steps\[0\]\.then\[0\].*: nested more than 64 levels deep$/,
    );
  });

  it('a __proto__ key (YAML makes it an own key) is refused, naming the field', () => {
    const docs = parseDocuments('job.yaml', JOB() + '  params: { __proto__: { polluted: true } }\n');
    expect(problems(() => resolveJob([...docs, ...parseDocuments('wf.yaml', WORKFLOW)]))).toEqual([
      'job.yaml: RpaJob j1: spec.params["__proto__"]: the key "__proto__" is not allowed',
    ]);
  });
});
