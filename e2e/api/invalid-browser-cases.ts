// Browser steps and settings (issue 16) the API server and zod must both refuse, naming the field.
import type { InvalidCase } from './invalid-cases.js';

type Obj = Record<string, unknown>;
const workflow = (steps: unknown[], extra: Obj = {}): Obj => ({
  apiVersion: 'rpa.aether.dev/v1alpha1',
  kind: 'RpaWorkflow',
  metadata: { name: 'bad' },
  spec: { steps, ...extra },
});
const goto = { id: 'a', action: 'goto', url: 'https://example.com' };
const click = (target: Obj): Obj => ({ id: 'c', action: 'click', target });

export const BROWSER_INVALID_CASES: InvalidCase[] = [
  {
    name: 'frame with name and url',
    manifest: workflow([click({ css: 'button', frame: { name: 'pay', url: 'https://pay.example/*' } })]),
    expect: ['spec.steps[0].target.frame', 'frame needs exactly one of name, url, target'],
  },
  {
    name: 'frame target without a locator',
    manifest: workflow([click({ css: 'button', frame: { target: {} } })]),
    expect: ['spec.steps[0].target.frame.target', 'exactly one of role, label'],
  },
  {
    name: 'waitFor text and url',
    manifest: workflow([{ id: 'w', action: 'waitFor', text: 'Done', url: 'https://example.com/*' }]),
    expect: ['spec.steps[0]', 'waitFor needs exactly one of target'],
  },
  {
    name: 'waitFor state with text',
    manifest: workflow([{ id: 'w', action: 'waitFor', target: { css: 'p' }, text: 'x', state: 'hidden' }]),
    expect: ['spec.steps[0].state', 'state is only allowed with target'],
  },
  {
    name: 'waitFor response status out of range',
    manifest: workflow([{ id: 'w', action: 'waitFor', response: { url: '**/api', status: 42 } }]),
    expect: ['spec.steps[0].response.status', 'should be greater than or equal to 100'],
  },
  {
    name: 'scroll by and to',
    manifest: workflow([{ id: 's', action: 'scroll', by: { y: 10 }, to: 'bottom' }]),
    expect: ['spec.steps[0]', 'scroll needs exactly one of target (into view), by, to'],
  },
  {
    name: 'switchTab with index and title',
    manifest: workflow([{ id: 't', action: 'switchTab', index: 1, title: 'Help' }]),
    expect: ['spec.steps[0]', 'switchTab needs exactly one of index, url, title'],
  },
  {
    name: 'closeTab index too high',
    manifest: workflow([{ id: 't', action: 'closeTab', index: 99 }]),
    expect: ['spec.steps[0].index', 'should be less than or equal to 15'],
  },
  {
    name: 'dialog promptText with dismiss',
    manifest: workflow([goto], { dialogs: { action: 'dismiss', promptText: 'yes' } }),
    expect: ['spec.dialogs.promptText', 'promptText is only allowed with action accept'],
  },
  {
    name: 'step dialog with unknown action',
    manifest: workflow([{ ...goto, dialogs: { action: 'ignore' } }]),
    expect: ['spec.steps[0].dialogs.action', 'Unsupported value: "ignore"'],
  },
  {
    name: 'browser extra header cookie',
    manifest: workflow([goto], { browser: { extraHTTPHeaders: { Cookie: 'sid=1' } } }),
    expect: ['spec.browser.extraHTTPHeaders', 'extraHTTPHeaders may not set'],
  },
  {
    name: 'browser extra header value with a line break',
    manifest: workflow([goto], { browser: { extraHTTPHeaders: { 'X-Team': 'a\r\nHost: evil' } } }),
    expect: ['spec.browser.extraHTTPHeaders.X-Team', 'should match'],
  },
  {
    name: 'browser httpCredentials of an unknown slot',
    manifest: workflow([goto], { browser: { httpCredentials: { slot: 'nope', origin: 'https://intranet.example' } } }),
    expect: ['spec.browser.httpCredentials.slot', 'must name a credential slot of the workflow'],
  },
  {
    name: 'browser httpCredentials origin with a path',
    manifest: workflow([goto], {
      credentials: [{ name: 'basic', keys: ['username', 'password'] }],
      browser: { httpCredentials: { slot: 'basic', origin: 'https://intranet.example/x' } },
    }),
    expect: ['spec.browser.httpCredentials.origin', 'should match'],
  },
  {
    name: 'browser viewport too small',
    manifest: workflow([goto], { browser: { viewport: { width: 10, height: 600 } } }),
    expect: ['spec.browser.viewport.width', 'should be greater than or equal to 200'],
  },
  {
    name: 'browser geolocation latitude out of range',
    manifest: workflow([goto], { browser: { geolocation: { latitude: 91, longitude: 0 } } }),
    expect: ['spec.browser.geolocation.latitude', 'should be less than or equal to 90'],
  },
];
