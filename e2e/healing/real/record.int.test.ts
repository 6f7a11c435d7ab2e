// Re-records one application live (real Chromium, the pinned packages from the cache, fetched if
// absent) and checks the committed ground truth still holds: same cases, same expected candidate.
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../robot-image/src/browser/chromium.js';
import { jsoneditor } from './apps/jsoneditor.js';
import { loadRealCorpusFiles } from './corpus.js';
import { recordApp } from './recorder.js';
import type { RealCorpusFile } from './types.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

it('re-recording jsoneditor 5 -> 10 (tree screen) reproduces the committed cases', async () => {
  const committed = loadRealCorpusFiles().find((f) => f.app === 'jsoneditor')!;
  const fresh: RealCorpusFile = await recordApp(browser, jsoneditor, { screens: ['tree'] });
  expect(fresh.oldVersion).toBe(committed.oldVersion);
  expect(fresh.newVersion).toBe(committed.newVersion);

  const page = (f: RealCorpusFile) => f.pages.find((p) => p.id === 'tree')!.candidates;
  const was = committed.cases.filter((c) => c.page === 'tree');
  const now = new Map(fresh.cases.map((c) => [c.id, c]));
  expect(was.length).toBeGreaterThanOrEqual(50);
  expect(fresh.cases.length).toBe(was.length);
  for (const c of was) {
    const f = now.get(c.id);
    expect(f).toBeDefined();
    expect(f!.recorded.xpath).toBe(c.recorded.xpath);
    expect(f!.expected === null).toBe(c.expected === null);
    if (c.expected !== null) {
      // The same element of the new version, found again by its identity.
      expect(page(fresh)[f!.expected!]!.xpath).toBe(page(committed)[c.expected]!.xpath);
      expect(page(fresh)[f!.expected!]!.text ?? '').toBe(page(committed)[c.expected]!.text ?? '');
    }
  }
}, 90_000);
