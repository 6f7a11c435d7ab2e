import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PAGE = `<!doctype html><html><body>
<button id="go">Compute</button><output id="result"></output>
<script>
  document.getElementById('go').addEventListener('click', async () => {
    const r = await fetch('/compute', { method: 'POST', body: JSON.stringify({ a: 19, b: 23 }) });
    document.getElementById('result').textContent = 'sum=' + (await r.json()).sum;
  });
</script></body></html>`;

describe('Chromium through Playwright', () => {
  let server: Server;
  let browser: Browser;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.method === 'POST' && req.url === '/compute') {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          const { a, b } = JSON.parse(body) as { a: number; b: number };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sum: a + b }));
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('clicks a button on a page served by a local server and reads the result', async () => {
    const page = await browser.newPage();
    await page.goto(base + '/');
    await page.getByRole('button', { name: 'Compute' }).click();
    await page.waitForFunction(() => document.getElementById('result')?.textContent !== '');
    expect(await page.locator('#result').textContent()).toBe('sum=42');
    expect(requests.filter((r) => !r.includes('favicon'))).toEqual(['GET /', 'POST /compute']);
    await page.close();
  });
});
