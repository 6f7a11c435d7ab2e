// Egress refusals against real Chromium and real Postgres (DBOS): local files, loopback "internal"
// services (two servers on 127.0.0.1 stand in for the cluster: the gateway is the pool's allowed
// site, the internal one is not), redirects from an allowed host to a refused one, and a page's
// subresources. Each case first held on the code before the guard (the secret reached the outputs).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { AttemptResult } from './engine.js';
import { startEngineBed, testUid, type EngineBed } from './testing/engine-bed.js';

const SECRET = 'INTERNAL-' + randomBytes(8).toString('hex');

interface Served {
  server: Server;
  origin: string;
  hits: string[];
}

async function serve(handler: (path: string, res: import('node:http').ServerResponse) => void): Promise<Served> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '/');
    handler(new URL(req.url ?? '/', 'http://x').pathname, res);
  });
  // A WebSocket handshake arrives as an upgrade, not a request.
  server.on('upgrade', (req, socket) => {
    hits.push(`upgrade ${req.url ?? '/'}`);
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

let internal: Served;
let gateway: Served;
let bed: EngineBed;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aether-egress-'));
  writeFileSync(join(dir, 'secret.html'), `<html><body><p id="s">${SECRET}</p></body></html>`);
  internal = await serve((_path, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body><p id="s">${SECRET}</p></body></html>`);
  });
  gateway = await serve((path, res) => {
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${body}</body></html>`);
    if (path === '/out') return res.writeHead(302, { location: `${internal.origin}/secret?via=redirect&token=t0p` }).end();
    if (path === '/in') return res.writeHead(302, { location: '/ok' }).end();
    if (path === '/ok') return html('<p id="s">fine</p>');
    if (path === '/websocket')
      return html(`<p id="s">page</p><script>new WebSocket('${internal.origin.replace('http', 'ws')}/socket?token=t0p')</script>`);
    if (path === '/subresources')
      return html(
        `<p id="s">page</p><img src="${internal.origin}/secret?img"><iframe src="${internal.origin}/secret?frame"></iframe>` +
          `<script>fetch('${internal.origin}/secret?fetch').catch(() => {})</script>`,
      );
    res.writeHead(404).end();
  });
  bed = await startEngineBed('egress-test', { allow: [new URL(gateway.origin).host] });
}, 60_000);

afterAll(async () => {
  await bed?.stop();
  await new Promise((r) => internal?.server.close(r));
  await new Promise((r) => gateway?.server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  internal.hits.length = 0;
  gateway.hits.length = 0;
  bed.refusals.length = 0;
});

const run = (steps: WorkflowSpec['steps']): Promise<AttemptResult> =>
  bed.engine.runAttempt({ runUid: testUid(), attempt: 1, workflow: { timeouts: { stepSeconds: 8 }, steps } });

const extract = { id: 'read', action: 'extractText', target: { css: '#s' } } as const;

function refused(r: AttemptResult, stepId: string, rule: string): string {
  if (r.status !== 'failed') throw new Error(`expected a refusal, got ${JSON.stringify(r, (k, v) => (k === 'screenshot' || k === 'screenshots' ? '<png>' : v))}`);
  expect(r.error.stepId).toBe(stepId);
  expect(r.error.message).toMatch(new RegExp(`^egress refused \\(${rule}\\)`));
  expect(JSON.stringify(r)).not.toContain(SECRET);
  return r.error.message;
}

describe('egress', () => {
  it('refuses a goto to a local file (its content never reaches the outputs)', async () => {
    const msg = refused(await run([{ id: 'open', action: 'goto', url: `file://${dir}/secret.html` }, extract]), 'open', 'scheme');
    expect(msg).toContain('file:');
    expect(msg).not.toContain(dir);
    expect(bed.refusals).toEqual([expect.objectContaining({ purpose: 'navigation', rule: 'scheme' })]);
  });

  it('refuses a goto to /proc/self/environ, a data: page and a javascript: URL', async () => {
    refused(await run([{ id: 'open', action: 'goto', url: 'file:///proc/self/environ' }, extract]), 'open', 'scheme');
    refused(await run([{ id: 'open', action: 'goto', url: `data:text/html,<p id="s">x</p>` }, extract]), 'open', 'scheme');
    refused(await run([{ id: 'open', action: 'goto', url: 'javascript:document.title' }]), 'open', 'scheme');
  });

  it('refuses an http step to a loopback service the pool does not allow, before connecting', async () => {
    const msg = refused(await run([{ id: 'call', action: 'http', method: 'GET', url: `${internal.origin}/secret?token=t0p` }]), 'call', 'loopback');
    expect(msg).toContain(`http request to ${new URL(internal.origin).host}`);
    expect(msg).not.toContain('t0p');
    expect(internal.hits).toEqual([]);
  });

  it('refuses an http step to the link-local metadata address', async () => {
    const msg = refused(await run([{ id: 'call', action: 'http', method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' }]), 'call', 'link-local');
    expect(msg).toContain('169.254.0.0/16');
  });

  it('checks every redirect hop of an http step: allowed → refused is refused, allowed → allowed is followed', async () => {
    refused(await run([{ id: 'call', action: 'http', method: 'GET', url: `${gateway.origin}/out` }]), 'call', 'loopback');
    expect(gateway.hits).toEqual(['/out']);
    expect(internal.hits).toEqual([]);
    const ok = await run([{ id: 'call', action: 'http', method: 'GET', url: `${gateway.origin}/in` }]);
    if (ok.status !== 'succeeded') throw new Error(JSON.stringify(ok));
    expect(ok.outputs.call).toEqual({ status: 200, body: '<html><body><p id="s">fine</p></body></html>' });
  });

  it('refuses a browser redirect from the allowed site to a refused address', async () => {
    const msg = refused(await run([{ id: 'open', action: 'goto', url: `${gateway.origin}/out` }, extract]), 'open', 'loopback');
    expect(msg).not.toContain('t0p');
    expect(internal.hits).toEqual([]);
    const ok = await run([{ id: 'open', action: 'goto', url: `${gateway.origin}/in` }, extract]);
    if (ok.status !== 'succeeded') throw new Error(JSON.stringify(ok));
    expect(ok.outputs.read).toBe('fine');
  });

  it("refuses a page's image, frame and fetch to a refused address and fails the step", async () => {
    const msg = refused(await run([{ id: 'open', action: 'goto', url: `${gateway.origin}/subresources` }, extract]), 'open', 'loopback');
    expect(msg).toContain(`page request to ${new URL(internal.origin).host}`);
    expect(internal.hits).toEqual([]);
    expect(bed.refusals.length).toBeGreaterThanOrEqual(1);
    expect(bed.refusals.every((r) => r.rule === 'loopback' && r.target === new URL(internal.origin).host)).toBe(true);
  });

  it("refuses a page's WebSocket to a refused address", async () => {
    const r = await run([
      { id: 'open', action: 'goto', url: `${gateway.origin}/websocket` },
      { id: 'wait', action: 'waitFor', seconds: 1 },
    ]);
    if (r.status !== 'failed') throw new Error(`expected a refusal, got ${r.status}`);
    expect(r.error.message).toMatch(/^egress refused \(loopback\): page request to 127\.0\.0\.1:\d+ — /);
    expect(r.error.message).not.toContain('t0p');
    expect(internal.hits).toEqual([]);
  });

  it('refuses a goto straight to the internal service', async () => {
    refused(await run([{ id: 'open', action: 'goto', url: `${internal.origin}/secret` }, extract]), 'open', 'loopback');
    expect(internal.hits).toEqual([]);
  });
});
