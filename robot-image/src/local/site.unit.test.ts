import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileFor } from './site.js';

describe('fileFor', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'aether-site-'));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'login.html'), 'x');
    writeFileSync(join(root, 'index.html'), 'x');
    writeFileSync(join(root, 'docs', 'index.html'), 'x');
    writeFileSync(join(root, 'app.js'), 'x');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['/app.js', 'app.js'],
    ['/login', 'login.html'],
    ['/', 'index.html'],
    ['/docs', 'docs/index.html'],
    ['/missing', null],
    ['/../etc/passwd', null],
    ['/%2e%2e/%2e%2e/etc/passwd', null],
    ['/%E0%A4%A', null],
  ])('%s', (path, expected) => {
    expect(fileFor(root, path)).toBe(expected === null ? null : join(root, expected));
  });
});
