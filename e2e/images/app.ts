// The application layers of an image, made by following the Dockerfile's stages: each stage the final
// one copies from is set up in a folder standing for its root file system (COPY from the build context,
// with .dockerignore applied; its RUN steps done on this machine), then each COPY of the final stage
// becomes a layer, as in a Docker build. A RUN this builder does not know stops the build, so a Dockerfile change cannot be
// skipped silently.
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { copyTarget, dockerignoreMatcher, stageByRef, type CopyInstruction, type Stage } from '../helm/dockerfile.js';
import { exec } from './exec.js';
import type { ImageRecipe } from './recipe.js';

/** What a stage's RUN step means here. */
export type RunStep = { kind: 'npm-ci'; omitDev: boolean; args: string[] } | { kind: 'npm-run'; script: string };

/** Reads a build stage's RUN step; throws for one this builder cannot follow. */
export function parseRunStep(run: string, stage: string): RunStep {
  const words = run.trim().split(/\s+/);
  if (words[0] === 'npm' && words[1] === 'ci' && words.slice(2).every((w) => w.startsWith('--'))) {
    return { kind: 'npm-ci', omitDev: words.includes('--omit=dev'), args: words.slice(1) };
  }
  if (words[0] === 'npm' && words[1] === 'run' && words.length === 3) return { kind: 'npm-run', script: words[2]! };
  throw new Error(
    `stage ${stage}: the image builder (e2e/images/app.ts) does not know how to run \`${run}\`; teach parseRunStep, or keep build stages to npm ci / npm run`,
  );
}

/** The stages the final stage copies from, and the ones they copy from, earliest first. */
export function neededStages(stages: Stage[], final: Stage): Stage[] {
  const need = new Set<number>();
  const visit = (s: Stage) => {
    for (const c of s.copies) {
      if (c.from === null) continue;
      const from = stageByRef(stages, c.from);
      if (!from || from.index >= s.index)
        throw new Error(`COPY --from=${c.from} in stage ${s.name ?? s.index}: no earlier stage of that name`);
      if (!need.has(from.index)) {
        need.add(from.index);
        visit(from);
      }
    }
  };
  visit(final);
  return stages.filter((s) => need.has(s.index));
}

interface Context {
  repoRoot: string;
  ignored: (path: string) => boolean;
  cacheDir: string;
  logFile: string;
}

/** COPY from the build context: what .dockerignore excludes is not copied. */
function copyFromContext(ctx: Context, copy: CopyInstruction, destRoot: string): void {
  for (const src of copy.sources) {
    const abs = join(ctx.repoRoot, src);
    if (!existsSync(abs) || ctx.ignored(src))
      throw new Error(`COPY ${src}: not in the build context (missing or .dockerignored)`);
    const isDir = statSync(abs).isDirectory();
    const dest = join(destRoot, copyTarget(copy, src, isDir));
    mkdirSync(isDir ? dest : dirname(dest), { recursive: true });
    cpSync(abs, dest, {
      recursive: true,
      filter: (from) => !ctx.ignored(relative(ctx.repoRoot, from).split('\\').join('/') || '.') || from === abs,
    });
  }
}

/**
 * `npm ci --omit=dev`: run for real (npm registry), cached by package.json and package-lock.json. The
 * full `npm ci` of a build stage uses this clone's node_modules, installed from the same lock file.
 */
