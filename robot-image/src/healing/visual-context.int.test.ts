// Tier 3 among identical elements (issue 15): the robot's own template shows the element with its
// surroundings, so a row's "Edit" button is found by the row it stands in when every row's button looks
// the same and nothing else tells them apart — but only when the screen showed every look-alike (one
// scrolled away or clipped by a scrolling box might be the recorded one). Real Chromium.
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { captureRecordedTemplate, describeWithAids, healTarget } from './index.js';
import { decodePngGray } from './png.js';
import type { ElementDescriptor, ImageTemplate } from './types.js';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
});
afterAll(async () => {
  await browser?.close();
});

// A list of people, one identical "Edit" button per row; v1 gives each button an id.
const people = (
  names: string[],
  opts: { ids?: boolean; scroller?: boolean; rowHeight?: number } = {},
) => `<!doctype html>
<body style="margin:0;font:16px sans-serif">
<h1 style="margin:8px">Team</h1>
<div style="${opts.scroller ? 'height:130px;overflow:auto' : ''}">
${names
  .map(
    (n, i) => `<div class="row" style="display:flex;align-items:center;height:${opts.rowHeight ?? 40}px;padding:0 8px">
  <span style="width:140px;font-weight:bold">${n}</span>
  <button class="edit"${opts.ids ? ` id="edit-${n.toLowerCase()}-${i}"` : ''} style="width:70px;height:28px">Edit</button></div>`,
  )
  .join('\n')}
</div></body>`;

const broken = { css: '#aether-selector-that-broke' };
let recorded: { descriptor: ElementDescriptor; image: ImageTemplate };

async function heal() {
  await page.evaluate(() => window.scrollTo(0, 0));
  return healTarget(page, broken, recorded.descriptor, {
    recorded: { image: recorded.image },
    suggest: false,
    tiers: [3],
  });
}
const rowOf = (r: Awaited<ReturnType<typeof heal>>) =>
  r.locator!.evaluate((el) => el.closest('.row')!.querySelector('span')!.textContent);

beforeAll(async () => {
  await page.setContent(people(['Alice', 'Bob', 'Carol', 'Dave'], { ids: true }));
  const el = await page.locator('#edit-bob-1').elementHandle();
  const { descriptor } = await describeWithAids(el!);
  const image = await captureRecordedTemplate(page, descriptor.box!);
  recorded = { descriptor, image: image! };
});

it('records the element with its surroundings and marks the element in the picture', () => {
  const { image, descriptor } = recorded;
  const picture = decodePngGray(Buffer.from(image.pngBase64!, 'base64'));
  expect(picture.width).toBeGreaterThan(descriptor.box!.width + 100);
  expect(image.focus).toMatchObject({ width: descriptor.box!.width, height: descriptor.box!.height });
  // The row's name lies left of the button, inside the picture.
  expect(image.focus!.x).toBeGreaterThanOrEqual(140);
});

it('finds the button of the recorded row among identical buttons when the rows are reordered', async () => {
  await page.setContent(people(['Carol', 'Dave', 'Bob', 'Alice']));
  const r = await heal();
  expect(r.reason).toBeUndefined();
  expect(r.tier).toBe(3);
  expect(await rowOf(r)).toBe('Bob');
});

it('abstains when the element alone is all it has: identical buttons cannot be told apart', async () => {
  await page.setContent(people(['Carol', 'Dave', 'Bob', 'Alice']));
  const { focus: _f, ...whole } = recorded.image;
  // The picture without its focus is taken for the element itself: a match, but one of four look-alikes.
  const r = await healTarget(page, broken, recorded.descriptor, {
    recorded: { image: whole },
    suggest: false,
    tiers: [3],
  });
  expect(r.locator).toBeNull();
  expect(r.reason).toMatch(/template not found \(or not unique\)|4 elements on the page look like the match/);
});

it('abstains when two rows look the same with their surroundings', async () => {
  await page.setContent(people(['Carol', 'Bob', 'Dave', 'Bob']));
  const r = await heal();
  expect(r.locator).toBeNull();
  expect(r.reason).toMatch(/with its surroundings: 4 places match, surroundings too alike/);
});

