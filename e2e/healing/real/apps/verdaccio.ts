// Verdaccio's web UI, 4.13.2 vs 6.2.9, run as a real registry server on 127.0.0.1 (no uplinks) with
// a few packages written into its storage folder, so the list and detail screens have content.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, startNodeServer } from '../server.js';
import type { IdentityRule, RealApp, RealScreen, Side } from '../types.js';

interface Pkg {
  name: string;
  version: string;
  description: string;
  keywords: string[];
  dependencies: Record<string, string>;
}

const PACKAGES: Pkg[] = [
  {
    name: 'order-client',
    version: '2.3.1',
    description: 'HTTP client for the order service',
    keywords: ['orders', 'http'],
    dependencies: { 'retry-policy': '^1.0.0' },
  },
  {
    name: 'retry-policy',
    version: '1.4.0',
    description: 'Exponential back-off with jitter',
    keywords: ['retry'],
    dependencies: {},
  },
  {
    name: 'invoice-pdf',
    version: '0.9.2',
    description: 'Renders invoices to PDF',
    keywords: ['pdf', 'invoice'],
    dependencies: { 'order-client': '^2.0.0' },
  },
  {
    name: 'ledger-sync',
    version: '3.0.0',
    description: 'Synchronises the ledger with the bank feed',
    keywords: ['ledger'],
    dependencies: {},
  },
];

/** Storage entries the way Verdaccio writes them on publish: metadata plus the tarball. */
function writeStorage(storage: string, port: number): void {
  for (const p of PACKAGES) {
    const dir = join(storage, p.name);
    const src = join(dir, 'src', 'package');
    mkdirSync(src, { recursive: true });
    const manifest = {
      name: p.name,
      version: p.version,
      description: p.description,
      keywords: p.keywords,
      license: 'MIT',
      main: 'index.js',
      dependencies: p.dependencies,
      author: { name: 'Aether Test' },
    };
    writeFileSync(join(src, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(
      join(src, 'README.md'),
      `# ${p.name}\n\n${p.description}.\n\n## Usage\n\n\`\`\`js\nconst m = require('${p.name}');\n\`\`\`\n`,
    );
    writeFileSync(join(src, 'index.js'), 'module.exports = {};\n');
    const tgz = `${p.name}-${p.version}.tgz`;
    execFileSync('tar', ['czf', join(dir, tgz), '-C', join(dir, 'src'), 'package']);
    rmSync(join(dir, 'src'), { recursive: true });
    const data = readFileSync(join(dir, tgz));
    const time = '2024-03-18T09:12:00.000Z';
    const meta = {
      name: p.name,
      versions: {
        [p.version]: {
          ...manifest,
          readme: `# ${p.name}\n\n${p.description}.`,
          _id: `${p.name}@${p.version}`,
          dist: {
            shasum: createHash('sha1').update(data).digest('hex'),
            tarball: `http://127.0.0.1:${port}/${p.name}/-/${tgz}`,
          },
        },
      },
      'dist-tags': { latest: p.version },
      time: { modified: time, created: time, [p.version]: time },
      _uplinks: {},
      _distfiles: {},
      _attachments: { [tgz]: { shasum: createHash('sha1').update(data).digest('hex'), version: p.version } },
      _rev: '1-0000000000000000',
      readme: `# ${p.name}\n\n${p.description}.\n\n## Usage\n\n\`\`\`js\nconst m = require('${p.name}');\n\`\`\`\n`,
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(meta, null, 2));
  }
  // The local database: which packages the web UI lists.
  const db = { list: PACKAGES.map((p) => p.name), secret: 'a'.repeat(32) };
  writeFileSync(join(storage, '.verdaccio-db.json'), JSON.stringify(db));
}

// Verdaccio 4 takes a list of log targets, 5+ one object.
const CONFIG = (storage: string, side: Side) => `storage: ${storage}
auth:
  htpasswd:
    file: ${storage}/htpasswd
    max_users: -1
uplinks: {}
packages:
  '**':
    access: $all
    publish: $authenticated
web:
  title: Verdaccio
logs: ${side === 'old' ? '[{ type: stdout, format: pretty, level: warn }]' : '{ type: stdout, format: pretty, level: warn }'}
`;

const DETAIL = (name: string) => `/-/web/detail/${name}`;

const RULES: IdentityRule[] = [
  {
    name: 'testid',
    describe: 'data-testid',
    // Layout containers (header bar, page and dialog wrappers) are not targets a step acts on.
    sel: '[data-testid]:not(header, [data-testid$="-container"], [data-testid$="--dialog"], [data-testid=header-right], [data-testid=version-layout], [data-testid=installList])',
    key: `at(el, 'data-testid')`,
    // 6.x has no documentation link in the header (its help card links the docs instead).
    removed: ['header--tooltip-documentation'],
  },
  {
    name: 'package-link',
    describe: 'link to a package detail page (href route)',
    sel: 'a[href*="/-/web/detail/"]',
    key: `new URL(at(el, 'href'), location.href).pathname`,
  },
  {
    name: 'search',
    describe: 'package search box',
    sel: 'input[type=text], input[type=search], input:not([type])',
    key: `'search'`,
  },
  { name: 'heading', describe: 'main heading', sel: 'main h1, main h2, h1', key: `txt(el)` },
  {
    name: 'field',
    describe: 'form field (name or id)',
    sel: 'form input, [role=dialog] input',
    key: `at(el, 'name') || el.id || null`,
  },
  {
    name: 'dialog-button',
    describe: 'dialog button (type and label)',
    sel: '[role=dialog] button',
    key: `(at(el, 'type') || 'button') + '/' + txt(el).toLowerCase()`,
  },
];

async function ready(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1200);
}

async function clickTestId(page: Page, id: string): Promise<void> {
  await page.click(`[data-testid="${id}"]`);
  await page.waitForTimeout(1000);
}

const screen = (id: string, path: string, then?: (page: Page) => Promise<void>): RealScreen => ({
  id,
  async open(page, baseUrl) {
    await page.goto(`${baseUrl}${path}`);
    await ready(page);
    if (then) await then(page);
  },
  rules: RULES,
});

export const verdaccio: RealApp = {
  app: 'verdaccio',
  package: 'verdaccio',
  oldVersion: '4.13.2',
  newVersion: '6.2.9',
  fetch: 'install',
  async start(root, side) {
    const port = await freePort();
    const work = mkdtempSync(join(tmpdir(), 'aether-verdaccio-'));
    const storage = join(work, 'storage');
    mkdirSync(storage);
    writeStorage(storage, port);
    writeFileSync(join(work, 'config.yaml'), CONFIG(storage, side));
    const base = `http://127.0.0.1:${port}`;
    const served = await startNodeServer(
      [join(root, 'bin', 'verdaccio'), '--config', join(work, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
      work,
      `${base}/-/ping`,
      base,
    );
    return {
      baseUrl: served.baseUrl,
      close: async () => {
        await served.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  },
  screens: [
    screen('home', '/'),
    screen('detail', DETAIL('order-client')),
    screen('dependencies', DETAIL('invoice-pdf'), (page) => clickTestId(page, 'dependencies-tab')),
    screen('versions', DETAIL('order-client'), (page) => clickTestId(page, 'versions-tab')),
    screen('login', '/', (page) => clickTestId(page, 'header--button-login')),
    screen('info', '/', (page) => clickTestId(page, 'header--tooltip-info')),
  ],
};
