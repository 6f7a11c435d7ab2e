// Issue 7, end to end: a workflow run against version 1 of a local page records its element
// descriptors; the same workflow against version 2 (ids and classes changed, layout moved) succeeds
// through healing; the heal events are in Postgres; the RpaWorkflow reconciler (run directly against
// the real API server) puts the suggestions and fragility in status and tells the user with an Event.
// Version 3 removes the button altogether: the healer must abstain and the step fail with the reason.
// Real Postgres, real kube-apiserver, real Chromium; run with AETHER_TEST_SERVICES=postgres,kube.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { listElementDescriptors, listHealingEvents } from '../../api/healing/sql.js';
import { createLogger } from '../../api/log.js';
import type { RpaWorkflowStatus } from '../../api/v1alpha1/rpaworkflow.js';
import type { WorkflowSpec } from '../../api/v1alpha1/workflow.js';
import { migrate } from '../../migrations/index.js';
import { makeKindCache } from '../../operator/src/controllers/cache.js';
import { customSource, makeClients } from '../../operator/src/controllers/kube.js';
import type { RpaWorkflowObject } from '../../operator/src/controllers/objects.js';
import { rpaWorkflowReconciler } from '../../operator/src/controllers/rpaworkflow.js';
import { EventRecorder } from '../../operator/src/runtime/events.js';
import { BrowserHost } from '../../robot-image/src/browser/host.js';
import { configureDurable, type Durable } from '../../robot-image/src/durable/runtime.js';
import { compileEgressPolicy } from '../../robot-image/src/egress/decide.js';
import { createEngine, type AttemptResult, type Engine } from '../../robot-image/src/engine/engine.js';
import { createHealingResolver } from '../../robot-image/src/engine/healing-resolver.js';
import type { HealNotice } from '../../robot-image/src/engine/targets.js';
import { applyCrds } from '../api/crds.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../harness/kubeclient.js';
import { freshDatabase } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';

// Version 1: plain ids and classes; the form on the left.
const V1 = `<!doctype html><html><head><title>Customers</title></head><body>
<h1>New customer</h1>
<form id="customer-form" class="form-card">
  <label for="cust-name">Full name</label> <input id="cust-name" class="field name-field" name="fullName">
  <label for="cust-email">Email</label> <input id="cust-email" class="field" name="email" type="email">
  <button id="save-btn" class="btn btn-primary" type="submit">Save customer</button>
</form>
<p data-testid="result"></p>
<script>
document.querySelector('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  document.querySelector('[data-testid=result]').textContent = 'Saved ' + f.get('fullName') + ' <' + f.get('email') + '>';
});
</script></body></html>`;

// Version 2: every id renamed, classes regenerated, a sidebar and wrappers added, the form moved
// right and down, a decoy button inserted. Labels and the button's text stay (what a user sees).
const V2 = `<!doctype html><html><head><title>Customers</title>
<style>.l-9xk2 { display: flex } .s-7fq1 { width: 320px } .c-p3z8 { margin-top: 140px; padding: 24px }</style></head><body>
<div class="l-9xk2">
  <nav class="s-7fq1"><a href="#">Dashboard</a><br><a href="#">Reports</a><br><button type="button" class="b-2kd9">Export list</button></nav>
  <main class="c-p3z8">
    <h1>New customer</h1>
    <form id="frm_8123" class="css-1q2w3e">
      <div class="css-r4t5y6"><div class="css-u7i8o9"><label for="inp_4471">Full name</label></div>
        <div><input id="inp_4471" class="css-a1s2d3" name="fullName"></div></div>
      <div class="css-r4t5y6"><div class="css-u7i8o9"><label for="inp_4472">Email</label></div>
        <div><input id="inp_4472" class="css-a1s2d3" name="email" type="email"></div></div>
      <div class="css-f4g5h6"><button type="button" class="css-z9x8c7">Cancel</button>
        <button id="btn_9911" class="css-j1k2l3" type="submit">Save customer</button></div>
    </form>
    <p data-testid="result"></p>
  </main>
</div>
<script>
document.querySelector('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  document.querySelector('[data-testid=result]').textContent = 'Saved ' + f.get('fullName') + ' <' + f.get('email') + '>';
});
</script></body></html>`;

// Version 3: version 2 without the save button; only the decoys remain.
const V3 = V2.replace(/<button id="btn_9911"[^<]*<\/button>/, '');

const WORKFLOW: WorkflowSpec = {
  params: [
    { name: 'url', type: 'string', required: true },
    { name: 'fullName', type: 'string', required: true },
    { name: 'email', type: 'string', required: true },
  ],
  timeouts: { stepSeconds: 6 },
  steps: [
    { id: 'open', action: 'goto', url: '{{ params.url }}/customers/new' },
    { id: 'typeName', action: 'fill', target: { css: '#cust-name' }, value: '{{ params.fullName }}' },
    { id: 'typeEmail', action: 'fill', target: { xpath: '/html/body/form/input[2]' }, value: '{{ params.email }}' },
    { id: 'save', action: 'click', target: { css: '#save-btn' } },
    { id: 'result', action: 'extractText', target: { testId: 'result' } },
  ],
} as WorkflowSpec;

