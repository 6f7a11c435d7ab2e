// Healing across a REAL version change: an Aether workflow written against Node-RED 1.3.7's editor
// runs there, recording its element descriptors; the same workflow then runs against Node-RED
// 4.1.15, where the menu entry it finds by text reads differently ("Import" now shows its keyboard
// shortcut), through the healing resolver. The heal lands in Postgres and its suggestion (what the
// RpaWorkflow status shows, see e2e/healing-status) names a selector that finds the new element.
// Real Node-RED servers, Postgres and Chromium; run with AETHER_TEST_SERVICES=postgres.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { listElementDescriptors, listHealingEvents } from '../../../api/healing/sql.js';
import { createLogger } from '../../../api/log.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { migrate } from '../../../migrations/index.js';
import { launchChromium } from '../../../robot-image/src/browser/chromium.js';
import { BrowserHost } from '../../../robot-image/src/browser/host.js';
import { configureDurable, type Durable } from '../../../robot-image/src/durable/runtime.js';
import { compileEgressPolicy } from '../../../robot-image/src/egress/decide.js';
import { createEngine, type AttemptResult, type Engine } from '../../../robot-image/src/engine/engine.js';
import { createHealingResolver } from '../../../robot-image/src/engine/healing-resolver.js';
import type { HealNotice } from '../../../robot-image/src/engine/targets.js';
import { plainLocator, suggestionsFromEvents } from '../../../robot-image/src/healing/index.js';
import { freshDatabase } from '../../harness/testenv.js';
import { nodeRed } from './apps/node-red.js';
import { ensurePackage } from './packages.js';
import type { Served } from './serve.js';

// The main menu's Import entry, found by its text (4.x appends the keyboard shortcut to that text).
const IMPORT_ENTRY = '//ul[contains(@class, "red-ui-menu-dropdown")]//a[normalize-space(.)="Import"]';

const WORKFLOW: WorkflowSpec = {
  params: [{ name: 'url', type: 'string', required: true }],
  timeouts: { stepSeconds: 10 },
  steps: [
    { id: 'open', action: 'goto', url: '{{ params.url }}/', waitUntil: 'networkidle' },
    { id: 'ready', action: 'waitFor', target: { css: 'g.red-ui-flow-node-group' } },
    { id: 'flowName', action: 'extractText', target: { css: '#red-ui-tab-tab1 .red-ui-tab-label' } },
    { id: 'openMenu', action: 'click', target: { css: '#red-ui-header-button-sidemenu' } },
    { id: 'import', action: 'click', target: { xpath: IMPORT_ENTRY } },
    { id: 'dialog', action: 'waitFor', target: { css: '#red-ui-clipboard-dialog' } },
  ],
} as WorkflowSpec;

const WF = { namespace: 'real-apps', name: 'node-red-upgrade' };
let old: Served;
let neu: Served;
let db: pg.Pool;
let durable: Durable;
let host: BrowserHost;
let engine: Engine;
const notices: HealNotice[] = [];

beforeAll(async () => {
  old = await nodeRed.start(ensurePackage('node-red', nodeRed.oldVersion, 'install'), 'old');
  neu = await nodeRed.start(ensurePackage('node-red', nodeRed.newVersion, 'install'), 'new');
  const dbUrl = await freshDatabase('healreal');
  await migrate({ databaseUrl: dbUrl });
  db = new pg.Pool({ connectionString: dbUrl, max: 3 });
  const logger = createLogger({ name: 'healreal-test', level: 'warn', destination: process.stderr });
  durable = configureDurable({
    appName: 'aether-robot',
    systemDatabaseUrl: dbUrl,
    executorId: 'healreal-' + randomBytes(3).toString('hex'),
    applicationVersion: 'healreal-test',
    logger,
  });
  host = new BrowserHost({ logger });
  engine = createEngine({
    durable,
    browser: host,
    logger,
    resolveTarget: createHealingResolver({ db, logger }),
    egress: compileEgressPolicy({ allow: [new URL(old.baseUrl).host, new URL(neu.baseUrl).host] }),
  });
  await durable.launch();
}, 120_000);

afterAll(async () => {
  await durable?.shutdown();
  await host?.close();
  await db?.end();
  await old?.close();
  await neu?.close();
});

const run = (url: string): Promise<AttemptResult> =>
  engine.runAttempt({
    runUid: randomUUID(),
    attempt: 1,
    workflow: WORKFLOW,
    params: { url },
    workflowKey: WF,
    onHeal: (n) => notices.push(n),
  });

describe('a workflow written for Node-RED 1.3 healed on Node-RED 4.1', () => {
  it('runs on Node-RED 1.3.7 without healing and records the descriptors', async () => {
    const r = await run(old.baseUrl);
    if (r.status !== 'succeeded')
      throw new Error(`expected success: ${JSON.stringify(r.status === 'failed' ? r.error : r.status)}`);
    expect(r.outputs.flowName).toBe('Orders');
    expect(notices).toEqual([]);
    const records = await listElementDescriptors(db, { workflow: WF });
    expect(records.find((x) => x.stepPath === 'import')!.descriptor).toMatchObject({
      id: 'menu-item-import',
      text: 'Import',
    });
  }, 90_000);

  it('runs on Node-RED 4.1.15 through healing; the suggestion finds the new menu entry', async () => {
    const r = await run(neu.baseUrl);
    if (r.status !== 'succeeded')
      throw new Error(`expected success: ${JSON.stringify(r.status === 'failed' ? r.error : r.status)}`);
    expect(notices.map((n) => [n.stepPath, n.outcome])).toEqual([['import', 'healed']]);

    const events = await listHealingEvents(db, { workflow: WF });
    const suggestions = suggestionsFromEvents(
      events.map((e) => ({
        stepId: e.stepId,
        tier: e.tier,
        outcome: e.outcome,
        suggestion: e.suggestion,
        at: e.at.toISOString(),
      })),
    );
    expect(suggestions.map((s) => s.stepId)).toEqual(['import']);
    const selector = suggestions[0]!.selector;
    expect(selector).not.toEqual({ xpath: IMPORT_ENTRY });

    // The suggested selector, tried on Node-RED 4.1 with the menu open, finds exactly the Import entry.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${neu.baseUrl}/`, { waitUntil: 'networkidle' });
      await page.click('#red-ui-header-button-sidemenu');
      const found = plainLocator(page, selector);
      expect(await found.count()).toBe(1);
      expect(await found.evaluate((el) => el.closest('#menu-item-import') !== null)).toBe(true);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
