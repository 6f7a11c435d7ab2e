import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  copyTarget,
  dockerignoreMatcher,
  importClosure,
  parseDockerfile,
  parseEnv,
  relativeImports,
  sourceForEmitted,
  stageProvides,
} from './dockerfile.js';

const sample = `# syntax=docker/dockerfile:1
ARG NODE_IMAGE=node:22-bookworm-slim
FROM \${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci \\
  # a comment inside a continued RUN
  && echo done
COPY api ./api
RUN npm run build

FROM \${NODE_IMAGE}
WORKDIR /app
WORKDIR sub
COPY --from=build --chown=1:1 /app/dist ./dist
USER 10001:10001
HEALTHCHECK CMD ["true"]
CMD ["dist/x.js"]
ENTRYPOINT ["/usr/bin/tini", "--", "node"]
CMD ["dist/operator/src/main.js"]
`;

describe('parseDockerfile', () => {
  const stages = parseDockerfile(sample);

  test('splits stages, substitutes global ARGs and names stages', () => {
    expect(stages.map((s) => [s.index, s.name, s.base])).toEqual([
      [0, 'build', 'node:22-bookworm-slim'],
      [1, null, 'node:22-bookworm-slim'],
    ]);
  });

  test('joins continued lines and skips comments inside them', () => {
    expect(stages[0]!.runs).toEqual(['npm ci    && echo done', 'npm run build']);
  });

  test('resolves WORKDIR relative to the previous one', () => {
    expect(stages[1]!.workdir).toBe('/app/sub');
  });

  test('reads COPY flags, sources and destination', () => {
    expect(stages[0]!.copies[0]).toEqual({ from: null, sources: ['package.json', 'package-lock.json'], dest: './', workdir: '/app' });
    expect(stages[1]!.copies[0]).toEqual({ from: 'build', sources: ['/app/dist'], dest: './dist', workdir: '/app/sub' });
  });

  test('keeps the last CMD after ENTRYPOINT, USER and HEALTHCHECK', () => {
    expect(stages[1]!.entrypoint).toEqual(['/usr/bin/tini', '--', 'node']);
    expect(stages[1]!.cmd).toEqual(['dist/operator/src/main.js']);
    expect(stages[1]!.user).toBe('10001:10001');
    expect(stages[1]!.healthcheck).toBe(true);
  });

  test('reads ENV (both forms, quotes, continued lines) and EXPOSE', () => {
    const [s] = parseDockerfile('FROM a\nENV A=1 \\\n    B="x \\"y\\"" C=\'q r\'\nENV D some words\nEXPOSE 80 53/udp\nEXPOSE 9464\n');
    expect(s!.env).toEqual({ A: '1', B: 'x "y"', C: 'q r', D: 'some words' });
    expect(s!.expose).toEqual(['80', '53/udp', '9464']);
  });

  test.each(['A="unterminated', '=x', 'A=1 =2'])('parseEnv rejects %s', (args) => {
    expect(() => parseEnv(args)).toThrow(/bad ENV/);
  });

  test('wraps the shell form in /bin/sh -c', () => {
    expect(parseDockerfile('FROM a\nCMD node main.js\n')[0]!.cmd).toEqual(['/bin/sh', '-c', 'node main.js']);
  });

  test.each([
    ['COPY before FROM', 'COPY a b\n', /before the first FROM/],
    ['COPY without destination', 'FROM a\nCOPY a\n', /needs a source and a destination/],
    ['dangling continuation at the end', 'FROM a\nRUN x \\', /ends inside a continued line/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseDockerfile(text)).toThrow(message);
  });
});

describe('copyTarget and stageProvides', () => {
  test.each([
    // [dest, sources, source, isDir, expected]
    ['./', ['package.json', 'package-lock.json'], 'package.json', false, '/app/package.json'],
    ['./api', ['api'], 'api', true, '/app/api'],
    ['./dist/migrations/sql', ['migrations/sql'], 'migrations/sql', true, '/app/dist/migrations/sql'],
    ['./x.json', ['a/b.json'], 'a/b.json', false, '/app/x.json'],
    ['/etc/', ['conf/a.conf'], 'conf/a.conf', false, '/etc/a.conf'],
  ] as const)('COPY %s <- %s', (dest, sources, source, isDir, expected) => {
    expect(copyTarget({ from: null, sources: [...sources], dest, workdir: '/app' }, source, isDir)).toBe(expected);
  });

  test('counts npm ci and npm run build outputs', () => {
    const [build] = parseDockerfile(sample);
    expect(stageProvides(build!, (s) => s === 'api').sort()).toEqual([
      '/app/api',
      '/app/dist',
      '/app/node_modules',
      '/app/package-lock.json',
      '/app/package.json',
    ]);
  });
});

describe('dockerignoreMatcher', () => {
  const ignored = dockerignoreMatcher(['# comment', '**/node_modules', 'dist', '**/*.test.ts', 'e2e', '!e2e/keep', '/bench/'].join('\n'));
  test.each([
    ['node_modules/pg/index.js', true],
    ['api/node_modules/x', true],
    ['dist/operator/src/main.js', true],
    ['api/dist', false],
    ['operator/src/a.unit.test.ts', true],
    ['operator/src/a.ts', false],
    ['e2e/harness/kube.ts', true],
    ['e2e/keep', false],
    ['bench/queue/index.ts', true],
    ['package.json', false],
  ])('%s -> ignored %s', (path, expected) => {
    expect(ignored(path)).toBe(expected);
  });
});

describe('TypeScript entry points', () => {
  test.each([
    ['dist/operator/src/main.js', 'operator/src/main.ts'],
    ['./dist/migrations/cli.js', 'migrations/cli.ts'],
    ['operator/src/main.js', null],
    ['dist/x.mjs', null],
  ])('%s is emitted from %s', (js, ts) => {
    expect(sourceForEmitted(js)).toBe(ts);
  });

  test('relativeImports finds static, re-export, side-effect and dynamic imports, not packages', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export * from './c.js';",
      "import './d.js';",
      "const e = await import('./e.js');",
      "import pg from 'pg';",
      "import {\n  f,\n  g,\n} from './fg.js';",
    ].join('\n');
    expect(relativeImports(src).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js', './fg.js']);
  });

  test('importClosure follows imports across folders and reports missing files', () => {
    const root = mkdtempSync(join(tmpdir(), 'aether-closure-'));
    try {
      mkdirSync(join(root, 'app', 'src'), { recursive: true });
      mkdirSync(join(root, 'lib'));
      writeFileSync(join(root, 'app', 'src', 'main.ts'), "import { x } from '../../lib/x.js';\nimport './gone.js';\n");
      writeFileSync(join(root, 'lib', 'x.ts'), "export { y as x } from './y.js';\n");
      writeFileSync(join(root, 'lib', 'y.ts'), "import { x } from './x.js';\nexport const y = 1;\n");
      expect(importClosure(root, 'app/src/main.ts')).toEqual({
        files: ['app/src/main.ts', 'lib/x.ts', 'lib/y.ts'],
        missing: ['app/src/gone.ts'],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
