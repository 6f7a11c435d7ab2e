// Tier 2 with the anchors the robot recorded by itself, in a real Chromium, on the shape Verdaccio 4 -> 6
// took (e2e/healing/real/apps/verdaccio.ts): a list of clickable install rows (div role=button with a
// package-manager icon and the command) became plain <li> rows, each an icon box, the command and a
// copy button. The row itself is no candidate any more (no control, not a div), so whatever stands at
// the recorded offset from the anchor is the icon box, which says nothing and is no control: taking
// it would be a heal on nothing but its place (on the real page a layout change put another row's icon
// there), so tier 2 abstains.
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { anchorsFoundAgain, chooseAnchors, describeWithAids, healTarget, MAX_ANCHORS } from './index.js';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
});
afterAll(async () => {
  await browser?.close();
});

const MANAGERS = ['npm', 'yarn', 'pnpm'];
const ROW = 'display:flex;align-items:flex-start;height:68px;width:360px;margin:0;padding:0';
const ICON = 'width:40px;height:40px;flex:none';

const before = `<h2 style="margin:0 0 10px">Installation</h2><div>${MANAGERS.map(
  (m) =>
    `<div role="button" tabindex="0" data-testid="installListItem-${m}" style="${ROW};cursor:pointer">` +
    `<div style="${ICON}"><img alt="${m}" width="40" height="40"></div>` +
    `<div><span>${m} install order-client</span><button title="Copy to clipboard">copy</button><p style="margin:0">Install using ${m}</p></div></div>`,
).join('')}</div>`;

const after = `<h2 style="margin:0 0 10px">Installation</h2><ul style="margin:0;padding:0;list-style:none">${MANAGERS.map(
  (m) =>
    `<li data-testid="installListItem-${m}" style="${ROW}">` +
    `<div style="${ICON}"><img alt="${m} package manager" width="20" height="20"></div>` +
    `<div><span>${m} install order-client@2.3.1</span><button aria-label="${m} install order-client@2.3.1">` +
    `<svg width="20" height="20"><rect width="20" height="20"/></svg></button></div></li>`,
).join('')}</ul>`;

/** The robot's record of the pnpm row on the old page: its descriptor and the anchors found again. */
async function recordPnpmRow() {
  await page.setContent(before);
  const { descriptor, aids } = await describeWithAids(page.getByTestId('installListItem-pnpm'));
  const proposed = chooseAnchors(descriptor.box!, aids.anchors, MAX_ANCHORS + 2);
  return { descriptor, anchors: await anchorsFoundAgain(page, proposed, descriptor.box!) };
}

it('tier 2 takes no silent non-control (an icon box) at the recorded offset in place of a named control', async () => {
  const { descriptor, anchors } = await recordPnpmRow();
  expect(anchors.map((a) => a.target)).toContainEqual({ role: 'heading', name: 'Installation', exact: true });

  await page.setContent(after);
  // The icon box of the pnpm row stands exactly where the recorded row stood relative to the heading.
  const icon = await page.locator('[data-testid=installListItem-pnpm] > div').first().boundingBox();
  expect(icon).toMatchObject({ x: descriptor.box!.x, y: descriptor.box!.y });
  const r = await healTarget(page, { css: '#gone' }, descriptor, { recorded: { anchors }, suggest: false, tiers: [2] });
  expect(r.locator).toBeNull();
  expect(r.reason).toMatch(/^tier 2: no recorded anchor found the element/);
});

it('tier 2 still heals a named control that became an icon button of the same kind', async () => {
  const { descriptor, anchors } = await recordPnpmRow();
  // The row is now an unnamed button in the same place (its icon only).
  await page.setContent(
    before.replace(
      /<div role="button"([^>]*data-testid="installListItem-pnpm"[^>]*)>.*?<\/div><\/div>/,
      (_m, attrs: string) =>
        `<div role="button"${attrs.replace(/ data-testid="[^"]*"/, ' id="healed"')}><div style="${ICON}"><img alt="" width="40" height="40"></div></div>`,
    ),
  );
  expect(await page.locator('#healed').count()).toBe(1);
  const r = await healTarget(page, { css: '#gone' }, descriptor, { recorded: { anchors }, suggest: false, tiers: [2] });
  expect(r.tier).toBe(2);
  expect(await r.locator!.getAttribute('id')).toBe('healed');
});
