// Builds the web console into api-server/console/assets/ (committed; a unit test fails when they are
// stale): one JavaScript bundle (preact, uPlot and the pages), one stylesheet, the HTML page. Nothing is
// fetched at run time; the API server serves these files under /ui/.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
export const ASSETS_DIR = here('./assets/');

/** The console's files, name -> contents, built in memory. */
export async function buildConsole(): Promise<Record<string, string>> {
  const common = { bundle: true, write: false, minify: true, legalComments: 'none', logLevel: 'silent', absWorkingDir: here('../..') } as const;
  const js = await build({ ...common, entryPoints: [here('./src/main.ts')], format: 'esm', target: 'es2022', outfile: 'app.js' });
  const css = await build({ ...common, entryPoints: [here('./src/app.css')], outfile: 'app.css' });
  return {
    'app.js': js.outputFiles[0]!.text,
    'app.css': css.outputFiles[0]!.text,
    'index.html': readFileSync(here('./src/index.html'), 'utf8'),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildConsole();
  mkdirSync(ASSETS_DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(`${ASSETS_DIR}${name}`, text);
  console.log(`wrote ${Object.entries(files).map(([n, t]) => `${n} (${t.length} bytes)`).join(', ')} to ${ASSETS_DIR}`);
}