const RPA_API = { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpaworkflows' };

let page = V1;
let server: Server;
let siteUrl: string;
let dbUrl: string;
let db: pg.Pool;
let durable: Durable;
let host: BrowserHost;
let engine: Engine;
let kc: KubeConfig;
let namespace: string;
const notices: HealNotice[] = [];
let informers: ReadonlyArray<{ stop(): Promise<void> }> = [];
const counted: string[] = [];
const WF_NAME = 'customer-entry';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/customers/new') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  dbUrl = await freshDatabase('healwire');
  await migrate({ databaseUrl: dbUrl });
  db = new pg.Pool({ connectionString: dbUrl, max: 3 });
  const logger = createLogger({ name: 'healwire-test', level: 'warn', destination: process.stderr });
  durable = configureDurable({
    appName: 'aether-robot',
    systemDatabaseUrl: dbUrl,
    executorId: 'healwire-' + randomBytes(3).toString('hex'),
    applicationVersion: 'healwire-test',
    logger,
  });
  host = new BrowserHost({ logger });
  engine = createEngine({
    durable,
    browser: host,
    logger,
    resolveTarget: createHealingResolver({ db, logger, count: (e) => counted.push(`${e.tier}/${e.outcome}`) }),
    // The site is on loopback, which robots refuse unless their pool allows it.
    egress: compileEgressPolicy({ allow: [new URL(siteUrl).host] }),
  });
  await durable.launch();

  kc = testKubeConfig();
  await applyCrds(kc);
  namespace = await freshNamespace(kc, 'heal');
}, 120_000);

afterAll(async () => {
  await Promise.all(informers.map((i) => i.stop()));
  await durable?.shutdown();
  await host?.close();
  await db?.end();
  await new Promise((r) => server?.close(r));
  if (namespace) await deleteNamespace(kc, namespace);
});

async function run(runUid: string): Promise<AttemptResult> {
  return engine.runAttempt({
    runUid,
    attempt: 1,
    workflow: WORKFLOW,
    params: { url: siteUrl, fullName: 'Ada Lovelace', email: 'ada@example.org' },
    workflowKey: { namespace, name: WF_NAME },
    onHeal: (n) => notices.push(n),
  });
}

const uuid = () => crypto.randomUUID();

