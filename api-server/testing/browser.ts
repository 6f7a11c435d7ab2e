// Chromium for the console's browser tests and screenshots: the system's /usr/bin/chromium through
// playwright-core (installed by `npm run setup`), and signing in to the console with a token.
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.AETHER_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

/** Opens the console at `baseUrl`/ui/ and signs in with `token` to `namespace`; resolves on the overview. */
export async function signIn(browser: Browser, baseUrl: string, token: string, namespace: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${baseUrl}/ui/`);
  await page.getByLabel('Token').fill(token);
  await page.getByLabel('Namespace').fill(namespace);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  return page;
}