it('finds the row below the fold: a page of moderate length is searched whole', async () => {
  const many = [...Array.from({ length: 24 }, (_, i) => `Person ${i}`), 'Bob', 'Zoe'];
  await page.setContent(people(many));
  const r = await heal();
  expect(r.reason).toBeUndefined();
  expect(await rowOf(r)).toBe('Bob');
});

it('abstains when look-alikes lie beyond the screen of a page too long to search whole', async () => {
  // 30 rows of 250 px: longer than WHOLE_PAGE_MAX_HEIGHT, so only the viewport is searched.
  const many = ['Bob', ...Array.from({ length: 29 }, (_, i) => `Person ${i}`)];
  await page.setContent(people(many, { rowHeight: 250 }));
  const r = await heal();
  expect(r.locator).toBeNull();
  expect(r.reason).toMatch(/30 elements on the page look like the match, \d+ of them out of sight/);
});

it('abstains when look-alikes are clipped by a scrolling box', async () => {
  await page.setContent(people(['Alice', 'Bob', 'Carol', 'Dave', 'Erin'], { scroller: true }));
  const r = await heal();
  expect(r.locator).toBeNull();
  expect(r.reason).toMatch(/5 elements on the page look like the match, [1-9] of them out of sight/);
});

it('finds an element that is no control inside one (a badge in a button), not the button around it', async () => {
  const op = (id: boolean) => `<!doctype html><body style="margin:20px;font:16px sans-serif">
<button style="padding:6px 12px"><span${id ? ' id="verb"' : ''} style="background:#186;color:#fff;padding:2px 8px;border-radius:3px">POST</span> /pets/{id}/upload</button></body>`;
  await page.setContent(op(true));
  const el = await page.locator('#verb').elementHandle();
  const { descriptor } = await describeWithAids(el!);
  const image = await captureRecordedTemplate(page, descriptor.box!);
  await page.setContent(op(false));
  const r = await healTarget(page, broken, descriptor, { recorded: { image: image! }, suggest: false, tiers: [3] });
  expect(r.reason).toBeUndefined();
  expect(await r.locator!.evaluate((e) => `${e.localName} ${e.textContent}`)).toBe('span POST');
});

describe('surroundings that could show a secret are not pictured (the element alone is)', () => {
  const form = (value: string, extra = '') => `<!doctype html><body style="margin:20px;font:16px sans-serif">
<label>Account <input id="account" value="${value}" style="width:120px"></label> <button id="go">Sign in</button>${extra}</body>`;
  async function recordGo() {
    const el = await page.locator('#go').elementHandle();
    const { descriptor } = await describeWithAids(el!);
    return {
      descriptor,
      image: (await captureRecordedTemplate(page, descriptor.box!, { refuseText: (t) => t.includes('s3cr3t') }))!,
    };
  }

  it('pictures the surroundings when the field beside the button is empty', async () => {
    await page.setContent(form(''));
    expect((await recordGo()).image.focus).toBeDefined();
  });

  it('pictures only the button when the field beside it holds a value', async () => {
    await page.setContent(form('alice@example.org'));
    const { image, descriptor } = await recordGo();
    expect(image.focus).toBeUndefined();
    const picture = decodePngGray(Buffer.from(image.pngBase64!, 'base64'));
    expect(picture.width).toBe(Math.round(descriptor.box!.width));
  });

  it('pictures only the button when a text beside it is one the job refuses (a secret it holds)', async () => {
    await page.setContent(form('', ' <span>token s3cr3t</span>'));
    expect((await recordGo()).image.focus).toBeUndefined();
  });

  it('pictures only the button when a frame stands beside it (its fields are not looked into)', async () => {
    await page.setContent(form('', '<iframe srcdoc="<input value=x>" style="width:80px;height:30px"></iframe>'));
    expect((await recordGo()).image.focus).toBeUndefined();
  });
});
