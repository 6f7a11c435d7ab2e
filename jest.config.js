// ESM throughout: @kubernetes/client-node 1.x and graphile-worker 0.18 ship only ES modules.
// Tests are TypeScript transpiled by SWC (type checking is `npm run typecheck`).
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: { target: 'es2022', parser: { syntax: 'typescript' }, experimental: { keepImportAttributes: true } },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    },
  ],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  // Sources import siblings as './x.js' (NodeNext); map those to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/e2e/kube/'],
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 60_000,
  // On 2 cores jest runs the suites in its own process, so one test that leaks a listening server would
  // keep `npm test` (and CI) from ever ending. The global teardown still runs before the forced exit.
  forceExit: true,
  // Jest's default on 2 cores is one worker, and the suite then takes ~40 min as every file's time adds up. The
  // integration files mostly wait on browsers, robots and servers, and each has its own database, namespaces and
  // ports, so two workers share the machine well.
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.unit.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.test.ts', '<rootDir>/**/*.e2e.test.ts'],
      globalSetup: '<rootDir>/e2e/harness/global-setup.mjs',
      globalTeardown: '<rootDir>/e2e/harness/global-teardown.mjs',
    },
  ],
};
