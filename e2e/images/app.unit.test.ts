import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDockerfile } from '../helm/dockerfile.js';
import { neededStages, tarTransform } from './app.js';

describe('tarTransform (with GNU tar)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aether-tar-'));
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'x', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x', 'bin', 'x.js'), '');
    symlinkSync('../x/bin/x.js', join(dir, 'node_modules', '.bin', 'x'));
    writeFileSync(join(dir, 'node_modules_extra'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('renames the member and everything below it; symbolic link targets stay as they are', () => {
    const archive = join(dir, 'a.tar');
    execFileSync('tar', [
      '--create',
      `--file=${archive}`,
      '--sort=name',
      `--directory=${dir}`,
      tarTransform('node_modules', 'app/node_modules'),
      'node_modules',
      'node_modules_extra',
    ]);
    const lines = execFileSync('tar', ['--list', '--verbose', `--file=${archive}`])
      .toString()
      .trim()
      .split('\n');
    const names = lines.map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(names).toEqual([
      'app/node_modules/',
      'app/node_modules/.bin/',
      'app/node_modules/.bin/x -> ../x/bin/x.js',
      'app/node_modules/x/',
      'app/node_modules/x/bin/',
      'app/node_modules/x/bin/x.js',
      'node_modules_extra',
    ]);
  });
});

describe('neededStages', () => {
  test('the stages the final one copies from, through earlier --from copies, in order', () => {
    const stages = parseDockerfile(
      [
        'FROM a AS one',
        'FROM a AS two',
        'COPY --from=one /x /x',
        'FROM a AS unused',
        'FROM a',
        'COPY --from=two /x /x',
        'COPY --from=0 /y /y',
      ].join('\n'),
    );
    expect(neededStages(stages, stages.at(-1)!).map((s) => s.name)).toEqual(['one', 'two']);
  });

  test('refuses a --from that names no earlier stage', () => {
    const stages = parseDockerfile('FROM a\nCOPY --from=later /x /x\nFROM a AS later\n');
    expect(() => neededStages(stages, stages[0]!)).toThrow(/no earlier stage/);
  });
});
