// Redoc 1.22.3 (Angular) vs 2.5.1 (React, styled-components) on the committed petstore spec: the
// whole DOM was rewritten, so most rules name one selector per version; the keys are the spec's
// own names (operationId, tag, response code, property name, summary).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FIXTURES_DIR } from '../fixtures.js';
import { serveStatic } from '../serve.js';
import type { IdentityRule, RealApp, RealScreen, Side } from '../types.js';

const SCRIPT: Record<Side, string> = { old: '/dist/dist/redoc.min.js', new: '/dist/bundles/redoc.standalone.js' };
const html = (side: Side) => `<!doctype html><html><head><meta charset="utf-8"><title>Redoc</title></head>
<body><redoc spec-url="/spec/petstore.json"></redoc><script src="${SCRIPT[side]}"></script></body></html>`;

// The operation an element belongs to: <operation operation-id> (v1), div#operation/<id> (v2).
const OP = { old: `at(up(el, 'operation'), 'operation-id')`, new: `up(el, 'div[id^="operation/"]').id.slice(10)` };
const OP_SCOPE = { old: 'operation', new: 'div[id^="operation/"]' };
const inOp = (old: string, neu: string) => ({ old: `${OP_SCOPE.old} ${old}`, new: `${OP_SCOPE.new} ${neu}` });
const withOp = (rest: string) => ({ old: `${OP.old} + '/' + ${rest}`, new: `${OP.new} + '/' + ${rest}` });

const RULES: IdentityRule[] = [
  {
    name: 'op-heading',
    describe: 'operation heading (operationId)',
    sel: inOp('h2.operation-header', 'h2'),
    key: OP,
  },
  {
    name: 'op-anchor',
    describe: 'operation share link (operationId in the href)',
    sel: { old: 'a.share-link[href^="#operation/"]', new: 'a[href*="/operation/"]' },
    key: { old: `at(el, 'href').split('/operation/')[1]`, new: `at(el, 'href').split('/operation/')[1]` },
  },
  {
    name: 'op-endpoint',
    describe: 'operation endpoint toggle (operationId)',
    sel: inOp('.operation-endpoint', 'button:has(> .http-verb)'),
    key: OP,
  },
  { name: 'op-verb', describe: 'operation method label (operationId)', sel: inOp('.http-verb', '.http-verb'), key: OP },
  {
    name: 'op-path',
    describe: 'operation path (operationId)',
    sel: inOp('.operation-api-url-path', 'button:has(> .http-verb) > span:not(.http-verb)'),
    key: OP,
  },
  {
    name: 'op-description',
    describe: 'operation description (operationId)',
    // 2.x wraps the markdown paragraph in two divs; the paragraph is the element that holds the text.
    sel: inOp('p.operation-description', 'h2 + div p'),
    key: OP,
  },
  {
    name: 'response',
    describe: 'response entry (operationId, status code)',
    sel: inOp('responses-list .zippy-title', 'button:has(> strong)'),
    key: withOp(`txt(el).split(' ')[0]`),
  },
  {
    name: 'param',
    describe: 'parameter or body property name (operationId, name)',
    sel: inOp('td.param-name .param-name-wrap', 'td[kind="field"] .property-name'),
    key: withOp(`txt(el).split(' ')[0]`),
  },
  {
    name: 'sample-button',
    describe: 'request sample action (operationId, label)',
    sel: inOp('request-samples .action-buttons a', 'h3 + div button'),
    key: withOp(`txt(el).toLowerCase()`),
  },
  {
    name: 'tag-heading',
    describe: 'tag section heading (tag name)',
    sel: { old: '.tag[section^="tag/"] h1', new: 'div[id^="tag/"]:not([id*="/operation/"]) h2' },
    key: {
      old: `at(up(el, '.tag'), 'section').slice(4)`,
      new: `up(el, 'div[id^="tag/"]').id.slice(4)`,
    },
  },
  {
    name: 'menu-tag',
    describe: 'side menu tag entry (tag name)',
    sel: {
      old: '.menu-item-for-tag > label',
      new: 'li[data-item-id^="tag/"]:not([data-item-id*="/operation/"]) > label',
    },
    key: { old: `txt(el).toLowerCase()`, new: `at(up(el, 'li'), 'data-item-id').slice(4)` },
  },
  {
    name: 'menu-op',
    describe: 'side menu operation entry (operation summary)',
    sel: { old: '.menu-item-for-operation > label', new: 'li[data-item-id*="/operation/"] > label' },
    key: { old: `txt(el.querySelector('.menu-item-title'))`, new: `at(up(el, 'li'), 'aria-label')` },
  },
  {
    name: 'menu-op-verb',
    describe: 'side menu operation method (operation summary)',
    sel: { old: '.menu-item-for-operation .operation-type', new: 'li[data-item-id*="/operation/"] .operation-type' },
    key: {
      old: `txt(up(el, 'label').querySelector('.menu-item-title'))`,
      new: `at(up(el, 'li'), 'aria-label')`,
    },
  },
  {
    name: 'search',
    describe: 'search box',
    sel: { old: 'redoc-search input', new: 'input.search-input' },
    key: `'search'`,
  },
  { name: 'download', describe: 'spec download link', sel: 'a[download]', key: `'download'` },
  {
    name: 'link',
    describe: 'external link in the description (href)',
    sel: 'a[href^="http"]:not([download]), a[href^="mailto:"]',
    key: `at(el, 'href')`,
  },
  { name: 'title', describe: 'API title', sel: { old: 'api-info h1', new: '.api-info h1' }, key: `'title'` },
];

async function rendered(page: Page, side: Side): Promise<void> {
  await page.waitForSelector(side === 'old' ? 'operation h2' : 'div[id^="operation/"] h2', { timeout: 30_000 });
  await page.waitForTimeout(800);
}

/** Open the side menu's tag entry (expands its operations). */
async function openTag(page: Page, side: Side, tag: string): Promise<void> {
  const sel =
    side === 'old'
      ? `.menu-item-for-tag > label:has(.menu-item-title:text-is("${tag}"))`
      : `li[data-item-id="tag/${tag}"] > label`;
  await page.click(sel);
  await page.waitForTimeout(800);
}

const screen = (id: string, tags: string[], scrollTo: string | null): RealScreen => ({
  id,
  async open(page, baseUrl, side) {
    await page.goto(`${baseUrl}/index.html`);
    await rendered(page, side);
    for (const tag of tags) await openTag(page, side, tag);
    if (scrollTo) {
      // Jump to an operation the way a reader does, through its anchor.
      await page.evaluate((h) => (location.hash = h), `#operation/${scrollTo}`);
      await page.waitForTimeout(800);
    }
  },
  rules: RULES,
});

export const redoc: RealApp = {
  app: 'redoc',
  package: 'redoc',
  oldVersion: '1.22.3',
  newVersion: '2.5.1',
  fetch: 'pack',
  start: (root, side) =>
    serveStatic({
      mounts: { '/dist/': root + '/' },
      pages: {
        '/index.html': html(side),
        '/spec/petstore.json': readFileSync(join(FIXTURES_DIR, 'petstore.json'), 'utf8'),
      },
    }),
  screens: [screen('menu-open', ['pet', 'store', 'user'], 'placeOrder')],
};
