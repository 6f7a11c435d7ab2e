#!/usr/bin/env node
// The `kubectl-aether` executable (package.json "bin"): `kubectl aether ...` once it is on the PATH.
// bin/launch.mjs runs the sources or their build.
import { launch } from '../../bin/launch.mjs';

await launch({
  name: 'kubectl-aether',
  source: new URL('./cli.ts', import.meta.url),
  built: new URL('../../dist/cli/api-server/plugin/cli.js', import.meta.url),
});
