// Issue 15 in a real Chromium: candidates inside same-origin iframes and open shadow roots are found,
// described with a locator that reaches them, and healed; the page reports the anchor candidates and
// picture safety the robot records automatically.
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import {
  captureTemplate,
  chooseAnchors,
  collectCandidates,
  describeElement,
  describeWithAids,
  healTarget,
  hintFor,
  locatorOf,
} from './index.js';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
});
afterAll(async () => {
  await browser?.close();
});

const framed = (inner: string) =>
  `<h1>Checkout</h1><p>Pay below.</p><iframe style="margin-left:40px;border:2px solid #ccc" width="600" height="300" srcdoc="${inner.replace(/"/g, '&quot;')}"></iframe>`;

// A fresh document each time: a custom element name can be defined once per window.
async function shadowPage(html: string): Promise<void> {
  await page.goto('about:blank');
  await page.setContent(`<h1>Settings</h1><x-panel></x-panel>
<script>customElements.define('x-panel', class extends HTMLElement { constructor() { super();
  this.attachShadow({ mode: 'open' }).innerHTML = '${html}'; } });</script>`);
  await page.waitForFunction(() => document.querySelector('x-panel')?.shadowRoot?.querySelector('button'));
}

describe('same-origin iframes', () => {
  it('collects elements inside the iframe with top-document boxes, and heals a target there', async () => {
    await page.setContent(
      framed(
        `<form><label for="card">Card number</label> <input id="card" class="f-1" name="card"><button id="pay">Pay now</button></form>`,
      ),
    );
    const frame = page.frameLocator('iframe');
    const recorded = await describeElement(frame.locator('#card'));
    expect(recorded.frame).toEqual(['xpath=/html/body/iframe']);
    expect(recorded.label).toBe('Card number');
    // Box in the top document: the iframe's offset (40 px margin + 2 px border + body margin) is added.
    const inner = await frame.locator('#card').boundingBox();
    expect(recorded.box!.x).toBe(Math.round(inner!.x));
    expect(recorded.box!.x).toBeGreaterThan(40);

    await page.setContent(
      framed(
        `<div class="w"><form><label for="c-77">Card number</label> <input id="c-77" class="x-9" name="card"></form><button>Pay now</button></div>`,
      ),
    );
    const candidates = await collectCandidates(page, hintFor(recorded));
    expect(candidates.some((c) => c.frame?.[0] === 'xpath=/html/body/iframe' && c.name === 'card')).toBe(true);
    const r = await healTarget(page, { css: '#card' }, recorded);
    expect(r).toMatchObject({ outcome: 'healed', tier: 1 });
    await r.locator!.fill('4111');
    expect(await frame.locator('#c-77').inputValue()).toBe('4111');
  });
});

describe('automatic anchors inside an iframe', () => {
  const form = (button: (s: string) => string) =>
    framed(
      ['Profile', 'Billing']
        .map((s) => `<section style="height:120px"><h2>${s}</h2><p>Changes apply at once.</p>${button(s)}</section>`)
        .join(''),
    );
  it('are recorded with their frame and heal at tier 2 there', async () => {
    await page.setContent(form((s) => `<button id="${s}">Save ${s}</button>`));
    const el = page.frameLocator('iframe').locator('#Profile');
    const { descriptor, aids } = await describeWithAids(el);
    const anchors = chooseAnchors(descriptor.box!, aids.anchors);
    expect(anchors).toEqual([
      expect.objectContaining({
        source: 'heading',
        target: { role: 'heading', name: 'Profile', exact: true },
        frame: ['xpath=/html/body/iframe'],
      }),
    ]);
    await page.setContent(
      form(() => `<button class="x"><svg width="16" height="16"><circle cx="8" cy="8" r="6"/></svg></button>`),
    );
    const r = await healTarget(page, { css: '#Profile' }, descriptor, { recorded: { anchors } });
    expect(r).toMatchObject({ outcome: 'healed', tier: 2 });
    expect(await r.locator!.evaluate((b) => b.closest('section')!.querySelector('h2')!.textContent)).toBe('Profile');
  });
});

