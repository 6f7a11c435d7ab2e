// jsoneditor 5.34.0 vs 10.4.2 (josdejong/jsoneditor) on a committed JSON document whose keys are
// unique, so a tree row's identity is its field name (the data is the same in both versions).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FIXTURES_DIR } from '../fixtures.js';
import { serveStatic } from '../serve.js';
import type { IdentityRule, RealApp, RealScreen } from '../types.js';

const html = (mode: string, doc: string) => `<!doctype html><html><head><meta charset="utf-8"><title>JSON editor</title>
<link rel="stylesheet" href="/dist/dist/jsoneditor.min.css"></head><body><h1>Order document</h1>
<div id="editor" style="width: 900px; height: 1100px"></div><script src="/dist/dist/jsoneditor.min.js"></script>
<script>window.editor = new JSONEditor(document.getElementById('editor'),
  { mode: '${mode}', modes: ['tree', 'form', 'code', 'text', 'view'] }, ${doc});</script></body></html>`;

// The field name of the tree row an element is in (array items have index fields: not unique).
const ROW = `txt(up(el, 'table.jsoneditor-values').querySelector('.jsoneditor-field'))`;
const ROW_CELL = (cls: string) => `table.jsoneditor-tree > tbody > tr ${cls}`;
// A menu button is named by its jsoneditor-* class (the action it runs).
const ACTION = `[...el.classList].find((c) => c.startsWith('jsoneditor-') && !['jsoneditor-separator', 'jsoneditor-button', 'jsoneditor-selected', 'jsoneditor-default'].includes(c))`;

const TREE_RULES: IdentityRule[] = [
  {
    name: 'menu-button',
    describe: 'menu bar button (its action class)',
    sel: '.jsoneditor-menu > button',
    key: ACTION,
  },
  {
    name: 'mode-switch',
    describe: 'mode switch button',
    sel: '.jsoneditor-menu button.jsoneditor-modes',
    key: `'modes'`,
  },
  { name: 'search-input', describe: 'search box', sel: '.jsoneditor-search input', key: `'search'` },
  {
    name: 'search-button',
    describe: 'search bar button (its action class)',
    sel: '.jsoneditor-search button',
    key: ACTION,
  },
  { name: 'field', describe: 'field name cell (field name)', sel: ROW_CELL('div.jsoneditor-field'), key: ROW },
  { name: 'value', describe: 'value cell (field name)', sel: ROW_CELL('div.jsoneditor-value'), key: ROW },
  {
    name: 'expand',
    describe: 'expand/collapse button of the row (field name)',
    sel: ROW_CELL('td.jsoneditor-tree > button.jsoneditor-button:not(.jsoneditor-invisible)'),
    key: ROW,
  },
  {
    name: 'row-menu',
    describe: 'row actions button (field name of the row)',
    sel: 'table.jsoneditor-tree > tbody > tr > td > button.jsoneditor-button:is(.jsoneditor-contextmenu, .jsoneditor-contextmenu-button)',
    key: `txt(up(el, 'tr').querySelector('.jsoneditor-field'))`,
  },
  {
    name: 'row-drag',
    describe: 'row drag handle (field name of the row)',
    sel: 'table.jsoneditor-tree > tbody > tr > td > button.jsoneditor-dragarea',
    key: `txt(up(el, 'tr').querySelector('.jsoneditor-field'))`,
  },
  { name: 'treepath', describe: 'navigation bar path', sel: '.jsoneditor-treepath', key: `'treepath'` },
  { name: 'heading', describe: 'page heading', sel: 'h1', key: `'heading'` },
];

const MENU_RULES: IdentityRule[] = [
  {
    name: 'context-item',
    describe: 'actions menu entry (its action class)',
    sel: 'div.jsoneditor-contextmenu button[class]',
    key: `[...el.classList].filter((c) => c !== 'jsoneditor-default' && c !== 'jsoneditor-selected').join(' ') + '/' + txt(el)`,
  },
];

const MODE_RULES: IdentityRule[] = [
  {
    name: 'mode-item',
    describe: 'mode menu entry (mode name)',
    sel: 'div.jsoneditor-contextmenu button.jsoneditor-type-modes',
    key: `txt(el).toLowerCase()`,
  },
];

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('.jsoneditor-menu', { timeout: 30_000 });
  await page.waitForTimeout(300);
}

const screen = (id: string, mode: string, rules: IdentityRule[], then?: (page: Page) => Promise<void>): RealScreen => ({
  id,
  async open(page, baseUrl) {
    await page.goto(`${baseUrl}/${mode}.html`);
    await ready(page);
    if (await page.$('.jsoneditor-expand-all')) await page.click('.jsoneditor-expand-all');
    await page.waitForTimeout(300);
    if (then) await then(page);
  },
  rules,
});

const ROW_MENU_OF = (field: string) =>
  `table.jsoneditor-tree > tbody > tr:has(.jsoneditor-field:text-is("${field}")) > td > button:is(.jsoneditor-contextmenu, .jsoneditor-contextmenu-button)`;

export const jsoneditor: RealApp = {
  app: 'jsoneditor',
  package: 'jsoneditor',
  oldVersion: '5.34.0',
  newVersion: '10.4.2',
  fetch: 'pack',
  start: (root) => {
    const doc = readFileSync(join(FIXTURES_DIR, 'jsoneditor-doc.json'), 'utf8');
    return serveStatic({
      mounts: { '/dist/': root + '/' },
      pages: Object.fromEntries(['tree', 'form', 'view'].map((m) => [`/${m}.html`, html(m, doc)])),
    });
  },
  screens: [
    screen('tree', 'tree', TREE_RULES),
    screen('form', 'form', TREE_RULES),
    screen('view', 'view', TREE_RULES),
    screen('row-menu', 'tree', MENU_RULES, async (page) => {
      await page.click(ROW_MENU_OF('customer'));
      await page.waitForTimeout(400);
    }),
    screen('mode-menu', 'tree', MODE_RULES, async (page) => {
      await page.click('.jsoneditor-menu button.jsoneditor-modes');
      await page.waitForTimeout(400);
    }),
  ],
};
