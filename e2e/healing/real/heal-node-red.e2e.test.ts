// Healing across a REAL version change: an Aether workflow written against Node-RED 1.3.7's editor
// (node-red-workflow.ts) runs there, recording its element descriptors; the same workflow then runs
// against Node-RED 4.1.15, where the menu entries it finds by text read differently (each now shows its
// keyboard shortcut), through the healing resolver. The heals land in Postgres and their suggestions
// (what the RpaWorkflow status shows, see e2e/healing-status/heal-node-red-status.e2e.test.ts) name
// selectors that find the new elements.
// Real Node-RED servers, Postgres and Chromium; run with AETHER_TEST_SERVICES=postgres.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { listElementDescriptors, listHealingEvents } from '../../../api/healing/sql.js';
import { createLogger } from '../../../api/log.js';
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
import { menuEntryId, NODE_RED_HEALED_STEPS, NODE_RED_WORKFLOW as WORKFLOW, openMainMenu } from './node-red-workflow.js';
import { ensurePackage } from './packages.js';
import type { Served } from './serve.js';

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
    expect(records.find((x) => x.stepPath === 'importEntry')!.descriptor).toMatchObject({
      id: 'menu-item-import',
      text: 'Import',
    });
  }, 90_000);

  it('runs on Node-RED 4.1.15 through healing; each suggestion finds the new menu entry', async () => {
    const r = await run(neu.baseUrl);
    if (r.status !== 'succeeded')
      throw new Error(`expected success: ${JSON.stringify(r.status === 'failed' ? r.error : r.status)}`);
    const healed = Object.keys(NODE_RED_HEALED_STEPS);
    expect(notices.map((n) => [n.stepPath, n.outcome])).toEqual(healed.map((s) => [s, 'healed']));

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
    expect(suggestions.map((s) => s.stepId).sort()).toEqual([...healed].sort());

    // Each suggested selector, tried on Node-RED 4.1 with the menu open, finds exactly its menu entry.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await openMainMenu(page, neu.baseUrl);
      for (const { stepId, selector } of suggestions) {
        expect(selector).not.toEqual({ xpath: expect.any(String) });
        const found = plainLocator(page, selector);
        expect({ stepId, matches: await found.count() }).toEqual({ stepId, matches: 1 });
        expect({ stepId, entry: await found.evaluate(menuEntryId) }).toEqual({ stepId, entry: NODE_RED_HEALED_STEPS[stepId] });
      }
    } finally {
      await browser.close();
    }
  }, 90_000);
});
