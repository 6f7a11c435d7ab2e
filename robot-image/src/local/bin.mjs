#!/usr/bin/env node
// The `aether` executable (package.json "bin"); bin/launch.mjs runs the sources or their build.
import { launch } from '../../../bin/launch.mjs';

await launch({
  name: 'aether',
  source: new URL('./cli.ts', import.meta.url),
  built: new URL('../../../dist/cli/robot-image/src/local/cli.js', import.meta.url),
});
