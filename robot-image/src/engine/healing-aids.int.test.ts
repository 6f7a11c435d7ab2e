// Issue 15 through the healing resolver: a job's first run records anchors and a template with each
// element by itself; when the page changes so that tier 1 abstains, tier 2 heals from a recorded anchor
// and tier 3 from the recorded template; targets inside a same-origin iframe and an open shadow root
// are healed; a masked step records nothing. Real Chromium, real PostgreSQL.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type Browser, type Page } from 'playwright-core';
import { getElementDescriptor, listHealingEvents } from '../../../api/healing/sql.js';
import { createLogger } from '../../../api/log.js';
import type { Target } from '../../../api/v1alpha1/target.js';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import { migrate } from '../../../migrations/index.js';
import { launchChromium } from '../browser/chromium.js';
import { createHealingResolver } from './healing-resolver.js';
import { Redactor } from './redact.js';
import type { HealNotice, ResolveContext, TargetResolver } from './targets.js';

let db: pg.Pool;
let browser: Browser;
let page: Page;
let resolve: TargetResolver;
const namespace = 'team-aids';

beforeAll(async () => {
  const url = await freshDatabase('healaids');
  await migrate({ databaseUrl: url });
  db = new pg.Pool({ connectionString: url, max: 3 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  resolve = createHealingResolver({
    db,
    logger: createLogger({ name: 'healaids', level: 'warn', destination: process.stderr }),
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await db?.end();
});

const notices: HealNotice[] = [];
function ctx(
  workflow: string,
  stepPath: string,
  extra: Partial<ResolveContext> = {},
  redactor = new Redactor(),
): ResolveContext {
  return {
    stepPath,
    // Healing starts after a quarter of this with no match (healAfterMs): on a loaded machine an element
    // already on the page can take longer than 500 ms to count, and a first run would then not record it.
    timeoutMs: 6_000,
    expect: 'one',
    job: {
      runUid: randomUUID(),
      workflow: { namespace, name: workflow },
      redactor,
      healed: new Map(),
      onHeal: (n) => notices.push(n),
    },
    ...extra,
  };
}
const record = (workflow: string, stepPath: string) =>
  getElementDescriptor(db, { workflow: { namespace, name: workflow }, stepPath });

// Two sections alike but for their headings; the nearest text around each button is the same.
const sections = (
  button: (section: string) => string,
  top = 0,
) => `<!doctype html><body style="margin:0;padding-top:${top}px">
<h1>Settings</h1>
${['Profile', 'Billing']
  .map(
    (s) => `<section style="height:160px"><h2>${s}</h2><p>Changes apply at once.</p>
  <div>${button(s)}</div><p>Last changed today.</p></section>`,
  )
  .join('\n')}</body>`;
const ICON = `<svg width="16" height="16"><circle cx="8" cy="8" r="6"/></svg>`;

describe('automatic anchors (tier 2)', () => {
  const target: Target = { css: '#save-profile' };
  it('a first run records the element with anchors and a template', async () => {
    await page.setContent(
      sections((s) =>
        s === 'Profile'
          ? `<button id="save-profile" class="btn primary">Save profile</button>`
          : `<button class="btn">Save billing</button>`,
      ),
    );
    const loc = await resolve(page, target, ctx('anchors', 'save'));
    expect(await loc.count()).toBe(1);
    const row = await record('anchors', 'save');
    expect(row!.descriptor).toMatchObject({ tag: 'button', id: 'save-profile', text: 'Save profile' });
    expect(row!.anchors).toEqual([
      expect.objectContaining({
        source: 'heading',
        target: { role: 'heading', name: 'Profile', exact: true },
        relation: 'below',
      }),
      expect.objectContaining({
        source: 'heading',
        target: { role: 'heading', name: 'Settings', exact: true },
        relation: 'below',
      }),
    ]);
    expect(row!.template!.png.subarray(1, 4).toString()).toBe('PNG');
    expect(row!.template!.box).toEqual((row!.descriptor as { box: unknown }).box);
    // The picture shows the button with what stands around it; the focus marks the button in it.
    const box = (row!.descriptor as { box: { width: number; height: number } }).box;
    expect(row!.template!.focus).toMatchObject({ width: box.width, height: box.height });
    expect(row!.template!.focus!.y).toBeGreaterThan(0); // the button stands at the left edge, text above it
  });

  it('heals at tier 2 when the button lost its text, id and classes and a look-alike exists', async () => {
    // Both buttons now show the same icon only, and the page moved down: tier 1 cannot tell them apart.
    await page.setContent(sections(() => `<button class="c-x1">${ICON}</button>`, 90));
    notices.length = 0;
    const loc = await resolve(page, target, ctx('anchors', 'save'));
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['healed', 2]]);
    // The Profile section's button, not the look-alike below the Billing heading.
    expect(await loc.evaluate((el) => el.closest('section')!.querySelector('h2')!.textContent)).toBe('Profile');
    const events = await listHealingEvents(db, { workflow: { namespace, name: 'anchors' } });
    expect(events.map((e) => [e.stepId, e.outcome, e.tier])).toEqual([['save', 'healed', 2]]);
  });
});

describe('automatic anchors never guess', () => {
  const named = (s: string) =>
    s === 'Profile'
      ? `<button id="save-profile" class="btn primary">Save profile</button>`
      : `<button class="btn">Save billing</button>`;

  it('abstains when the button is gone and only a look-alike in another section is left', async () => {
    const target: Target = { css: '#save-profile' };
    await page.setContent(sections(named));
    await resolve(page, target, ctx('gone', 'save'));
    expect((await record('gone', 'save'))!.anchors).toHaveLength(2);
    // The Profile button is removed; the Billing one lost its text like in the tier-2 case.
    await page.setContent(sections((s) => (s === 'Billing' ? `<button class="c-x1">${ICON}</button>` : ''), 90));
    notices.length = 0;
    await expect(resolve(page, target, ctx('gone', 'save'))).rejects.toThrow(/healing abstained/);
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['abstained', null]]);
  });

  it('abstains when another button took the place of the recorded one', async () => {
    const target: Target = { css: '#save-profile' };
    await page.setContent(sections(named));
    await resolve(page, target, ctx('replaced', 'save'));
    expect((await record('replaced', 'save'))!.anchors).toHaveLength(2);
    // Same place, same look, but it says something else: no anchor may pick it.
    await page.setContent(
      sections((s) => `<button class="c-x1">${s === 'Profile' ? 'Delete account' : ICON}</button>`),
    );
    notices.length = 0;
    await expect(resolve(page, target, ctx('replaced', 'save'))).rejects.toThrow(/healing abstained/);
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['abstained', null]]);
  });
});

