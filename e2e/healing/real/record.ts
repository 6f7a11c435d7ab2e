// `npm run heal:record [-- app...]`: records the real corpus (README.md) into corpus/<app>.json.
// Fetches the pinned packages into ~/.cache/aether/healing-real on first use.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../../../robot-image/src/browser/chromium.js';
import { REAL_APPS } from './apps/index.js';
import { REAL_CORPUS_DIR } from './corpus.js';
import { recordApp } from './recorder.js';

const only = process.argv.slice(2);
const apps = REAL_APPS.filter((a) => only.length === 0 || only.includes(a.app));
if (apps.length === 0) throw new Error(`no app named ${only.join(', ')}: ${REAL_APPS.map((a) => a.app).join(', ')}`);
mkdirSync(REAL_CORPUS_DIR, { recursive: true });
const browser = await launchChromium();
try {
  for (const app of apps) {
    const file = await recordApp(browser, app, { log: (m) => console.log(m) });
    const path = join(REAL_CORPUS_DIR, `${app.app}.json`);
    writeFileSync(path, JSON.stringify(file) + '\n');
    const removed = file.cases.filter((c) => c.expected === null).length;
    console.log(
      `${app.app} ${app.oldVersion} -> ${app.newVersion}: ${file.cases.length} cases (${removed} removed), ${file.pages.length} pages -> ${path}`,
    );
  }
} finally {
  await browser.close();
}
