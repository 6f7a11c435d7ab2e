// Admission of the browser steps and settings by zod (the API server's half: e2e/api/invalid-browser-cases.ts).
import { describe, expect, it } from '@jest/globals';
import { formatProblem, validateWorkflow } from './validate-workflow.js';
import { WorkflowSpec } from './workflow.js';

const goto = { id: 'open', action: 'goto', url: 'https://example.com' };

describe('browser steps', () => {
  it('accepts every new step, framed targets, dialog policies and browser settings', () => {
    const spec = {
      credentials: [{ name: 'intranet', keys: ['username', 'password'] }],
      dialogs: { action: 'accept', promptText: 'yes' },
      browser: {
        viewport: { width: 1024, height: 768 },
        locale: 'de-DE',
        timezoneId: 'Europe/Berlin',
        userAgent: 'Aether/1',
        geolocation: { latitude: 1, longitude: 2, accuracy: 10 },
        httpCredentials: { slot: 'intranet', origin: 'https://intranet.example:8443' },
        ignoreHTTPSErrors: true,
        extraHTTPHeaders: { 'X-Team': 'rpa' },
      },
      steps: [
        goto,
        { id: 'f', action: 'fill', target: { label: 'Card', frame: { name: 'pay' } }, value: '1', dialogs: { action: 'dismiss' } },
        { id: 'g', action: 'click', target: { css: '#b', frame: { target: { css: 'iframe' } } } },
        { id: 'h', action: 'click', target: { css: '#b', frame: { url: 'https://pay.example/*' } } },
        { id: 'w1', action: 'waitFor', text: 'Done' },
        { id: 'w2', action: 'waitFor', target: { css: 'p' }, text: 'Done', exact: true },
        { id: 'w3', action: 'waitFor', response: { url: '*/api/*', status: 201 } },
        { id: 'w4', action: 'waitFor', condition: 'page.title == "x"' },
        { id: 's1', action: 'scroll', to: 'bottom' },
        { id: 's2', action: 'scroll', by: { y: 200 } },
        { id: 's3', action: 'scroll', target: { css: '#end' } },
        { id: 'r', action: 'reload', waitUntil: 'domcontentloaded' },
        { id: 'b', action: 'goBack' },
        { id: 'p', action: 'waitForPopup', target: { role: 'link', name: 'Help' } },
        { id: 't1', action: 'switchTab', title: 'Help*' },
        { id: 't2', action: 'closeTab' },
      ],
    };
    const parsed = WorkflowSpec.safeParse(spec);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(validateWorkflow(spec).map(formatProblem)).toEqual([]);
  });

  it('refuses a proxy setting (not offered: it would let the browser around the egress guard)', () => {
    const r = WorkflowSpec.safeParse({ browser: { proxy: { server: 'http://p:3128' } }, steps: [goto] });
    expect(r.success).toBe(false);
  });

  it("refuses httpCredentials whose slot lacks the keys it names", () => {
    const r = WorkflowSpec.safeParse({
      credentials: [{ name: 'intranet', keys: ['user'] }],
      browser: { httpCredentials: { slot: 'intranet', origin: 'https://intranet.example' } },
      steps: [goto],
    });
    expect(r.error?.issues.map((i) => i.message)).toEqual(["browser.httpCredentials: the slot's keys must include its usernameKey and passwordKey"]);
  });

  it('knows page only in a waitFor condition', () => {
    const problems = validateWorkflow({ steps: [goto, { id: 'a', action: 'assert', condition: 'page.title == "x"' }] }).map(formatProblem);
    expect(problems).toEqual([expect.stringContaining('unknown name "page"')]);
  });

  it('refuses a credential in a prompt answer (credentials never leave through a dialog)', () => {
    const problems = validateWorkflow({
      credentials: [{ name: 's', keys: ['k'] }],
      steps: [{ ...goto, dialogs: { action: 'accept', promptText: '{{ credentials.s.k }}' } }],
    }).map(formatProblem);
    expect(problems).toEqual([expect.stringContaining('credentials may only be used in')]);
  });
});
