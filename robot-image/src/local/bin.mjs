#!/usr/bin/env node
// The `aether` executable (package.json "bin"). An installed package runs the JavaScript built into
// dist/cli by `npm pack` (prepack: npm run build:cli), which needs only "dependencies". A development
// checkout (the TypeScript sources beside this file, tsx installed) runs the sources through tsx in this
// same process, so signals reach it directly and an edit needs no build.
import { existsSync } from 'node:fs';

const source = new URL('./cli.ts', import.meta.url);
const built = new URL('../../../dist/cli/robot-image/src/local/cli.js', import.meta.url);

async function tsx() {
  if (!existsSync(source)) return null;
  try {
    return await import('tsx/esm/api');
  } catch {
    return null; // e.g. npm ci --omit=dev
  }
}

const api = await tsx();
if (api) {
  api.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    'aether: this checkout has neither tsx (a devDependency: run `npm ci`) nor a build of the CLI (`npm run build:cli`)\n',
  );
  process.exit(2);
}
