import { chromium } from 'playwright-core';
import { collectCandidates, describeElement, hintFor } from '../../robot-image/src/healing/capture.js';
import { rankCandidates } from '../../robot-image/src/healing/index.js';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const page = await browser.newPage();
await page.setContent(`<main><h1>Checkout</h1><form id="checkout"><label>Email <input name="email" placeholder="you@x.com"></label>
<div><label for="pw">Password</label><input id="pw" type="password"></div><p>Total: $42</p><div><button type="button" class="btn css-1abcde">Cancel</button><button id="go" class="btn primary">Place order</button></div></form></main>`);
const d = await describeElement(page.locator('#go'));
console.log(JSON.stringify(d, null, 1));
console.log(JSON.stringify(await describeElement(page.locator('input[name=email]'))));
await page.setContent(`<main><h1>Checkout</h1><form id="checkout"><label>Email <input name="email" placeholder="you@x.com"></label>
<div><label for="pw">Password</label><input id="pw" type="password"></div><p>Total: $42</p><div><div><button type="button" class="btn css-1abcde">Cancel</button><button id="submit-order" class="btn primary">Place your order</button></div></div></form></main>`);
const t0 = performance.now();
const cands = await collectCandidates(page, hintFor(d));
const r = rankCandidates(d, cands);
console.log(performance.now() - t0, cands.length, r, cands[r.choice ?? 0]?.xpath);
await browser.close();
