#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>/index.ts (or bench/<name>.ts) with tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [name, ...rest] = process.argv.slice(2);
if (!name) {
  console.error('usage: npm run bench -- <name>   (a folder or file under bench/)');
  process.exit(2);
}
const entry = [join(root, 'bench', name, 'index.ts'), join(root, 'bench', `${name}.ts`)].find((p) => existsSync(p));
if (!entry) {
  console.error(`no benchmark named ${name}: expected bench/${name}/index.ts or bench/${name}.ts`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...rest], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