async function npmCi(ctx: Context, step: Extract<RunStep, { kind: 'npm-ci' }>, dir: string): Promise<void> {
  const target = join(dir, 'node_modules');
  if (!step.omitDev) {
    symlinkSync(join(ctx.repoRoot, 'node_modules'), target);
    return;
  }
  const lock = readFileSync(join(dir, 'package-lock.json'));
  const pkg = readFileSync(join(dir, 'package.json'));
  const key = createHash('sha256').update(pkg).update(lock).update(step.args.join(' ')).digest('hex').slice(0, 16);
  const cached = join(ctx.cacheDir, `deps-${key}`);
  if (!existsSync(cached)) {
    const work = `${cached}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    cpSync(join(dir, 'package.json'), join(work, 'package.json'));
    cpSync(join(dir, 'package-lock.json'), join(work, 'package-lock.json'));
    await exec('npm', step.args, { cwd: work, logFile: ctx.logFile });
    renameSync(work, cached);
  }
  symlinkSync(join(cached, 'node_modules'), target);
}

async function buildStage(
  ctx: Context,
  stages: Stage[],
  stage: Stage,
  roots: Map<number, string>,
  workDir: string,
): Promise<void> {
  const root = join(workDir, `stage-${stage.index}`);
  rmSync(root, { recursive: true, force: true });
  const dir = join(root, stage.workdir);
  mkdirSync(dir, { recursive: true });
  for (const copy of stage.copies) {
    if (copy.from !== null)
      throw new Error(
        `stage ${stage.name ?? stage.index}: COPY --from in a build stage is not supported by the image builder`,
      );
    copyFromContext(ctx, copy, root);
  }
  // All COPYs first, then the RUNs: our build stages' RUNs (npm ci, npm run build) only read what the
  // COPYs put in, so the order between them does not change the result.
  for (const run of stage.runs) {
    const step = parseRunStep(run, stage.name ?? String(stage.index));
    if (step.kind === 'npm-ci') await npmCi(ctx, step, dir);
    else await exec('npm', ['run', step.script], { cwd: dir, logFile: ctx.logFile });
  }
  roots.set(stage.index, root);
}

export interface Layer {
  tar: string;
  /** The Dockerfile instruction it stands for (the image history's created_by). */
  createdBy: string;
}

/** tar options for a layer as Docker makes it for COPY without --chown: owned by root, stable order. */
const TAR_OPTIONS = ['--create', '--owner=0', '--group=0', '--numeric-owner', '--sort=name'];

/**
 * One tar member rename, `from` (a path as tar names it) to `to` (an image path without the leading
 * slash), for that member and everything below it. Symbolic link targets are left alone (flag S).
 */
export function tarTransform(from: string, to: string): string {
  const esc = (p: string) => p.replace(/[\\.^$*[\]]/g, '\\$&').replace(/,/g, '\\,');
  return `--transform=s,^${esc(from)}\\(/\\|$\\),${to.replace(/,/g, '\\,')}\\1,S`;
}

/**
 * The application layers of a recipe, one per instruction of the final stage as Docker makes them:
 * WORKDIR, then each COPY. A --from COPY is archived straight from the stage's folder (the cached
 * node_modules is not copied); a context COPY goes through a small staging folder (.dockerignore).
 */
export async function buildAppLayers(opts: {
  recipe: ImageRecipe;
  repoRoot: string;
  workDir: string;
  cacheDir: string;
  logFile: string;
}): Promise<Layer[]> {
  const { recipe, workDir } = opts;
  const ignoreFile = join(opts.repoRoot, '.dockerignore');
  const ctx: Context = {
    repoRoot: opts.repoRoot,
    ignored: dockerignoreMatcher(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : ''),
    cacheDir: opts.cacheDir,
    logFile: opts.logFile,
  };
  const roots = new Map<number, string>();
  for (const stage of neededStages(recipe.stages, recipe.final))
    await buildStage(ctx, recipe.stages, stage, roots, workDir);

  const layers: Layer[] = [];
  const tar = async (createdBy: string, args: string[]) => {
    const file = join(workDir, `layer-${layers.length}.tar`);
    await exec('tar', [...TAR_OPTIONS, `--file=${file}`, ...args], { logFile: opts.logFile });
    layers.push({ tar: file, createdBy });
  };
  const skeleton = join(workDir, 'workdir');
  mkdirSync(join(skeleton, recipe.final.workdir), { recursive: true });
  await tar(`WORKDIR ${recipe.final.workdir}`, [`--directory=${skeleton}`, recipe.final.workdir.replace(/^\/+/, '')]);

  for (const [i, copy] of recipe.final.copies.entries()) {
    const what = `COPY ${copy.from !== null ? `--from=${copy.from} ` : ''}${copy.sources.join(' ')} ${copy.dest}`;
    const members: string[] = [];
    if (copy.from === null) {
      const staging = join(workDir, `copy-${i}`);
      copyFromContext(ctx, copy, staging);
      members.push(`--directory=${staging}`, ...readdirSync(staging));
    } else {
      const from = stageByRef(recipe.stages, copy.from)!;
      for (const src of copy.sources) {
        const abs = realpathSync(join(roots.get(from.index)!, posix.resolve(from.workdir, src)));
        const target = copyTarget(copy, src, statSync(abs).isDirectory()).replace(/^\/+/, '');
        members.push(`--directory=${dirname(abs)}`, tarTransform(basename(abs), target), basename(abs));
      }
    }
    await tar(what, members);
  }
  return layers;
}
