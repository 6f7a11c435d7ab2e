#!/usr/bin/env node
// `npm run chaos -- --seed N [--jobs 200]` runs the chaos suite (e2e/chaos/main.ts) with tsx.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'e2e/chaos/main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
