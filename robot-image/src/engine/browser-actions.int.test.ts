// Issue 16 in a real Chromium, through the engine (DBOS on real Postgres) against the test site's
// /browser pages: hover/uncheck/extractAttribute, waits, scrolling and history, dialogs, tabs (also
// restored from a checkpoint), frames (same- and cross-origin), span tables and ARIA grids, browser settings.
import { WorkflowSpec, type WorkflowSpecInput } from '../../../api/v1alpha1/workflow.js';
import { BASIC_USER } from '../../../e2e/site/browser-pages.js';
import type { TestSite } from '../../../e2e/site/server.js';
import type { AttemptResult, Engine } from './engine.js';
import { newCheckpointKey } from './session-seal.js';
import { siteGrant } from './testing/credentials.js';
import { startEngineBed, testUid, type EngineBed } from './testing/engine-bed.js';

let bed: EngineBed;
let site: TestSite;
let engine: Engine;

beforeAll(async () => {
  bed = await startEngineBed('browser-actions', { siteAlias: true });
  ({ site, engine } = bed);
}, 60_000);

afterAll(() => bed?.stop());

beforeEach(() => site.reset());

type Steps = WorkflowSpecInput['steps'];

function workflow(steps: Steps, extra: Partial<WorkflowSpecInput> = {}): WorkflowSpec {
  return WorkflowSpec.parse({ timeouts: { stepSeconds: 30 }, ...extra, steps });
}

async function run(steps: Steps, extra: Partial<WorkflowSpecInput> = {}, req: Partial<Parameters<Engine['runAttempt']>[0]> = {}): Promise<AttemptResult> {
  return engine.runAttempt({ runUid: testUid(), attempt: 1, workflow: workflow(steps, extra), params: { base: site.url }, ...req });
}

