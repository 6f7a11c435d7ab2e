import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helm/chart-crds.js';
import { parseRunStep, neededStages } from './app.js';
import {
  DEFAULT_PATH,
  aptInstalls,
  imageConfig,
  numericUser,
  parseBaseImage,
  readRecipe,
  umociConfigArgs,
} from './recipe.js';

const dockerfile = (p: string) => readFileSync(join(repoRoot, p), 'utf8');

describe('parseBaseImage', () => {
  test.each([
    ['node:22.23.5-bookworm-slim', { nodeVersion: '22.23.5', suite: 'bookworm', slim: true }],
    ['node:22.23.5-trixie', { nodeVersion: '22.23.5', suite: 'trixie', slim: false }],
    ['docker.io/library/node:20.19.0-bookworm-slim', { nodeVersion: '20.19.0', suite: 'bookworm', slim: true }],
  ])('%s', (ref, expected) => {
    expect(parseBaseImage(ref)).toEqual(expected);
  });

  test.each([
    'node:22-bookworm-slim',
    'node:lts-bookworm',
    'node:22.23.5-alpine3.20',
    'debian:bookworm-slim',
    'node:22.23.5',
  ])('refuses %s: not pinned to a release of an official Debian node image', (ref) => {
    expect(() => parseBaseImage(ref)).toThrow(/pinned to a release/);
  });
});

describe('readRecipe', () => {
  test('refuses stages from different base images', () => {
    expect(() => readRecipe('FROM node:22.23.5-bookworm-slim AS build\nFROM node:22.23.4-bookworm-slim\n')).toThrow(
      /use one base image/,
    );
  });

  test('the image config of a final stage: base PATH and NODE_VERSION, then ENV; USER, ENTRYPOINT, CMD, WORKDIR, EXPOSE', () => {
    const recipe = readRecipe(
      [
        'ARG NODE_IMAGE=node:22.23.5-bookworm-slim',
        'FROM ${NODE_IMAGE}',
        'WORKDIR /app',
        'ENV A=1 \\',
        '    B="two words" NODE_VERSION=override',
        'ENV C three words',
        'USER 10001:10001',
        'EXPOSE 9464 53/udp',
        'ENTRYPOINT ["/usr/bin/tini", "--", "node"]',
        'CMD ["dist/main.js"]',
      ].join('\n'),
    );
    expect(imageConfig(recipe)).toEqual({
      User: '10001:10001',
      Env: [`PATH=${DEFAULT_PATH}`, 'NODE_VERSION=override', 'A=1', 'B=two words', 'C=three words'],
      Entrypoint: ['/usr/bin/tini', '--', 'node'],
      Cmd: ['dist/main.js'],
      WorkingDir: '/app',
      ExposedPorts: { '9464/tcp': {}, '53/udp': {} },
    });
  });

  test('a stage without USER, ENTRYPOINT or EXPOSE leaves them out', () => {
    const config = imageConfig(readRecipe('FROM node:22.23.5-bookworm\n'));
    expect(config).toEqual({ Env: [`PATH=${DEFAULT_PATH}`, 'NODE_VERSION=22.23.5'], WorkingDir: '/' });
  });
});

describe('umociConfigArgs', () => {
  test('clears the lists, then sets every field', () => {
    expect(
      umociConfigArgs({
        User: '1:2',
        Env: ['A=1', 'B=x y'],
        Entrypoint: ['tini', '--'],
        Cmd: ['a.js'],
        WorkingDir: '/app',
        ExposedPorts: { '80/tcp': {} },
      }),
    ).toEqual([
      '--clear=config.env',
      '--clear=config.entrypoint',
      '--clear=config.cmd',
      '--clear=config.exposedports',
      '--config.user=1:2',
      '--config.env=A=1',
      '--config.env=B=x y',
      '--config.entrypoint=tini',
      '--config.entrypoint=--',
      '--config.cmd=a.js',
      '--config.workingdir=/app',
      '--config.exposedports=80/tcp',
    ]);
  });
});

describe('aptInstalls', () => {
  test.each([
    ['apt-get update && apt-get install -y --no-install-recommends tini chromium && rm -rf /x', ['tini', 'chromium']],
    ['apt install -y a; apt-get install b c', ['a', 'b', 'c']],
    ['groupadd --gid 1 x && echo install this', []],
  ])('%s', (run, expected) => {
    expect(aptInstalls(run)).toEqual(expected);
  });
});

describe('numericUser', () => {
  test.each([
    ['10001:10001', { uid: 10001, gid: 10001 }],
    ['10001:20', { uid: 10001, gid: 20 }],
    ['10001', { uid: 10001, gid: 10001 }],
  ])('%s', (user, expected) => {
    expect(numericUser(user)).toEqual(expected);
  });

  test.each([[null], ['aether'], ['0:0'], ['0']])('refuses %s', (user) => {
    expect(() => numericUser(user)).toThrow(/numeric, non-root|must not run as root/);
  });
});

describe('parseRunStep', () => {
  test.each([
    ['npm ci --no-audit --no-fund', { kind: 'npm-ci', omitDev: false, args: ['ci', '--no-audit', '--no-fund'] }],
    ['npm ci --omit=dev --no-audit', { kind: 'npm-ci', omitDev: true, args: ['ci', '--omit=dev', '--no-audit'] }],
    ['npm run build', { kind: 'npm-run', script: 'build' }],
  ])('%s', (run, expected) => {
    expect(parseRunStep(run, 'build')).toEqual(expected);
  });

  test.each(['npm ci && npm run build', 'npx tsc', 'npm run build -- --watch', 'apt-get install -y git'])(
    'refuses %s',
    (run) => {
      expect(() => parseRunStep(run, 'build')).toThrow(/does not know how to run/);
    },
  );
});

// The builder of `npm run images` reads the recipe from the Dockerfiles themselves; these check that
// it can follow every step they have, so a Dockerfile change that the builder would not follow fails here.
describe.each([
  { file: 'robot-image/Dockerfile', packages: ['tini', 'chromium', 'fonts-liberation', 'ca-certificates'] },
  { file: 'operator/Dockerfile', packages: ['tini'] },
])('$file as the image builder reads it', ({ file, packages }) => {
  const recipe = readRecipe(dockerfile(file));

  test('starts from a Node.js 22 release on Debian bookworm-slim', () => {
    expect(recipe.base).toEqual({
      nodeVersion: expect.stringMatching(/^22\.\d+\.\d+$/),
      suite: 'bookworm',
      slim: true,
    });
  });

  test('both Dockerfiles pin the same base image', () => {
    expect(readRecipe(dockerfile('robot-image/Dockerfile')).base).toEqual(
      readRecipe(dockerfile('operator/Dockerfile')).base,
    );
  });

  test('installs its Debian packages in the final stage', () => {
    expect(recipe.final.runs.flatMap(aptInstalls)).toEqual(expect.arrayContaining(packages));
  });

  test('every RUN of the stages the image copies from is one the builder follows', () => {
    const stages = neededStages(recipe.stages, recipe.final);
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps']);
    for (const s of stages) for (const run of s.runs) expect(() => parseRunStep(run, s.name!)).not.toThrow();
  });

  test('runs as the non-root user its RUN creates, under tini', () => {
    const user = numericUser(recipe.final.user);
    expect(recipe.final.runs.join('\n')).toContain(`useradd --uid ${user.uid}`);
    expect(imageConfig(recipe).Entrypoint?.[0]).toBe('/usr/bin/tini');
  });
});
