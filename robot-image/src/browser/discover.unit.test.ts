import { browserCandidates, installAdvice, pickBrowser } from './discover.js';

const has =
  (...paths: string[]) =>
  (p: string) =>
    paths.includes(p);

describe('pickBrowser', () => {
  const candidates = [
    { path: '/pw/chrome', source: 'Playwright' },
    { path: '/usr/bin/chromium', source: '/usr/bin/chromium' },
    { path: '/usr/bin/google-chrome', source: '/usr/bin/google-chrome' },
  ];
  it.each([
    [
      'the first existing candidate',
      has('/usr/bin/chromium', '/usr/bin/google-chrome'),
      { kind: 'found', path: '/usr/bin/chromium', source: '/usr/bin/chromium' },
    ],
    [
      "Playwright's before the system's",
      has('/pw/chrome', '/usr/bin/chromium'),
      { kind: 'found', path: '/pw/chrome', source: 'Playwright' },
    ],
    [
      'none',
      has('/elsewhere'),
      { kind: 'none', looked: ['/pw/chrome', '/usr/bin/chromium', '/usr/bin/google-chrome'] },
    ],
  ])('picks %s', (_name, exists, want) => {
    expect(pickBrowser({ candidates }, exists)).toEqual(want);
  });

  it('takes an explicit path as given and never looks elsewhere when it is missing', () => {
    const explicit = { path: '/opt/chrome', source: 'AETHER_CHROMIUM_PATH' };
    expect(pickBrowser({ explicit, candidates }, has('/opt/chrome', '/usr/bin/chromium'))).toEqual({
      kind: 'found',
      ...explicit,
    });
    expect(pickBrowser({ explicit, candidates }, has('/usr/bin/chromium'))).toEqual({
      kind: 'explicit-missing',
      ...explicit,
    });
  });
});

describe('browserCandidates', () => {
  it('orders Playwright, the usual places, then PATH', () => {
    const c = browserCandidates({
      env: { PATH: '/opt/bin:/usr/local/bin' },
      playwrightPath: '/root/.cache/ms-playwright/chromium-1/chrome',
    });
    const paths = c.candidates.map((x) => x.path);
    expect(c.explicit).toBeUndefined();
    expect(paths[0]).toBe('/root/.cache/ms-playwright/chromium-1/chrome');
    expect(paths.slice(1, 5)).toEqual([
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
    ]);
    expect(paths).toContain('/opt/bin/chromium');
    expect(paths.indexOf('/opt/bin/google-chrome-stable')).toBeGreaterThan(paths.indexOf('/snap/bin/chromium'));
  });

  it('--chromium wins over AETHER_CHROMIUM_PATH', () => {
    expect(browserCandidates({ env: { AETHER_CHROMIUM_PATH: '/a' }, explicitPath: '/b' }).explicit).toEqual({
      path: '/b',
      source: '--chromium',
    });
    expect(browserCandidates({ env: { AETHER_CHROMIUM_PATH: ' /a ' } }).explicit).toEqual({
      path: '/a',
      source: 'AETHER_CHROMIUM_PATH',
    });
  });

  it('AETHER_BROWSER_CANDIDATES replaces the whole list', () => {
    const c = browserCandidates({
      env: { AETHER_BROWSER_CANDIDATES: '/x/chrome:/y/chromium', PATH: '/usr/bin' },
      playwrightPath: '/pw',
    });
    expect(c.candidates.map((x) => x.path)).toEqual(['/x/chrome', '/y/chromium']);
  });
});

describe('installAdvice', () => {
  it.each([
    [
      { isRoot: true, hasAptGet: true },
      true,
      /^apt-get update && apt-get install -y --no-install-recommends chromium$/,
    ],
    [{ isRoot: false, hasAptGet: true }, false, /^sudo sh -c 'apt-get update && apt-get install .* chromium'$/],
    [{ isRoot: true, hasAptGet: false }, false, /^npx playwright-core install chromium$/],
    [{ isRoot: false, hasAptGet: false }, false, /^npx playwright-core install chromium$/],
  ])('%j', (who, install, command) => {
    const a = installAdvice(who);
    expect(a.install).toBe(install);
    expect(a.command).toMatch(command);
  });
});
