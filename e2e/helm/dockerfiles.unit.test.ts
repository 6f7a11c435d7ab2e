// `npm run images` builds the images for real (minutes, outside npm test); this checks in milliseconds
// what a build would trip over: every path the Dockerfiles copy exists in the build context (and is not
// .dockerignored), every stage output they copy is made, and every entry point they (or the chart) run
// is emitted by tsc from a source whose whole relative import graph, and the files it loads next to
// itself, reach the image.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { repoRoot } from './chart-crds.js';
import {
  dockerignoreMatcher,
  importClosure,
  isUnder,
  parseDockerfile,
  relativeImports,
  sourceForEmitted,
  stageByRef,
  stageProvides,
  type Stage,
} from './dockerfile.js';

const ignored = dockerignoreMatcher(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
const tsconfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.json'), 'utf8')) as { include: string[]; compilerOptions: { outDir: string; rootDir: string } };
const isContextDir = (p: string) => existsSync(join(repoRoot, p)) && statSync(join(repoRoot, p)).isDirectory();

/** Repo-relative paths of the .ts files tsc compiles under a folder (its include globs skip dot-folders and node_modules). */
function tsFilesUnder(dir: string): string[] {
  return (readdirSync(join(repoRoot, dir), { recursive: true }) as string[])
    .map((f) => posix.join(dir, f.split('\\').join('/')))
    .filter((f) => f.endsWith('.ts') && !f.split('/').some((seg) => seg.startsWith('.') || seg === 'node_modules'));
}

/** The chart runs these inside the operator image (see helm/aether/templates/_helpers.tpl). */
function chartEntrypoint(name: string): string {
  const helpers = readFileSync(join(repoRoot, 'helm', 'aether', 'templates', '_helpers.tpl'), 'utf8');
  const m = new RegExp(`define "aether\\.entrypoint\\.${name}" -}}([^{]+){{`).exec(helpers);
  if (!m) throw new Error(`_helpers.tpl defines no aether.entrypoint.${name}`);
  return m[1]!.trim();
}

const images = [
  { dockerfile: 'operator/Dockerfile', extraEntrypoints: [chartEntrypoint('operator'), chartEntrypoint('migrate'), chartEntrypoint('apiserver')] },
  { dockerfile: 'robot-image/Dockerfile', extraEntrypoints: [] },
];

/** `new URL('./sql', import.meta.url)`: files a module loads from beside its compiled self. */
function siblingAssets(source: string): string[] {
  return [...source.matchAll(/new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]!);
}

describe.each(images)('$dockerfile', ({ dockerfile, extraEntrypoints }) => {
  const stages = parseDockerfile(readFileSync(join(repoRoot, dockerfile), 'utf8'));
  const final = stages.at(-1)!;
  const finalHas = stageProvides(final, isContextDir);
  // tsc emits only .js: non-TypeScript files must be copied into the final image by name.
  const finalAssets = stageProvides({ ...final, copies: final.copies.filter((c) => c.from === null), runs: [] }, isContextDir);
  const runs = [...(final.entrypoint ?? []), ...(final.cmd ?? [])];

  test('tsc emits to dist/ from the repository root, as the entry paths assume', () => {
    expect(tsconfig.compilerOptions.outDir).toBe('dist');
    expect(tsconfig.compilerOptions.rootDir).toBe('.');
  });

  test('runs as a non-root user under tini, with a health check', () => {
    expect(final.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(final.entrypoint?.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(final.healthcheck).toBe(true);
  });

  test('every build-context source exists and is not .dockerignored', () => {
    const problems: string[] = [];
    for (const stage of stages)
      for (const copy of stage.copies.filter((c) => c.from === null))
        for (const src of copy.sources) {
          if (!existsSync(join(repoRoot, src))) problems.push(`${src}: no such path`);
          else if (ignored(src)) problems.push(`${src}: excluded by .dockerignore`);
        }
    expect(problems).toEqual([]);
  });

  test('every COPY --from source is made by an earlier stage', () => {
    const problems: string[] = [];
    for (const stage of stages)
      for (const copy of stage.copies.filter((c) => c.from !== null)) {
        const from = stageByRef(stages, copy.from!);
        if (!from || from.index >= stage.index) {
          problems.push(`--from=${copy.from}: no earlier stage`);
          continue;
        }
        const has = stageProvides(from, isContextDir);
        for (const src of copy.sources) {
          const abs = posix.resolve(from.workdir, src);
          if (!has.some((p) => isUnder(abs, p))) problems.push(`${abs} is not in stage ${copy.from} (it has ${has.join(', ')})`);
        }
      }
    expect(problems).toEqual([]);
  });

  test('package.json ("type": "module") sits above dist/ in the final image', () => {
    expect(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).type).toBe('module');
    expect(finalHas).toContain(posix.join(final.workdir, 'package.json'));
  });

  test('every TypeScript file the build stage compiles finds its relative imports there', () => {
    const distCopy = final.copies.find((c) => c.from !== null && c.sources.some((s) => s.endsWith('/dist')));
    const build = stageByRef(stages, distCopy!.from!)!;
    const copied = build.copies.filter((c) => c.from === null).flatMap((c) => c.sources).filter(isContextDir);
    const compiled = copied.flatMap((dir) => tsFilesUnder(dir)).filter((f) => !ignored(f));
    const present = new Set(compiled);
    const problems: string[] = [];
    for (const file of compiled) {
      for (const spec of relativeImports(readFileSync(join(repoRoot, file), 'utf8'))) {
        const target = posix.join(posix.dirname(file), spec).replace(/\.js$/, '.ts');
        if (target.endsWith('.ts') && !present.has(target)) problems.push(`${file} imports ${target}, which the build stage lacks`);
      }
    }
    expect(compiled.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  const entrypoints = [...new Set([...runs.filter((a) => sourceForEmitted(a) !== null), ...extraEntrypoints])];
  test('names at least one entry point under dist/', () => {
    expect(entrypoints.length).toBeGreaterThan(0);
  });

  test.each(entrypoints)('entry point %s is built and reaches the image', (entry) => {
    const source = sourceForEmitted(entry)!;
    expect(source).not.toBeNull();
    // The emitted file lands in the final image through the build stage's dist/.
    const emitted = posix.resolve(final.workdir, entry);
    expect(finalHas.some((p) => isUnder(emitted, p))).toBe(true);
    const distCopy = final.copies.find((c) => c.from !== null && c.sources.some((s) => s.endsWith('/dist')));
    const build: Stage | undefined = distCopy ? stageByRef(stages, distCopy.from!) : undefined;
    expect(build).toBeDefined();
    const buildHas = stageProvides(build!, isContextDir);

    if (!existsSync(join(repoRoot, source))) throw new Error(`${entry} is emitted from ${source}, which does not exist`);
    const { files, missing } = importClosure(repoRoot, source);
    expect(missing).toEqual([]);
    const problems: string[] = [];
    for (const file of files) {
      const top = file.split('/')[0]!;
      if (!tsconfig.include.includes(top)) problems.push(`${file}: not in tsconfig include`);
      if (ignored(file)) problems.push(`${file}: excluded by .dockerignore`);
      if (!buildHas.some((p) => isUnder(posix.join(build!.workdir, file), p))) problems.push(`${file}: not copied into the build stage`);
      for (const asset of siblingAssets(readFileSync(join(repoRoot, file), 'utf8'))) {
        const repoPath = posix.join(dirname(file), asset);
        const imagePath = posix.join(final.workdir, 'dist', repoPath);
        if (!existsSync(join(repoRoot, repoPath))) problems.push(`${file} loads ${repoPath}, which does not exist`);
        if (!finalAssets.some((p) => isUnder(imagePath, p))) problems.push(`${file} loads ${imagePath}, which no COPY puts in the image`);
      }
    }
    expect(problems).toEqual([]);
  });
});