// A toolbar of icon buttons told apart only by their pictures.
const SHAPES: Record<string, string> = {
  circle: '<circle cx="12" cy="12" r="9" fill="#c22"/>',
  square: '<rect x="3" y="3" width="18" height="18" fill="#22c"/>',
  cross: '<path d="M4 4 L20 20 M20 4 L4 20" stroke="#282" stroke-width="4"/>',
};
const toolbar = (
  order: string[],
  named: boolean,
) => `<!doctype html><body><div style="display:flex;gap:12px;padding:40px">
${order
  .map(
    (s) =>
      `<button ${named ? `id="tool-${s}" aria-label="${s}"` : ''} class="tool" style="width:44px;height:44px;background:#fff;border:1px solid #999"><svg width="24" height="24">${SHAPES[s]}</svg></button>`,
  )
  .join('')}</div></body>`;

describe('automatic template (tier 3)', () => {
  const target: Target = { css: '#tool-cross' };
  it('heals at tier 3 from the recorded picture when names are gone and the toolbar is reordered', async () => {
    await page.setContent(toolbar(['circle', 'square', 'cross'], true));
    await resolve(page, target, ctx('toolbar', 'remove'));
    const row = await record('toolbar', 'remove');
    expect(row!.anchors).toEqual([]);
    expect(row!.template).not.toBeNull();

    await page.setContent(toolbar(['cross', 'circle', 'square'], false));
    notices.length = 0;
    const loc = await resolve(page, target, ctx('toolbar', 'remove'));
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['healed', 3]]);
    expect(await loc.evaluate((el) => el.querySelector('path') !== null)).toBe(true);
  });
});

