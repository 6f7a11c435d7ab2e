import { readRecipe } from './recipe.js';
import { DEBIAN_MIRRORS, SLIM_DPKG_OPTIONS, baseLayerKey, mmdebstrapArgs, shellQuote } from './rootfs.js';

const text = (run: string, tag = 'node:22.23.5-bookworm-slim') => `FROM ${tag}\nRUN ${run}\nWORKDIR /app\nCOPY a ./\n`;

describe('mmdebstrapArgs', () => {
  const args = mmdebstrapArgs({
    recipe: readRecipe(text('apt-get install -y tini')),
    nodeBinary: '/c/node',
    runScripts: ['/w/run-0.sh'],
    output: '/w/base.tar',
  });

  test('a minbase system of the suite, as a tar, from the main, updates and security archives', () => {
    expect(args.slice(0, 3)).toEqual(['--mode=root', '--variant=minbase', '--format=tar']);
    expect(args.slice(-5)).toEqual(['bookworm', '/w/base.tar', ...DEBIAN_MIRRORS('bookworm')]);
    expect(DEBIAN_MIRRORS('bookworm')).toContain('deb http://deb.debian.org/debian-security bookworm-security main');
  });

  test('slim: the dpkg path filters of Debian slim images', () => {
    expect(args.filter((a) => a.startsWith('--dpkgopt='))).toEqual(SLIM_DPKG_OPTIONS.map((o) => `--dpkgopt=${o}`));
    const full = mmdebstrapArgs({
      recipe: readRecipe(text('true', 'node:22.23.5-bookworm')),
      nodeBinary: '/n',
      runScripts: [],
      output: '/o',
    });
    expect(full.some((a) => a.startsWith('--dpkgopt='))).toBe(false);
  });

  test('hooks: node installed and run, then each RUN step in the chroot with a clean environment, in order', () => {
    const hooks = args.filter((a) => a.startsWith('--customize-hook=')).map((a) => a.slice('--customize-hook='.length));
    expect(hooks).toEqual([
      `mkdir -p "$1/usr/local/bin" && install -m 0755 '/c/node' "$1/usr/local/bin/node"`,
      'chroot "$1" /usr/local/bin/node --version',
      `chroot "$1" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive /bin/sh -c "$(cat '/w/run-0.sh')"`,
    ]);
  });
});

describe('baseLayerKey', () => {
  const key = (t: string) => baseLayerKey(readRecipe(t));
  test('changes with the RUN steps and the base image, not with COPY or WORKDIR', () => {
    expect(key(text('apt-get install -y tini'))).toMatch(/^[0-9a-f]{16}$/);
    expect(key(text('apt-get install -y tini'))).toBe(
      key('FROM node:22.23.5-bookworm-slim\nRUN apt-get install -y tini\nCOPY b /x\n'),
    );
    expect(key(text('apt-get install -y tini chromium'))).not.toBe(key(text('apt-get install -y tini')));
    expect(key(text('true', 'node:22.23.4-bookworm-slim'))).not.toBe(key(text('true')));
    expect(key(text('true', 'node:22.23.5-bookworm'))).not.toBe(key(text('true')));
  });
});

test('shellQuote', () => {
  expect(shellQuote(`it's /a b`)).toBe(`'it'\\''s /a b'`);
});
