// The launcher of the package's executables (package.json "bin": `aether`, `kubectl-aether`). An installed
// package runs the JavaScript built into dist/cli by `npm pack` (prepack: npm run build:cli), which needs
// only "dependencies". A development checkout (the TypeScript sources present, tsx installed) runs the
// sources through tsx in this same process, so signals reach it directly and an edit needs no build.
import { existsSync } from 'node:fs';

async function tsx(source) {
  if (!existsSync(source)) return null;
  try {
    return await import('tsx/esm/api');
  } catch {
    return null; // e.g. npm ci --omit=dev
  }
}

/**
 * Runs the program `source` (a .ts file URL) or its build `built` (a .js file URL).
 * @param {{ name: string, source: URL, built: URL }} program
 */
export async function launch({ name, source, built }) {
  const api = await tsx(source);
  if (api) {
    api.register();
    await import(source.href);
  } else if (existsSync(built)) {
    await import(built.href);
  } else {
    process.stderr.write(
      `${name}: this checkout has neither tsx (a devDependency: run \`npm ci\`) nor a build of the CLI (\`npm run build:cli\`)\n`,
    );
    process.exit(2);
  }
}
