// Swagger UI (swagger-ui-dist) 3.52.5 vs 5.17.14 on the committed petstore spec (Swagger 2.0).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FIXTURES_DIR } from '../fixtures.js';
import { serveStatic } from '../serve.js';
import type { IdentityRule, RealApp, RealScreen } from '../types.js';

const html = (opts: string) => `<!doctype html><html><head><meta charset="utf-8"><title>Swagger UI</title>
<link rel="stylesheet" href="/dist/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/dist/swagger-ui-bundle.js"></script><script src="/dist/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/spec/petstore.json', dom_id: '#swagger-ui', deepLinking: true, ${opts}
presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });</script></body></html>`;

const OP = `up(el, '.opblock').id`;

/** Rules over the operations list (collapsed or expanded). */
const LIST_RULES: IdentityRule[] = [
  { name: 'tag', describe: 'tag section header (data-tag)', sel: '.opblock-tag', key: `at(el, 'data-tag')` },
  { name: 'tag-link', describe: 'tag header link (href)', sel: '.opblock-tag a.nostyle', key: `at(el, 'href')` },
  {
    name: 'tag-docs',
    describe: 'tag external docs link (tag section)',
    sel: '.opblock-tag .info__externaldocs a, .opblock-tag small a, .opblock-tag div a.link',
    key: `at(up(el, '.opblock-tag'), 'data-tag')`,
  },
  { name: 'op-control', describe: 'operation summary control (opblock id)', sel: '.opblock-summary-control', key: OP },
  { name: 'op-method', describe: 'operation method badge (opblock id)', sel: '.opblock-summary-method', key: OP },
  {
    name: 'op-path',
    describe: 'operation path link (href route)',
    sel: '.opblock-summary-path a',
    key: `at(el, 'href')`,
  },
  { name: 'op-summary', describe: 'operation summary text (opblock id)', sel: '.opblock-summary-description', key: OP },
  {
    name: 'op-lock',
    describe: 'operation authorization button (opblock id)',
    sel: '.opblock .authorization__btn',
    key: OP,
  },
  { name: 'authorize', describe: 'global Authorize button', sel: '.auth-wrapper .btn.authorize', key: `'authorize'` },
  { name: 'schemes', describe: 'schemes select', sel: '.schemes select', key: `'schemes'` },
  { name: 'url-input', describe: 'top bar spec URL input', sel: '.topbar input.download-url-input', key: `'url'` },
  { name: 'explore', describe: 'top bar Explore button', sel: '.topbar .download-url-button', key: `'explore'` },
  { name: 'info-link', describe: 'info section link (href)', sel: '.information-container a', key: `at(el, 'href')` },
  { name: 'title', describe: 'API title heading', sel: '.information-container h2.title', key: `'title'` },
  { name: 'models-toggle', describe: 'models section toggle', sel: 'section.models h4', key: `'models'` },
  {
    name: 'model',
    describe: 'model entry (model container id)',
    sel: 'section.models .model-container',
    key: `el.id`,
  },
  {
    name: 'model-name',
    describe: 'model entry title (model container id)',
    sel: 'section.models .model-container .model-title',
    key: `up(el, '.model-container').id`,
  },
];

/** Rules inside expanded operations. */
const OP_RULES: IdentityRule[] = [
  { name: 'try-out', describe: 'Try it out / Cancel button (opblock id)', sel: '.opblock .try-out__btn', key: OP },
  { name: 'execute', describe: 'Execute button (opblock id)', sel: '.opblock .btn.execute', key: OP },
  {
    name: 'param-field',
    describe: 'parameter input (opblock id, data-param-name, data-param-in)',
    sel: '.opblock tr[data-param-name] input, .opblock tr[data-param-name] select:not(.content-type), .opblock tr[data-param-name] textarea',
    key: `${OP} + '/' + at(up(el, 'tr'), 'data-param-name') + '@' + at(up(el, 'tr'), 'data-param-in')`,
  },
  {
    name: 'param-name',
    describe: 'parameter name cell (opblock id, data-param-name)',
    sel: '.opblock tr[data-param-name] .parameter__name',
    key: `${OP} + '/' + at(up(el, 'tr'), 'data-param-name') + '@' + at(up(el, 'tr'), 'data-param-in')`,
  },
  {
    name: 'param-tab',
    describe: 'parameter Example/Model tab (opblock id, param, data-name)',
    sel: '.opblock tr[data-param-name] button.tablinks',
    key: `${OP} + '/' + at(up(el, 'tr'), 'data-param-name') + '/' + at(el, 'data-name')`,
  },
  {
    name: 'response-code',
    describe: 'response status cell (opblock id, data-code)',
    sel: '.opblock tr.response[data-code] td.response-col_status',
    key: `${OP} + '/' + at(up(el, 'tr'), 'data-code')`,
  },
  {
    name: 'response-type',
    describe: 'response content type select (opblock id)',
    sel: '.opblock .responses-wrapper select.content-type',
    key: OP,
  },
  {
    name: 'param-type',
    describe: 'parameter content type select (opblock id)',
    sel: '.opblock .body-param-options select.content-type',
    key: OP,
  },
];

async function rendered(page: Page): Promise<void> {
  await page.waitForSelector('.opblock-summary-control', { timeout: 30_000 });
  await page.waitForTimeout(500);
}

/** The list view, then every operation of `tags` expanded. */
const expanded = (tags: string[], tryOut = false): RealScreen => ({
  id: `${tryOut ? 'tryout' : 'expanded'}-${tags.join('-')}`,
  async open(page, baseUrl) {
    await page.goto(`${baseUrl}/${tryOut ? 'tryout' : 'list'}.html`);
    await rendered(page);
    for (const tag of tags) {
      const ids = await page.$$eval(`.opblock-tag-section [id^="operations-${tag}-"]`, (els) => els.map((e) => e.id));
      for (const id of ids) {
        await page.click(`#${id} .opblock-summary-control`);
        await page.waitForSelector(`#${id} .opblock-body`, { timeout: 10_000 });
      }
    }
    await page.waitForTimeout(500);
  },
  rules: [...LIST_RULES, ...OP_RULES],
});

export const swaggerUi: RealApp = {
  app: 'swagger-ui',
  package: 'swagger-ui-dist',
  oldVersion: '3.52.5',
  newVersion: '5.17.14',
  fetch: 'pack',
  start: (root) =>
    serveStatic({
      mounts: { '/dist/': root + '/' },
      pages: {
        '/list.html': html(`docExpansion: 'list',`),
        '/tryout.html': html(`docExpansion: 'list', tryItOutEnabled: true, defaultModelsExpandDepth: -1,`),
        '/spec/petstore.json': readFileSync(join(FIXTURES_DIR, 'petstore.json'), 'utf8'),
      },
    }),
  screens: [
    {
      id: 'list',
      async open(page, baseUrl) {
        await page.goto(`${baseUrl}/list.html`);
        await rendered(page);
      },
      rules: LIST_RULES,
    },
    expanded(['pet']),
    expanded(['store'], true),
    expanded(['user'], true),
  ],
};
