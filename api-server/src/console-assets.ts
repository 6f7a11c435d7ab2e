// The web console's built files (api-server/console/assets/, `npm run build:console`), served under /ui/
// with a Content-Security-Policy that lets the page load nothing but its own files and call its own origin.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Where the assets are: beside the sources, or (compiled into dist/) in the package's source tree. */
function assetsDir(): string | undefined {
  for (const rel of ['../console/assets/', '../../../api-server/console/assets/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
}

/** The console's files by name, read once; empty when the console is not built. */
export function loadConsoleAssets(dir = assetsDir()): Map<string, ConsoleAsset> {
  const out = new Map<string, ConsoleAsset>();
  if (dir === undefined) return out;
  for (const [name, contentType] of Object.entries(TYPES)) {
    if (existsSync(`${dir}${name}`)) out.set(name, { contentType, body: readFileSync(`${dir}${name}`) });
  }
  return out;
}
