// Node-RED's editor, 1.3.7 vs 4.1.15, run as a real server on 127.0.0.1 with a committed flow file.
// Most identities are element ids the editor gives its own controls, node ids of the flow (the SVG
// node groups) and the palette's node types.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FIXTURES_DIR } from '../fixtures.js';
import { freePort, startNodeServer } from '../server.js';
import type { IdentityRule, RealApp, RealScreen } from '../types.js';

const SETTINGS = (port: number) => `module.exports = {
  uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', credentialSecret: false,
  logging: { console: { level: 'warn' } },
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: false, ui: false },
  editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
};\n`;

const CONTROLS = ['button[id]', 'a[id]', 'input[id]:not([type=hidden])', 'select[id]', 'textarea[id]', 'li[id]'];

/**
 * Controls the editor names with an id, within `scope`: the id is the identity (ids with digits are
 * generated; the hidden clipboard textarea and the autofill trap inputs are not controls).
 */
const byId = (scope: string): IdentityRule => ({
  name: 'id',
  describe: 'element id',
  sel: CONTROLS.map((c) => `${scope} ${c}`).join(', '),
  key: `/\\d{3,}/.test(el.id) || el.id === 'red-ui-clipboard-hidden' || el.id.startsWith('red-ui-trap-') ? null : el.id`,
});
const BY_ID = byId('body');

const MAIN_RULES: IdentityRule[] = [
  BY_ID,
  {
    name: 'palette-node',
    describe: 'palette entry (node type)',
    sel: '.red-ui-palette-node[data-palette-type]',
    key: `at(el, 'data-palette-type')`,
  },
  {
    name: 'palette-category',
    describe: 'palette category header (category id)',
    sel: '.red-ui-palette-header',
    key: `up(el, '.red-ui-palette-category') && up(el, '.red-ui-palette-category').id`,
  },
  {
    name: 'flow-node',
    describe: 'flow node on the canvas (node id)',
    sel: 'g.red-ui-flow-node-group',
    key: `el.id`,
  },
  {
    name: 'flow-node-label',
    describe: 'flow node label (node id)',
    sel: 'g.red-ui-flow-node-group text.red-ui-flow-node-label-text',
    key: `up(el, 'g.red-ui-flow-node-group').id`,
  },
  {
    name: 'workspace-tab',
    describe: 'flow tab (flow id in the tab link)',
    sel: '#red-ui-workspace-tabs li.red-ui-tab a',
    key: `(at(el, 'href') || '').replace(/^#/, '')`,
  },
  {
    name: 'sidebar-tab',
    describe: 'sidebar tab (tab id)',
    sel: '#red-ui-sidebar-tabs li.red-ui-tab',
    key: `el.id || [...el.classList].find((c) => c.startsWith('red-ui-tab-') && c !== 'red-ui-tab-icon')`,
  },
  {
    name: 'palette-search',
    describe: 'palette filter box',
    sel: '#red-ui-palette-search input',
    key: `'palette-search'`,
  },
];

const TRAY_RULES: IdentityRule[] = [
  byId('.red-ui-tray'),
  {
    name: 'tray-field',
    describe: 'edit dialog field (form row label "for")',
    sel: '.red-ui-tray .form-row label[for]',
    key: `at(el, 'for')`,
  },
];

async function editorReady(page: Page): Promise<void> {
  await page.waitForSelector('g.red-ui-flow-node-group', { timeout: 60_000 });
  await page.waitForTimeout(1500);
  // Close whatever notification a fresh editor shows (welcome, update check).
  for (const n of await page.$$('.red-ui-notification .ui-button, .red-ui-notification button'))
    await n.click().catch(() => {});
  await page.waitForTimeout(300);
}

const screen = (id: string, rules: IdentityRule[], then?: (page: Page) => Promise<void>): RealScreen => ({
  id,
  async open(page, baseUrl) {
    await page.goto(`${baseUrl}/`);
    await editorReady(page);
    if (then) await then(page);
    await page.waitForTimeout(800);
  },
  rules,
});

const editNode = (nodeId: string) => async (page: Page) => {
  await page.dblclick(`g.red-ui-flow-node-group[id="${nodeId}"] rect.red-ui-flow-node`);
  await page.waitForSelector('#node-dialog-ok', { timeout: 10_000 });
};

export const nodeRed: RealApp = {
  app: 'node-red',
  package: 'node-red',
  oldVersion: '1.3.7',
  newVersion: '4.1.15',
  fetch: 'install',
  async start(root) {
    const port = await freePort();
    const userDir = mkdtempSync(join(tmpdir(), 'aether-nodered-'));
    writeFileSync(join(userDir, 'settings.js'), SETTINGS(port));
    copyFileSync(join(FIXTURES_DIR, 'node-red-flows.json'), join(userDir, 'flows.json'));
    const base = `http://127.0.0.1:${port}`;
    const served = await startNodeServer(
      [join(root, 'red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js')],
      userDir,
      `${base}/settings`,
      base,
    );
    return {
      baseUrl: served.baseUrl,
      close: async () => {
        await served.close();
        rmSync(userDir, { recursive: true, force: true });
      },
    };
  },
  screens: [
    screen('editor', MAIN_RULES),
    screen('main-menu', [byId('#red-ui-header-button-sidemenu-submenu')], async (page) => {
      await page.click('#red-ui-header-button-sidemenu');
    }),
    screen('deploy-menu', [byId('#red-ui-header-button-deploy-options-submenu')], async (page) => {
      await page.click('#red-ui-header-button-deploy-options');
    }),
    screen('edit-inject', TRAY_RULES, editNode('inj1')),
    screen('edit-change', TRAY_RULES, editNode('chg1')),
    screen('edit-debug', TRAY_RULES, editNode('dbg1')),
    screen('edit-delay', TRAY_RULES, editNode('dly1')),
  ],
};
