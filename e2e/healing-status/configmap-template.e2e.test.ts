// Issue 15: a step's `image.configMapKeyRef` template is read from a real ConfigMap through the real API
// server with a robot-like ServiceAccount (a Role with `get` on configmaps, as the chart's), and tier 3
// heals with it; `image.threshold` above the correlation the page allows makes tier 3 abstain.
// Real kube-apiserver, real PostgreSQL, real Chromium.
import { randomUUID } from 'node:crypto';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { type Browser, type Page } from 'playwright-core';
import { listHealingEvents } from '../../api/healing/sql.js';
import { createLogger } from '../../api/log.js';
import type { Target } from '../../api/v1alpha1/target.js';
import { migrate } from '../../migrations/index.js';
import { configMapTemplates } from '../../robot-image/src/agent/templates.js';
import { launchChromium } from '../../robot-image/src/browser/chromium.js';
import { createHealingResolver } from '../../robot-image/src/engine/healing-resolver.js';
import { Redactor } from '../../robot-image/src/engine/redact.js';
import type { HealNotice, ResolveContext, TargetResolver } from '../../robot-image/src/engine/targets.js';
import { captureTemplate } from '../../robot-image/src/healing/index.js';
import {
  deleteNamespace,
  ensureServiceAccount,
  freshNamespace,
  serviceAccountKubeConfig,
  testKubeConfig,
} from '../harness/kubeclient.js';
import { freshDatabase } from '../harness/testenv.js';

let kc: KubeConfig;
let ns: string;
let db: pg.Pool;
let browser: Browser;
let page: Page;
let resolve: TargetResolver;
const notices: HealNotice[] = [];
const WORKFLOW = 'toolbar';

// Icon buttons told apart only by their pictures; `stroke` redraws the cross a little thinner.
const toolbar = (order: string[], named: boolean, stroke = 4) => {
  const shapes: Record<string, string> = {
    circle: '<circle cx="12" cy="12" r="9" fill="#c22"/>',
    square: '<rect x="3" y="3" width="18" height="18" fill="#22c"/>',
    cross: `<path d="M4 4 L20 20 M20 4 L4 20" stroke="#282" stroke-width="${stroke}"/>`,
  };
  return `<!doctype html><body><div style="display:flex;gap:12px;padding:40px">${order
    .map(
      (s) =>
        `<button ${named ? `id="tool-${s}"` : ''} class="tool" style="width:44px;height:44px;background:#fff;border:1px solid #999"><svg width="24" height="24">${shapes[s]}</svg></button>`,
    )
    .join('')}</div></body>`;
};

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await freshNamespace(kc, 'tpl');
  // The robot's rights as the chart grants them: get (not list) ConfigMaps in its namespace.
  await ensureServiceAccount(kc, ns, 'robot');
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: ns,
    body: { metadata: { name: 'robot' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'robot' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'robot' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: ns }],
    },
  });
  const robot = await serviceAccountKubeConfig(kc, ns, 'robot');

  const url = await freshDatabase('healtpl');
  await migrate({ databaseUrl: url });
  db = new pg.Pool({ connectionString: url, max: 3 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  resolve = createHealingResolver({
    db,
    logger: createLogger({ name: 'healtpl', level: 'warn', destination: process.stderr }),
    templateImage: configMapTemplates(robot),
  });

  // The author's template: a picture of the cross button, kept in a ConfigMap.
  await page.setContent(toolbar(['circle', 'square', 'cross'], true));
  const { pngBase64 } = await captureTemplate(page.locator('#tool-cross'));
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'templates' }, binaryData: { cross: pngBase64! } },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await db?.end();
  if (ns) await deleteNamespace(kc, ns);
});

function ctx(stepPath: string): ResolveContext {
  return {
    stepPath,
    timeoutMs: 1_500,
    expect: 'one',
    job: {
      runUid: randomUUID(),
      workflow: { namespace: ns, name: WORKFLOW },
      redactor: new Redactor(),
      healed: new Map(),
      onHeal: (n) => notices.push(n),
    },
  };
}
const target = (threshold?: number, key = 'cross'): Target =>
  ({
    css: '#tool-cross',
    image: { configMapKeyRef: { name: 'templates', key }, ...(threshold !== undefined && { threshold }) },
  }) as Target;

describe('image.configMapKeyRef and image.threshold', () => {
  // The names are gone, the toolbar is reordered and the cross is drawn a little thinner.
  beforeEach(async () => {
    notices.length = 0;
    await page.setContent(toolbar(['cross', 'circle', 'square'], false, 3));
  });

  it('heals at tier 3 with the template read from the ConfigMap', async () => {
    const loc = await resolve(page, target(), ctx('remove'));
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['healed', 3]]);
    expect(await loc.evaluate((el) => el.querySelector('path') !== null)).toBe(true);
    // The thinner cross correlates well, but not perfectly, with the recorded one.
    expect(notices[0]!.score).toBeGreaterThan(0.85);
    expect(notices[0]!.score).toBeLessThan(0.995);
  });

  it('abstains at tier 3 when the threshold is above the correlation the page allows', async () => {
    await expect(resolve(page, target(0.995), ctx('remove-strict'))).rejects.toThrow(/tier 3: template not found/);
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['abstained', null]]);
    const events = await listHealingEvents(db, { workflow: { namespace: ns, name: WORKFLOW } });
    expect(events.at(-1)).toMatchObject({
      stepId: 'remove-strict',
      outcome: 'abstained',
      reason: expect.stringMatching(/tier 3: template not found/),
    });
  });

  it('says which ConfigMap key is missing when the template cannot be read', async () => {
    await expect(resolve(page, target(undefined, 'nope'), ctx('remove-missing'))).rejects.toThrow(
      new RegExp(`tier 3: ConfigMap ${ns}/templates has no key "nope"`),
    );
  });
});