function succeeded(r: AttemptResult): Extract<AttemptResult, { status: 'succeeded' }> {
  if (r.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(r, (k, v) => (k === 'screenshot' ? '<png>' : v))}`);
  return r;
}

function failed(r: AttemptResult): Extract<AttemptResult, { status: 'failed' }> {
  if (r.status !== 'failed') throw new Error(`expected a failure, got ${r.status}`);
  return r;
}

const open = (path: string, id = 'open') => ({ id, action: 'goto' as const, url: `{{ params.base }}${path}` });
const text = (id: string, css: string, frame?: Record<string, unknown>) => ({ id, action: 'extractText' as const, target: { css, ...(frame && { frame }) } });

describe('hover, uncheck, extractAttribute', () => {
  it('hovers a menu open, unchecks a checked box and reads attributes (one and all)', async () => {
    const r = succeeded(
      await run([
        open('/browser/controls'),
        { id: 'before', action: 'extractText', target: { css: '#hover-state' } },
        { id: 'hover', action: 'hover', target: { role: 'button', name: 'Menu' } },
        { id: 'afterHover', action: 'extractText', target: { css: '#hover-state' } },
        { id: 'item', action: 'extractText', target: { role: 'link', name: 'First item' } },
        { id: 'uncheck', action: 'uncheck', target: { label: 'Newsletter' } },
        { id: 'state', action: 'extractText', target: { css: '#news-state' } },
        { id: 'kind', action: 'extractAttribute', target: { css: '#docs' }, attribute: 'data-kind' },
        { id: 'title', action: 'extractAttribute', target: { role: 'link', name: 'Docs' }, attribute: 'title' },
        { id: 'hrefs', action: 'extractAttribute', target: { css: 'a.ext' }, attribute: 'href', all: true },
      ]),
    );
    expect(r.outputs.before).toBe('idle');
    expect(r.outputs.afterHover).toBe('hovered');
    expect(r.outputs.item).toBe('First item');
    expect(r.outputs.state).toBe('unsubscribed');
    expect(r.outputs.kind).toBe('manual');
    expect(r.outputs.title).toBe('Read the docs');
    expect(r.outputs.hrefs).toEqual(['https://a.example/x', 'https://b.example/y', null]);
  });
});

describe('waits, scrolling, history', () => {
  it('waits for a response, a text on the page and in a target, a condition on the page; scrolls; goes back and reloads', async () => {
    const r = succeeded(
      await run([
        open('/browser/waits'),
        { id: 'start', action: 'click', target: { role: 'button', name: 'Start report' } },
        { id: 'ping', action: 'waitFor', response: { url: '*/browser/api/ping?n=7', status: 200 } },
        { id: 'pageText', action: 'waitFor', text: 'Report 7 ready' },
        { id: 'exactText', action: 'waitFor', target: { css: '#status' }, text: 'Report 7 ready', exact: true },
        { id: 'titled', action: 'waitFor', condition: 'page.title == "Report done"' },
        { id: 'bottom', action: 'scroll', to: 'bottom' },
        { id: 'up', action: 'scroll', by: { y: -500 } },
        { id: 'top', action: 'scroll', to: 'top' },
        { id: 'intoView', action: 'scroll', target: { css: '#bottom' } },
        { id: 'next', action: 'click', target: { role: 'link', name: 'Next page' } },
        { id: 'back', action: 'goBack' },
        { id: 'again', action: 'reload' },
      ]),
    );
    expect(r.outputs.ping).toEqual({ url: `${site.url}/browser/api/ping?n=7`, status: 200 });
    const bottom = r.outputs.bottom as { y: number };
    expect(bottom.y).toBeGreaterThan(3000);
    expect((r.outputs.up as { y: number }).y).toBe(bottom.y - 500);
    expect(r.outputs.top).toEqual({ x: 0, y: 0 });
    expect((r.outputs.intoView as { y: number }).y).toBeGreaterThan(3000);
    expect(r.outputs.back).toEqual({ url: `${site.url}/browser/waits`, status: 200 });
    expect(r.outputs.again).toEqual({ url: `${site.url}/browser/waits`, status: 200 });
    expect(site.hits()['GET /browser/waits']).toBe(4); // open, next page, back (no-store), reload
  });

  it('fails a text wait that never comes true with a message naming the text', async () => {
    const r = failed(await run([open('/browser/waits'), { id: 'never', action: 'waitFor', text: 'Never shown', timeoutSeconds: 1 }]));
    expect(r.error.stepId).toBe('never');
    expect(r.error.message).toContain('the text "Never shown" did not appear within 1000 ms');
  });

  it('fails a response wait that no response matches, and goBack with no page before', async () => {
    const noResponse = failed(await run([open('/browser/waits'), { id: 'none', action: 'waitFor', response: { url: '*/nothing' }, timeoutSeconds: 1 }]));
    expect(noResponse.error.message).toContain('no response matching */nothing within 1000 ms');
    const noBack = failed(await run([{ id: 'back', action: 'goBack' }]));
    expect(noBack.error.message).toContain('no previous page');
  });
});

describe('dialogs', () => {
  const clicks: Steps = [
    open('/browser/dialogs'),
    { id: 'del', action: 'click', target: { css: '#delete' } },
    text('deleted', '#delete-result'),
    { id: 'ask', action: 'click', target: { css: '#ask' } },
    text('greeting', '#greeting'),
  ];

  it('dismisses by default (as before) and tells later steps what the dialog said', async () => {
    const r = succeeded(
      await run([...clicks, { id: 'said', action: 'setVariable', name: 'said', value: '{{ steps.del.dialog }}' }]),
    );
    expect(r.outputs.deleted).toBe('kept');
    expect(r.outputs.greeting).toBe('no answer');
    expect(r.vars.said).toEqual({ type: 'confirm', message: 'Delete record 42?', answer: 'dismissed' });
  });

  it("accepts with the workflow's policy, answers a prompt from a template, and a step's policy overrides", async () => {
    const r = succeeded(
      await run(
        [
          ...clicks,
          { id: 'alert', action: 'click', target: { css: '#alert' }, dialogs: { action: 'dismiss' } },
          text('saved', '#alert-result'),
          { id: 'seen', action: 'setVariable', name: 'seen', value: '{{ steps.ask.dialog.defaultValue }}/{{ steps.alert.dialog.type }}' },
        ],
        { params: [{ name: 'base' }, { name: 'who', default: 'Ada' }], dialogs: { action: 'accept', promptText: '{{ params.who }} L.' } },
      ),
    );
    expect(r.outputs.deleted).toBe('deleted');
    expect(r.outputs.greeting).toBe('Hello, Ada L.');
    expect(r.outputs.saved).toBe('saved');
    expect(r.vars.seen).toBe('guest/alert');
  });
});

describe('tabs', () => {
  it('follows a popup, sees a tab a plain click opened, switches by index and title, closes tabs', async () => {
    const r = succeeded(
      await run([
        open('/browser/tabs'),
        { id: 'popup', action: 'waitForPopup', target: { role: 'link', name: 'Open help' } },
        text('child', '#child'),
        { id: 'home', action: 'switchTab', index: 0 },
        { id: 'open2', action: 'click', target: { role: 'button', name: 'Open second help' } },
        { id: 'second', action: 'switchTab', title: 'Help 2' },
        text('child2', '#child'),
        { id: 'close', action: 'closeTab' },
        text('afterClose', '#child'),
        { id: 'byUrl', action: 'switchTab', url: '*/browser/tabs' },
        { id: 'closeFirst', action: 'closeTab', index: 1 },
        { id: 'last', action: 'switchTab', index: 0 },
      ]),
    );
    expect(r.outputs.popup).toEqual({ index: 1, url: `${site.url}/browser/tab-child?n=1`, title: 'Help 1' });
    expect(r.outputs.child).toBe('Help page 1');
    expect(r.outputs.home).toMatchObject({ index: 0, title: 'Tabs' });
    expect(r.outputs.second).toMatchObject({ index: 2, title: 'Help 2' });
    expect(r.outputs.child2).toBe('Help page 2');
    expect(r.outputs.close).toMatchObject({ index: 1, title: 'Help 1' });
    expect(r.outputs.afterClose).toBe('Help page 1');
    expect(r.outputs.closeFirst).toMatchObject({ index: 0, title: 'Tabs' });
    expect(r.outputs.last).toMatchObject({ index: 0, title: 'Tabs' });
  });

  it('refuses to close the only tab and names a tab that is not there', async () => {
    const only = failed(await run([open('/browser/tabs'), { id: 'close', action: 'closeTab' }]));
    expect(only.error.message).toContain("cannot close the job's only tab");
    const missing = failed(await run([open('/browser/tabs'), { id: 'sw', action: 'switchTab', index: 3, timeoutSeconds: 1 }]));
    expect(missing.error.message).toContain('no tab with index 3 (the job has 1 tabs)');
  });

  it('a popup to an address robots may not reach is refused by the egress guard, and the step fails with it', async () => {
    const r = failed(await run([open('/browser/tabs'), { id: 'meta', action: 'waitForPopup', target: { role: 'link', name: 'Instance metadata' } }]));
    expect(r.error.stepId).toBe('meta');
    expect(r.error.message).toMatch(/^egress refused/);
    expect(r.error.message).toContain('169.254.0.0/16');
  });

  it('a retried attempt restores every tab from the checkpoint, the active one active', async () => {
    const sessionKey = newCheckpointKey();
    const runUid = testUid();
    const steps: Steps = [
      open('/browser/tabs'),
      { id: 'popup', action: 'waitForPopup', target: { role: 'link', name: 'Open help' } },
      { id: 'flaky', action: 'http', url: '{{ params.base }}/flaky?key=tabs&fails=1' },
      text('child', '#child'),
      { id: 'home', action: 'switchTab', index: 0 },
      { id: 'heading', action: 'extractText', target: { css: 'h1' } },
    ];
    const req = { runUid, workflow: workflow(steps), params: { base: site.url }, sessionKey };
    const first = failed(await engine.runAttempt({ ...req, attempt: 1 }));
    expect(first.error.stepId).toBe('flaky');
    expect(site.hits()['GET /browser/tab-child']).toBe(1);
    const second = succeeded(await engine.runAttempt({ ...req, attempt: 2, retryFrom: 'failedStep' }));
    // The popup step was not run again: its tab was reopened from the checkpoint, and was still active.
    expect(second.outputs.child).toBe('Help page 1');
    expect(second.outputs.home).toMatchObject({ index: 0, title: 'Tabs' });
    expect(second.outputs.heading).toBe('Tabs');
    expect(site.hits()['GET /browser/tab-child']).toBe(2);
  });
});

describe('durability', () => {
  it('a retried attempt keeps what earlier steps saw of dialogs and opens its browser with the settings again', async () => {
    const sessionKey = newCheckpointKey();
    const runUid = testUid();
    const steps: Steps = [
      open('/browser/dialogs'),
      { id: 'del', action: 'click', target: { css: '#delete' } },
      { id: 'flaky', action: 'http', url: '{{ params.base }}/flaky?key=dialogs&fails=1' },
      { id: 'said', action: 'setVariable', name: 'said', value: '{{ steps.del.dialog.message }} {{ steps.del.dialog.answer }}' },
      text('result', '#delete-result'),
      open('/browser/settings', 'settings'),
      text('lang', '#lang'),
    ];
    const req = {
      runUid,
      workflow: workflow(steps, { dialogs: { action: 'accept' }, browser: { locale: 'fr-FR' } }),
      params: { base: site.url },
      sessionKey,
    };
    failed(await engine.runAttempt({ ...req, attempt: 1 }));
    const second = succeeded(await engine.runAttempt({ ...req, attempt: 2, retryFrom: 'failedStep' }));
    expect(second.vars.said).toBe('Delete record 42? accepted');
    // The page was reloaded from the checkpoint, not clicked again: the confirm did not come back.
    expect(second.outputs.result).toBe('pending');
    expect(second.outputs.lang).toBe('fr-FR');
    expect(site.hits()['GET /browser/dialogs']).toBe(2);
  });
});

describe('frames', () => {
  it('fills and reads inside a same-origin iframe (by name) and a cross-origin one (by url and by iframe element)', async () => {
    const cross = { url: 'http://localhost:*/browser/frame-inner*' };
    const r = succeeded(
      await run([
        open('/browser/frames'),
        { id: 'card', action: 'fill', target: { label: 'Card', frame: { name: 'inner' } }, value: '4111' },
        { id: 'pay', action: 'click', target: { role: 'button', name: 'Pay', frame: { name: 'inner' } } },
        text('paid', '#paid', { name: 'inner' }),
        { id: 'card2', action: 'fill', target: { css: '#card', frame: cross }, value: '5500' },
        { id: 'pay2', action: 'click', target: { css: '#pay', frame: { target: { css: 'iframe[name=pay]' } } } },
        text('paid2', '#paid', { name: 'pay' }),
      ]),
    );
    expect(r.outputs.paid).toBe('Paid 4111 (same)');
    expect(r.outputs.paid2).toBe('Paid 5500 (cross)');
  });

  it('fails a target in a frame that is not there, naming the frame', async () => {
    const r = failed(await run([open('/browser/frames'), { ...text('x', '#paid', { url: '*/nowhere' }), timeoutSeconds: 1 }]));
    expect(r.error.message).toContain('no frame of the page showed */nowhere');
  });
});

describe('extractTable', () => {
  it('repeats cells spanning rows and columns, and reads an ARIA grid without its nested grid', async () => {
    const r = succeeded(
      await run([
        open('/browser/tables'),
        { id: 'spans', action: 'extractTable', target: { css: '#spans' }, header: false },
        { id: 'grid', action: 'extractTable', target: { role: 'grid', name: 'Tickets' } },
      ]),
    );
    expect(r.outputs.spans).toEqual([
      ['Region', 'Sales', 'Sales'],
      ['Region', 'Q1', 'Q2'],
      ['North', '10', '11'],
      ['North', '12 (both)', '12 (both)'],
      ['South', '20', '21'],
    ]);
    expect(r.outputs.grid).toEqual([
      { Ticket: 'T-1', State: 'closed by bot', Owner: 'closed by bot' },
      { Ticket: 'T-2', State: 'open', Owner: 'ada' },
    ]);
  });
});

describe('browser settings', () => {
  const settingsSteps: Steps = [
    open('/browser/settings'),
    { id: 'geoKnown', action: 'waitFor', target: { css: '#geo' }, text: '52.5,13.4' },
    ...['sent-ua', 'sent-lang', 'sent-team', 'lang', 'zone', 'size', 'geo'].map((id) => text(id.replace('-', '_'), `#${id}`)),
  ];

  it('opens the context with the viewport, locale, time zone, user agent, geolocation and extra headers', async () => {
    const r = succeeded(
      await run(settingsSteps, {
        browser: {
          viewport: { width: 900, height: 700 },
          locale: 'de-DE',
          timezoneId: 'Asia/Tokyo',
          userAgent: 'AetherTest/1.0',
          geolocation: { latitude: 52.5, longitude: 13.4 },
          extraHTTPHeaders: { 'X-Team': 'rpa' },
        },
      }),
    );
    expect(r.outputs).toMatchObject({
      sent_ua: 'AetherTest/1.0',
      sent_team: 'rpa',
      lang: 'de-DE',
      zone: 'Asia/Tokyo',
      size: '900x700',
      geo: '52.5,13.4',
    });
    expect(r.outputs.sent_lang).toContain('de-DE');
  });

  const basic = (origin: string): Partial<WorkflowSpecInput> => ({
    credentials: [{ name: 'intranet', keys: ['username', 'password'] }],
    browser: { httpCredentials: { slot: 'intranet', origin } },
  });
  const intranet = (usages: Array<'fill' | 'header'>) => async () => ({ values: BASIC_USER, secret: 'intranet-login', grant: siteGrant(site.url, usages) });

  it('signs in with HTTP basic authentication from a credential slot its Secret allows as a header there, and never records it', async () => {
    const r = succeeded(
      await run([open('/browser/basic'), text('welcome', '#basic')], basic(site.url), { credentials: intranet(['header']) }),
    );
    expect(r.outputs.welcome).toBe('Welcome to the intranet, [redacted]');
    expect(JSON.stringify(r)).not.toContain(BASIC_USER.password);
    expect(JSON.stringify(r)).not.toContain(BASIC_USER.username);
  });

  it("refuses the credentials when the Secret's scope does not allow them as a header at the origin", async () => {
    const r = failed(await run([open('/browser/basic')], basic(site.url), { credentials: intranet(['fill']) }));
    expect(r.error.reason).toBe('CredentialScopeDenied');
    expect(r.error.message).not.toContain(BASIC_USER.password);
    expect(site.hits()['GET /browser/basic']).toBeUndefined();
  });

  it('sends the credentials to no other origin', async () => {
    // The credentials are for localhost:port; the same page at 127.0.0.1 stays 401.
    const other = site.url.replace('127.0.0.1', 'localhost');
    const r = failed(await run([open('/browser/basic')], basic(other), { credentials: async () => ({ values: BASIC_USER, secret: 'intranet-login', grant: siteGrant(other, ['header']) }) }));
    expect(r.error.message).toContain('answered HTTP 401');
  });
});