describe('self-healing from version 1 to version 2 of a page', () => {
  it('records the descriptors of every step target on version 1', async () => {
    page = V1;
    const r = await run(uuid());
    expect(r.status).toBe('succeeded');
    expect(r.status === 'succeeded' && r.outputs.result).toBe('Saved Ada Lovelace <ada@example.org>');
    expect(notices).toEqual([]);

    const records = await listElementDescriptors(db, { workflow: { namespace, name: WF_NAME } });
    expect(records.map((r) => r.stepPath)).toEqual(['result', 'save', 'typeEmail', 'typeName']);
    const byStep = Object.fromEntries(records.map((r) => [r.stepPath, r]));
    expect(byStep.save!.descriptor).toMatchObject({ tag: 'button', id: 'save-btn', text: 'Save customer' });
    expect(byStep.typeName!.descriptor).toMatchObject({ tag: 'input', id: 'cust-name', label: 'Full name' });
    // Fragility at record time: an absolute XPath is fragile, a test id is not.
    expect(byStep.typeEmail!.fragility).toBeGreaterThanOrEqual(0.9);
    expect(byStep.typeEmail!.fragilityReasons).toContain('absolute XPath');
    expect(byStep.result!.fragility).toBeLessThan(0.1);
  }, 60_000);

  it('runs the same workflow on version 2 through healing and records the heals', async () => {
    page = V2;
    const runUid = uuid();
    const r = await run(runUid);
    if (r.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(r.status === 'failed' ? r.error : r)}`);
    expect(r.outputs.result).toBe('Saved Ada Lovelace <ada@example.org>');

    // Three broken targets, each healed by the descriptor scorer (tier 1) with a stable suggestion.
    expect(notices.map((n) => [n.stepPath, n.outcome, n.tier])).toEqual([
      ['typeName', 'healed', 1],
      ['typeEmail', 'healed', 1],
      ['save', 'healed', 1],
    ]);
    expect(notices.find((n) => n.stepPath === 'save')!.suggestion).toEqual({ role: 'button', name: 'Save customer' });
    expect(counted).toEqual(['1/healed', '1/healed', '1/healed']);

    const events = await listHealingEvents(db, { workflow: { namespace, name: WF_NAME } });
    expect(events.map((e) => [e.stepId, e.outcome, e.tier, e.runUid])).toEqual([
      ['typeName', 'healed', 1, runUid],
      ['typeEmail', 'healed', 1, runUid],
      ['save', 'healed', 1, runUid],
    ]);
    expect(events[2]!.suggestion).toEqual({ role: 'button', name: 'Save customer' });
    // The records now describe the version-2 elements (so drift keeps being followed).
    const records = await listElementDescriptors(db, { workflow: { namespace, name: WF_NAME } });
    expect(records.find((x) => x.stepPath === 'save')!.descriptor).toMatchObject({ id: 'btn_9911' });
  }, 90_000);

  it('puts the suggestions and fragility in the RpaWorkflow status and tells the user with an Event', async () => {
    const clients = makeClients(kc);
    await clients.custom.createNamespacedCustomObject({
      ...RPA_API,
      namespace,
      body: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaWorkflow', metadata: { name: WF_NAME, namespace }, spec: WORKFLOW },
    });
    const logger = createLogger({ name: 'healwire-operator', level: 'warn', destination: process.stderr });
    // The operator's own informer cache, as the reconciler reads it in the operator.
    const workflows = makeKindCache<RpaWorkflowObject>(kc, customSource(clients.custom, 'RpaWorkflow'), { namespaces: [namespace], logger });
    informers = workflows.informers;
    await Promise.all(workflows.informers.map((i) => i.start()));
    const cached = (what: string, holds: (wf: RpaWorkflowObject) => boolean) =>
      waitFor(what, async () => {
        const wf = workflows.get(namespace, WF_NAME);
        return wf && holds(wf) ? wf : undefined;
      }, { timeoutMs: 20_000, intervalMs: 50 });
    await cached('the RpaWorkflow in the cache', () => true);
    const reconcile = rpaWorkflowReconciler({
      clients,
      workflows,
      events: new EventRecorder(kc, { component: 'aether-operator', instance: 'healwire-test', logger }),
      now: Date.now,
      healing: { db },
    });
    const result = await reconcile({ namespace, name: WF_NAME }, { logger, signal: new AbortController().signal });
    expect(result.type).toBe('requeueAfter');

    const wf = (await clients.custom.getNamespacedCustomObject({ ...RPA_API, namespace, name: WF_NAME })) as RpaWorkflowObject;
    const status = wf.status as RpaWorkflowStatus;
    expect(status.conditions?.find((c) => c.type === 'Valid')?.status).toBe('True');
    const suggestions = Object.fromEntries((status.healingSuggestions ?? []).map((s) => [s.stepId, s]));
    expect(Object.keys(suggestions).sort()).toEqual(['save', 'typeEmail', 'typeName']);
    expect(suggestions.save).toMatchObject({ field: 'target', suggested: { role: 'button', name: 'Save customer' }, count: 1, tier: 1 });
    expect(suggestions.save!.score).toBeGreaterThan(0);
    expect(suggestions.save!.lastSeen).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The most fragile recorded target (the absolute XPath) comes first.
    expect(status.fragility?.[0]).toMatchObject({ stepId: 'typeEmail', reasons: expect.arrayContaining(['absolute XPath']) });
    expect(status.fragility?.map((f) => f.stepId).sort()).toEqual(['result', 'save', 'typeEmail', 'typeName']);

    const core = kc.makeApiClient(CoreV1Api);
    const events = await waitFor(
      'HealingSuggested events',
      async () => {
        const list = await core.listNamespacedEvent({ namespace });
        const ours = list.items.filter((e) => e.reason === 'HealingSuggested' && e.involvedObject.name === WF_NAME);
        return ours.length >= 3 ? ours : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(events.every((e) => e.type === 'Normal')).toBe(true);
    expect(events.map((e) => e.message).join('\n')).toContain('step save: its target no longer matched and was healed (tier 1); suggested target: role=button[name="Save customer"]');

    expect(events.map((e) => e.count)).toEqual([1, 1, 1]);

    // A second reconcile (its cache now holding the suggestions) announces nothing again.
    await cached('the suggestions in the cache', (w) => (w.status?.healingSuggestions?.length ?? 0) === 3);
    await reconcile({ namespace, name: WF_NAME }, { logger, signal: new AbortController().signal });
    await new Promise((r) => setTimeout(r, 500)); // events are recorded in the background
    const again = (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === 'HealingSuggested');
    expect(again.map((e) => e.count)).toEqual([1, 1, 1]);
  }, 60_000);

  it('abstains when the target is gone (version 3) and fails the step with the reason', async () => {
    page = V3;
    notices.length = 0;
    const r = await run(uuid());
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.error.stepId).toBe('save');
    expect(r.error.message).toMatch(/^target css="#save-btn" matched 0 elements; healing abstained: /);
    expect(notices.find((n) => n.stepPath === 'save')).toMatchObject({ outcome: 'abstained', tier: null });
    const events = await listHealingEvents(db, { workflow: { namespace, name: WF_NAME } });
    expect(events.at(-1)).toMatchObject({ stepId: 'save', outcome: 'abstained', tier: null, suggestion: null });
  }, 60_000);
});
