// Issue 15, end to end on a real application: an RpaWorkflow written against Node-RED 1.3.7's editor
// (e2e/healing/real/node-red-workflow.ts) runs as an RpaJob there (the robot records its element
// descriptors); a second RpaJob of the same workflow runs against Node-RED 4.1.15, whose menu entries now
// show their keyboard shortcuts, so the steps that found them by text heal. The operator (in this process: informers, the healing LISTEN, the RpaWorkflow
// reconciler) puts the suggestions in the RpaWorkflow's status; the test reads that status from the API
// server and tries each suggested selector on Node-RED 4.1.15: it must match exactly one element, the one
// with the entry's stable identity (its element id, as the real corpus labels it).
// Real kube-apiserver, Postgres, Chromium, robot process and Node-RED servers (AETHER_TEST_SERVICES=postgres,kube).
import type { Browser } from 'playwright-core';
import { listElementDescriptors } from '../../api/healing/sql.js';
import type { HealingSuggestion } from '../../api/v1alpha1/rpaworkflow.js';
import type { Operator } from '../../operator/src/operator.js';
import {
  createObject,
  setUpEnv,
  startTestOperator,
  tearDownEnv,
  waitForObject,
  type AnyObject,
  type TestEnv,
} from '../../operator/src/testing/operator-env.js';
import { startRobot, type RobotProcess } from '../../robot-image/src/agent/testing/robot-process.js';
import { launchChromium } from '../../robot-image/src/browser/chromium.js';
import { plainLocator } from '../../robot-image/src/healing/index.js';
import { nodeRed } from '../healing/real/apps/node-red.js';
import { menuEntryId, NODE_RED_HEALED_STEPS as HEALED, NODE_RED_WORKFLOW as WORKFLOW, openMainMenu } from '../healing/real/node-red-workflow.js';
import { ensurePackage } from '../healing/real/packages.js';
import type { Served } from '../healing/real/serve.js';
import { kubeconfigPath } from '../harness/testenv.js';

const POOL = 'node-red-upgrade';
const WF_NAME = 'node-red-menu';
const LONG = 170_000;

describe('an RpaWorkflow recorded on Node-RED 1.3.7 heals on Node-RED 4.1.15 and its status suggests the new selectors (e2e)', () => {
  let env: TestEnv;
  let operator: Operator;
  let robot: RobotProcess;
  let old: Served;
  let neu: Served;
  let browser: Browser;

  beforeAll(async () => {
    [old, neu] = await Promise.all([
      nodeRed.start(ensurePackage('node-red', nodeRed.oldVersion, 'install'), 'old'),
      nodeRed.start(ensurePackage('node-red', nodeRed.newVersion, 'install'), 'new'),
    ]);
    env = await setUpEnv('healnr');
    await createObject(env, 'RpaWorkflow', WF_NAME, WORKFLOW);
    operator = await startTestOperator(env);
    robot = await startRobot({
      databaseUrl: env.databaseUrl,
      pool: POOL,
      namespace: env.namespace,
      pod: 'robot-healnr-0',
      kubeconfig: kubeconfigPath(),
      allow: [new URL(old.baseUrl).host, new URL(neu.baseUrl).host],
    });
  }, LONG);

  afterAll(async () => {
    await browser?.close();
    await robot?.stop();
    await operator?.stop();
    await tearDownEnv(env);
    await old?.close();
    await neu?.close();
  }, LONG);

  const runJob = async (name: string, url: string): Promise<AnyObject> => {
    await createObject(env, 'RpaJob', name, { workflowRef: { name: WF_NAME }, pool: POOL, maxAttempts: 1, params: { url } });
    const job = await waitForObject(env, 'RpaJob', name, 'finished', (o) => ['Succeeded', 'Failed', 'Cancelled'].includes(o.status?.phase), 120_000);
    if (job.status!.phase !== 'Succeeded')
      throw new Error(`job ${name} ${job.status!.phase}: ${JSON.stringify(job.status!.error)}\n${robot.lines.slice(-20).join('\n')}`);
    return job;
  };

  it(
    'records on 1.3.7 without suggestions, heals on 4.1.15, and each suggested selector finds exactly the right element',
    async () => {
      const first = await runJob('on-1-3-7', old.baseUrl);
      expect(first.status!.outputs).toMatchObject({ flowName: 'Orders' });
      const recorded = await listElementDescriptors(env.db, { workflow: { namespace: env.namespace, name: WF_NAME } });
      expect(recorded.map((r) => r.stepPath)).toEqual(expect.arrayContaining(Object.keys(HEALED)));
      const before = await waitForObject(env, 'RpaWorkflow', WF_NAME, 'reconciled', (o) => o.status?.observedGeneration === 1);
      expect(before.status!.healingSuggestions ?? []).toEqual([]);

      const second = await runJob('on-4-1-15', neu.baseUrl);
      expect(second.status!.outputs).toMatchObject({ flowName: 'Orders' });

      // The status as `kubectl get rpaworkflow -o yaml` shows it.
      const wf = await waitForObject(
        env,
        'RpaWorkflow',
        WF_NAME,
        'a suggestion for every healed step',
        (o) => (o.status?.healingSuggestions?.length ?? 0) >= Object.keys(HEALED).length,
        60_000,
      );
      const suggestions = wf.status!.healingSuggestions as HealingSuggestion[];
      expect(suggestions.map((s) => s.stepId).sort()).toEqual(Object.keys(HEALED).sort());
      process.stdout.write(`suggestions: ${JSON.stringify(suggestions.map((s) => [s.stepId, s.tier, s.suggested]))}\n`);

      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await openMainMenu(page, neu.baseUrl);
      for (const s of suggestions) {
        expect({ step: s.stepId, field: s.field, count: s.count }).toEqual({ step: s.stepId, field: 'target', count: 1 });
        expect(s.suggested).not.toEqual({ xpath: expect.any(String) });
        const found = plainLocator(page, s.suggested);
        expect({ step: s.stepId, suggested: s.suggested, matches: await found.count() }).toEqual({
          step: s.stepId,
          suggested: s.suggested,
          matches: 1,
        });
        const identity = await found.evaluate(menuEntryId);
        expect({ step: s.stepId, identity }).toEqual({ step: s.stepId, identity: HEALED[s.stepId] });
      }
    },
    LONG,
  );
});
