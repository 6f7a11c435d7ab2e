// healTarget in a real Chromium on pairs of the corpus (e2e/healing), plus in-page capture.
import { type Browser, type ElementHandle, type Page } from 'playwright-core';
import { casePage, loadCorpus, type CorpusCase } from '../../../e2e/healing/corpus.js';
import { captureTemplate, describeElement, healTarget, plainLocator, type HealableTarget } from './index.js';
import { launchChromium } from '../browser/chromium.js';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
});
afterAll(async () => {
  await browser?.close();
});

const corpus = loadCorpus();
const byId = (prefix: string): CorpusCase => {
  const c = corpus.find((x) => x.id.startsWith(prefix));
  if (!c) throw new Error(`no corpus case ${prefix}`);
  return c;
};

async function takeMark(): Promise<ElementHandle | null> {
  const h = await page.$('[data-heal-mark]');
  await h?.evaluate((el) => el.removeAttribute('data-heal-mark'));
  return h;
}

async function record(c: CorpusCase): Promise<HealableTarget> {
  await page.setContent(casePage(c, 'before'));
  const el = await takeMark();
  const fingerprint = await describeElement(el!);
  const target: HealableTarget = { css: '#gone', fingerprint };
  if (c.anchor) target.anchor = c.anchor;
  if (c.image) target.image = await captureTemplate(el!);
  return target;
}

describe('healTarget on corpus pairs', () => {
  it.each([
    ['001', 1], // login email: ids renamed, classes regenerated
    ['004', 1], // login password: ids removed, wrapped
    ['120', 2], // inventory rows reversed, identical: only the anchor row's test id tells them apart
    ['130', 3], // icon toolbar: names stripped, buttons reordered; only the picture is left
  ] as const)('case %s heals at tier %s onto the intended element', async (prefix, tier) => {
    const c = byId(prefix);
    expect(c.expect).toBe('heal');
    const target = await record(c);
    await page.setContent(casePage(c, 'after'));
    const expected = await takeMark();
    const r = await healTarget(page, target);
    expect(r.outcome).toBe('healed');
    expect(r.tier).toBe(tier);
    expect(await r.locator!.count()).toBe(1);
    expect(await r.locator!.evaluate((el, exp) => el === exp, expected)).toBe(true);
    if (r.suggestion) {
      // The suggested selector is verified unique and points at the same element.
      const l = plainLocator(page, r.suggestion.target);
      expect(await l.count()).toBe(1);
      expect(await l.evaluate((el, exp) => el === exp, expected)).toBe(true);
    }
  });

  it('suggests role+name for a healed button', async () => {
    const c = corpus.find((x) => x.template === 'login' && x.target === 'signin' && x.expect === 'heal')!;
    const target = await record(c);
    await page.setContent(casePage(c, 'after'));
    const r = await healTarget(page, target);
    expect(r.outcome).toBe('healed');
    expect(r.suggestion?.target).toEqual({ role: 'button', name: expect.any(String) });
    expect(r.suggestion!.fragility.score).toBeLessThan(0.3);
  });

  it.each(['012', '126', '144'])('case %s (target removed) abstains', async (prefix) => {
    const c = byId(prefix);
    expect(c.expect).toBe('abstain');
    const target = await record(c);
    await page.setContent(casePage(c, 'after'));
    const r = await healTarget(page, target);
    expect(r.outcome).toBe('abstained');
    expect(r.locator).toBeNull();
    expect(r.reason).toBeTruthy();
  });
});

describe('describeElement', () => {
  it('computes labels, accessible names, xpaths and neighbour texts in the page', async () => {
    await page.setContent(`<main id="app"><h1>Profile</h1>
      <div><label for="e">Email</label> <input id="e" name="email"></div>
      <div><span id="lbl">Nickname</span><input aria-labelledby="lbl" class="css-1x2y3z"></div>
      <label>City <input name="city"></label>
      <div style="display:flex;gap:8px"><button>Cancel</button><button data-testid="save" title="Save it">Save</button></div></main>`);
    const email = await describeElement(page.locator('input[name=email]'));
    expect(email).toMatchObject({
      tag: 'input',
      id: 'e',
      name: 'email',
      role: 'textbox',
      label: 'Email',
      accessibleName: 'Email',
      xpath: '/html/body/main/div[1]/input',
      idXpath: '//*[@id="e"]',
    });
    expect(email.neighborText?.left).toBe('Email');
    const nick = await describeElement(page.locator('input[aria-labelledby]'));
    expect(nick).toMatchObject({
      label: 'Nickname',
      accessibleName: 'Nickname',
      classes: ['css-1x2y3z'],
      idXpath: '//*[@id="app"]/div[2]/input',
    });
    expect((await describeElement(page.locator('input[name=city]'))).label).toBe('City');
    const save = await describeElement(page.getByTestId('save'));
    expect(save).toMatchObject({
      tag: 'button',
      role: 'button',
      accessibleName: 'Save',
      text: 'Save',
      title: 'Save it',
      attributes: { 'data-testid': 'save' },
    });
    expect(save.neighborText?.left).toBe('Cancel');
    expect(save.box!.width).toBeGreaterThan(0);
  });
});
