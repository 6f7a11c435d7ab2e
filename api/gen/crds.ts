// `npm run gen:crds`: writes crds/<plural>.rpa.aether.dev.yaml from the zod schemas in api/v1alpha1.
// `--check` exits 1 when the files on disk are stale instead of writing them.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdFiles } from './render.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const check = process.argv.includes('--check');
let stale = 0;
for (const f of crdFiles()) {
  const file = path.join(root, 'crds', f.name);
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current === f.text) continue;
  stale++;
  if (check) console.error(`stale: crds/${f.name}`);
  else {
    await writeFile(file, f.text);
    console.log(`wrote crds/${f.name}`);
  }
}
if (check && stale > 0) process.exit(1);
