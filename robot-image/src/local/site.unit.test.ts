import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileFor } from './site.js';

describe('fileFor', () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    outside = mkdtempSync(join(tmpdir(), 'aether-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'x');
    root = mkdtempSync(join(tmpdir(), 'aether-site-'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    symlinkSync(outside, join(root, 'out'));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'login.html'), 'x');
    writeFileSync(join(root, 'index.html'), 'x');
    writeFileSync(join(root, 'docs', 'index.html'), 'x');
    writeFileSync(join(root, 'app.js'), 'x');
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it.each([
    ['/app.js', 'app.js'],
    ['/login', 'login.html'],
    ['/', 'index.html'],
    ['/docs', 'docs/index.html'],
    ['/missing', null],
    ['/../etc/passwd', null],
    ['/%2e%2e/%2e%2e/etc/passwd', null],
    ['/%E0%A4%A', null],
    ['/leak.txt', null],
    ['/out/secret.txt', null],
  ])('%s', (path, expected) => {
    expect(fileFor(root, path)).toBe(expected === null ? null : join(root, expected));
  });
});
