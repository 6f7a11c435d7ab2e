import { startTestSite, type TestSite } from '../../../e2e/site/server.js';
import { BrowserHost } from './host.js';
import { captureSession, closeSession, openSession } from './session.js';

describe('BrowserHost', () => {
  let site: TestSite;
  let host: BrowserHost;
  beforeAll(async () => {
    site = await startTestSite({ users: { bob: 'pw-of-bob' } });
    host = new BrowserHost();
  });
  afterAll(async () => {
    await host.close();
    await site.stop();
  });

  it('relaunches Chromium after it went away, and counts the restart', async () => {
    const first = await host.browser();
    expect(host.restarts).toBe(0);
    expect(await host.browser()).toBe(first);
    await first.close();
    const second = await host.browser();
    expect(second).not.toBe(first);
    expect(second.isConnected()).toBe(true);
    expect(host.restarts).toBe(1);
  });

  it('gives each job its own context and restores a captured session in a new one', async () => {
    const a = await openSession(host);
    const b = await openSession(host);
    expect(a.context).not.toBe(b.context);
    await a.page.goto(site.url + '/login');
    await a.page.getByLabel('Username').fill('bob');
    await a.page.getByLabel('Password').fill('pw-of-bob');
    await a.page.getByRole('button', { name: 'Sign in' }).click();
    // The home page sets localStorage; wait for it before navigating on, or the goto may cut it off.
    await a.page.waitForURL(site.url + '/home');
    await a.page.waitForFunction(() => localStorage.getItem('lastHome') === 'visited');
    await a.page.goto(site.url + '/table');
    const snap = await captureSession(a);
    expect(snap.url).toBe(site.url + '/table');
    // The other job's context knows nothing of that login.
    await b.page.goto(site.url + '/table');
    expect(b.page.url()).toContain('/login');
    await closeSession(a);
    await closeSession(b);

    const restored = await openSession(host, snap);
    expect(restored.page.url()).toBe(site.url + '/table');
    expect(await restored.page.getByTestId('user').innerText()).toBe('bob');
    expect(await restored.page.evaluate(() => localStorage.getItem('lastHome'))).toBe('visited');
    await closeSession(restored);
  });

  it('two jobs starting at the same moment never share the spare page', async () => {
    // Warm a spare, then ask twice before either call has awaited it.
    await closeSession(await openSession(host));
    const [a, b] = await Promise.all([host.freshPage(), host.freshPage()]);
    expect(a.context).not.toBe(b.context);
    expect(a.page).not.toBe(b.page);
    await a.page.goto(site.url + '/login');
    expect(b.page.isClosed()).toBe(false);
    expect(b.page.url()).toBe('about:blank');
    await a.context.close();
    await b.context.close();
  });
});