describe('frames and shadow roots through the resolver', () => {
  it('heals a target whose form moved into a same-origin iframe', async () => {
    await page.setContent(
      `<h1>Checkout</h1><form><label for="card">Card number</label> <input id="card" name="card" class="f1"></form>`,
    );
    const target: Target = { css: '#card' };
    await resolve(page, target, ctx('frame', 'card'));
    expect((await record('frame', 'card'))!.descriptor).toMatchObject({ id: 'card', label: 'Card number' });

    const inner = `<form><label for="c-81">Card number</label> <input id="c-81" name="card" class="z9"></form>`;
    await page.setContent(
      `<h1>Checkout</h1><iframe width="600" height="200" srcdoc="${inner.replace(/"/g, '&quot;')}"></iframe>`,
    );
    await page.frameLocator('iframe').locator('#c-81').waitFor();
    notices.length = 0;
    const loc = await resolve(page, target, ctx('frame', 'card'));
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['healed', 1]]);
    await loc.fill('4111 1111');
    expect(await page.frameLocator('iframe').locator('#c-81').inputValue()).toBe('4111 1111');
  });

  it('heals a target inside an open shadow root', async () => {
    const panel = async (html: string) => {
      await page.goto('about:blank');
      await page.setContent(`<h1>Settings</h1><x-panel></x-panel><script>customElements.define('x-panel', class extends HTMLElement {
        constructor() { super(); this.attachShadow({ mode: 'open' }).innerHTML = '${html}'; } });</script>`);
      await page.waitForFunction(() => document.querySelector('x-panel')?.shadowRoot?.querySelector('button'));
    };
    await panel(`<div><button id="save" class="b1">Save settings</button> <button id="reset">Reset</button></div>`);
    const target: Target = { css: '#save' };
    await resolve(page, target, ctx('shadow', 'save'));
    expect((await record('shadow', 'save'))!.descriptor).toMatchObject({
      id: 'save',
      deepCss: expect.stringContaining('x-panel'),
    });

    await panel(
      `<section><button id="rst">Reset</button> <span><button id="s-2" class="q7">Save settings</button></span></section>`,
    );
    notices.length = 0;
    const loc = await resolve(page, target, ctx('shadow', 'save'));
    expect(notices.map((n) => [n.outcome, n.tier])).toEqual([['healed', 1]]);
    expect(await loc.evaluate((el) => el.id)).toBe('s-2');
  });
});

describe('masked steps', () => {
  it('record neither a descriptor nor an image', async () => {
    await page.setContent(`<label for="t">Token</label> <input id="t" value="">`);
    await resolve(page, { css: '#t' }, ctx('masked', 'token', { masked: true }));
    expect(await record('masked', 'token')).toBeNull();
  });

  it('an element whose anchors show a masked value is not recorded', async () => {
    await page.setContent(`<h2>Account ACC-77-QX-ZZ</h2><button id="go">Continue</button>`);
    const redactor = new Redactor();
    redactor.addValue('ACC-77-QX-ZZ');
    await resolve(page, { css: '#go' }, ctx('masked', 'go', {}, redactor));
    expect(await record('masked', 'go')).toBeNull();
    // The same page without the masked value is recorded, with the heading as its anchor.
    await resolve(page, { css: '#go' }, ctx('masked', 'go'));
    expect((await record('masked', 'go'))!.anchors).toEqual([expect.objectContaining({ source: 'heading' })]);
  });
});

describe('a slow page is not a changed one', () => {
  it('an element that shows up while healing looks is the answer: no heal, no healing event', async () => {
    const target: Target = { css: '#save-late' };
    const late = `<button id="save-late" class="btn primary">Save profile</button>`;
    const billing = `<button class="btn">Save billing</button>`;
    await page.setContent(sections((s) => (s === 'Profile' ? late : billing)));
    await resolve(page, target, ctx('late', 'save'));
    expect(await record('late', 'save')).not.toBeNull();

    // The next run: the button is not there when the step starts; it comes the moment healing first
    // reads the page's layout (as a slow page's script would), before any tier has answered.
    await page.setContent(sections((s) => (s === 'Profile' ? `<span id="slot"></span>` : billing)));
    await page.evaluate((html) => {
      const rect = Element.prototype.getBoundingClientRect;
      Element.prototype.getBoundingClientRect = function (this: Element) {
        Element.prototype.getBoundingClientRect = rect;
        document.getElementById('slot')!.outerHTML = html;
        return rect.call(this);
      };
    }, late);
    notices.length = 0;
    const loc = await resolve(page, target, ctx('late', 'save'));
    expect(await loc.evaluate((el) => el.id)).toBe('save-late');
    expect(notices).toEqual([]);
    expect(await listHealingEvents(db, { workflow: { namespace, name: 'late' } })).toEqual([]);
  });
});
