// The generated corpus (e2e/healing/corpus) as tier-1 cases, captured once in Chromium and cached
// as JSON outside git (the fitter scores them thousands of times; Chromium is needed only once).
// The cache key is a hash of the corpus files and the capture code, so an edited corpus or a
// changed recorder is captured again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_DIR, loadCorpus } from '../../e2e/healing/corpus.js';
import { launchChromium } from '../../robot-image/src/browser/chromium.js';
import { captureTier1Case, type Tier1Case } from './tier1.js';

function corpusHash(): string {
  const h = createHash('sha256');
  const files = [join(CORPUS_DIR, 'index.json')];
  for (const d of readdirSync(CORPUS_DIR).sort())
    for (const v of ['before.html', 'after.html'])
      if (existsSync(join(CORPUS_DIR, d, v))) files.push(join(CORPUS_DIR, d, v));
  const here = new URL('.', import.meta.url).pathname;
  files.push(join(here, 'tier1.ts'), join(here, '../../robot-image/src/healing/inpage.ts'));
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/** Every generated case as tier-1 inputs, from the cache when the corpus did not change. */
export async function generatedCases(cacheDir = process.env.AETHER_TIER1_CACHE ?? tmpdir()): Promise<Tier1Case[]> {
  const file = join(cacheDir, `aether-tier1-cases-${corpusHash()}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Tier1Case[];
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    const out: Tier1Case[] = [];
    for (const c of loadCorpus()) out.push(await captureTier1Case(page, c));
    writeFileSync(file, JSON.stringify(out));
    return out;
  } finally {
    await browser.close();
  }
}