describe('open shadow roots', () => {
  it('collects elements inside a shadow root with a deep CSS path, and heals a target there', async () => {
    await shadowPage(`<div><button id="save" class="b1">Save settings</button><button id="reset">Reset</button></div>`);
    const recorded = await describeElement(page.locator('#save'));
    expect(recorded.deepCss).toBe(
      'html > body:nth-of-type(1) > x-panel:nth-of-type(1) > div:nth-of-type(1) > button:nth-of-type(1)',
    );
    expect(recorded.xpath).toBe('/html/body/x-panel/shadow()/div/button[1]');
    expect(await locatorOf(page, recorded).count()).toBe(1);

    await shadowPage(
      `<section><button id="rst" class="q">Reset</button><span><button id="sv-2" class="zz">Save settings</button></span></section>`,
    );
    const r = await healTarget(page, { css: '#save' }, recorded);
    expect(r).toMatchObject({ outcome: 'healed', tier: 1 });
    expect(await r.locator!.evaluate((el) => el.id)).toBe('sv-2');
    // The healed element's own descriptor reaches it again.
    expect(await locatorOf(page, r.descriptor!).evaluate((el) => el.id)).toBe('sv-2');
  });
});

describe('tier 3 inside iframes and shadow roots', () => {
  const SHAPES: Record<string, string> = {
    circle: '<circle cx="12" cy="12" r="9" fill="#c22"/>',
    square: '<rect x="3" y="3" width="18" height="18" fill="#22c"/>',
    cross: '<path d="M4 4 L20 20 M20 4 L4 20" stroke="#282" stroke-width="4"/>',
  };
  const tools = (order: string[], named: boolean) =>
    `<div style="display:flex;gap:12px;padding:20px">${order
      .map(
        (s) =>
          `<button ${named ? `id="t-${s}" aria-label="${s}"` : ''} style="width:44px;height:44px;background:#fff;border:1px solid #999"><svg width="24" height="24">${SHAPES[s]}</svg></button>`,
      )
      .join('')}</div>`;

  it('finds the picture inside a same-origin iframe and returns a locator into it', async () => {
    await page.setContent(framed(tools(['circle', 'square', 'cross'], true)));
    const image = await captureTemplate(page.frameLocator('iframe').locator('#t-cross'));
    await page.setContent(framed(tools(['cross', 'square', 'circle'], false)));
    const r = await healTarget(page, { css: '#t-cross', image });
    expect(r).toMatchObject({ outcome: 'healed', tier: 3 });
    expect(r.descriptor!.frame).toEqual(['xpath=/html/body/iframe']);
    expect(await r.locator!.evaluate((el) => el.querySelector('path') !== null)).toBe(true);
  });

  it('finds the picture inside an open shadow root', async () => {
    await shadowPage(tools(['circle', 'square', 'cross'], true));
    const image = await captureTemplate(page.locator('#t-cross'));
    await shadowPage(tools(['square', 'cross', 'circle'], false));
    const r = await healTarget(page, { css: '#t-cross', image });
    expect(r).toMatchObject({ outcome: 'healed', tier: 3 });
    expect(r.descriptor!.deepCss).toContain('x-panel');
    expect(await r.locator!.evaluate((el) => el.querySelector('rect') !== null)).toBe(false);
    expect(await r.locator!.evaluate((el) => el.querySelector('path') !== null)).toBe(true);
  });
});

describe('aids the page reports for automatic anchors and templates', () => {
  it('reports the label, fieldset legend, nearest heading and landmark of a field, and no picture of a filled one', async () => {
    await page.setContent(`<h2>Shipping</h2><section aria-label="Address form"><fieldset><legend>Destination</legend>
      <label for="zip">Postcode</label> <input id="zip" name="zip"></fieldset></section>`);
    const { descriptor, aids } = await describeWithAids(page.locator('#zip'));
    expect(aids.anchors.map((a) => [a.source, a.text])).toEqual([
      ['label', 'Postcode'],
      ['legend', 'Destination'],
      ['heading', 'Shipping'],
      ['landmark', 'Address form'],
    ]);
    expect(aids).toMatchObject({ imageSafe: true, inViewport: true });
    const chosen = chooseAnchors(descriptor.box!, aids.anchors);
    expect(chosen[0]).toMatchObject({
      source: 'label',
      target: { text: 'Postcode', exact: true },
      relation: 'rightOf',
    });
    expect(chosen.map((a) => a.source)).toEqual(['label', 'heading', 'legend']);
    await page.locator('#zip').fill('SW1A 1AA');
    expect((await describeWithAids(page.locator('#zip'))).aids.imageSafe).toBe(false);
  });

  it('reports the column header of a cell’s button', async () => {
    await page.setContent(`<table><thead><tr><th>Order</th><th>Actions</th></tr></thead>
      <tbody><tr><td>A-1</td><td><button>Edit</button></td></tr><tr><td>A-2</td><td><button id="t">Edit</button></td></tr></tbody></table>`);
    const { aids } = await describeWithAids(page.locator('#t'));
    expect(aids.anchors.find((a) => a.source === 'columnheader')).toMatchObject({
      text: 'Actions',
      role: 'columnheader',
    });
  });
});
