// Everything `aether run` decides from its input before it starts anything: the job and its workflow
// (validated), typed param overrides, the site to serve and the params that point at it, where the
// Secrets and the data live. Light on purpose: a bad input is reported without loading the robot.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { RunArgs } from './args.js';
import { ManifestError, parseDocuments, resolveJob, type ResolvedJob, type SourcedDocument } from './manifests.js';
import { pathInJobFolder } from './job-folder.js';
import { jobParams, typedParam } from './payload.js';

/** Annotations an RpaJob may carry for local mode; a cluster ignores them. */
export const ANNOTATIONS = {
  /** A directory to serve on 127.0.0.1 (relative to the job's file, inside its folder), e.g. a demo site. */
  serve: 'local.aether.dev/serve',
  /** Params (comma-separated) that get the served site's URL unless `--param` sets them. */
  siteParams: 'local.aether.dev/site-params',
  /** A directory of NAME.env files standing in for the Secrets the job binds (inside the job file's folder). */
  secretsDir: 'local.aether.dev/secrets-dir',
} as const;

/** 2 is both a bad input and a bad environment (no browser, no database): nothing was queued. */
export const EXIT = { ok: 0, failed: 1, usage: 2, environment: 2, interrupted: 130 } as const;

export interface LocalPlan {
  job: ResolvedJob;
  /** `--param` values, typed. */
  overrides: Record<string, unknown>;
  /** Params that get the served site's URL (those not set by `--param`). */
  siteParams: string[];
  serveDir: string | null;
  secretsDir?: string;
  dataDir: string;
}

function annotation(job: ResolvedJob, key: string): string | undefined {
  return job.job.metadata.annotations?.[key];
}

/** Loads, validates and resolves the job from the files named on the command line. */
export function loadJob(args: Pick<RunArgs, 'files' | 'job'>, cwd: string): ResolvedJob {
  const docs = args.files.flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, f), 'utf8');
    } catch (err) {
      throw new ManifestError([
        `${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      ]);
    }
    return parseDocuments(f, text);
  });
  const resolved = resolveJob(docs, { ...(args.job && { job: args.job }), nearby: nearbyDocuments(args.files, cwd) });
  return { ...resolved, file: resolve(cwd, resolved.file) };
}

/**
 * The YAML files beside the given ones, where a referenced RpaWorkflow is looked for when the given
 * files lack it (like `kubectl apply -f DIR`): `aether run examples/rpajob.yaml` finds
 * examples/rpaworkflow.yaml. Files that do not parse are skipped.
 */
function nearbyDocuments(files: string[], cwd: string): SourcedDocument[] {
  const given = new Set(files.map((f) => resolve(cwd, f)));
  const dirs = [...new Set([...given].map((f) => dirname(f)))];
  return dirs.flatMap((dir) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => /\.ya?ml$/.test(n) && !given.has(join(dir, n)))
      .sort()
      .flatMap((n) => {
        try {
          return parseDocuments(relative(cwd, join(dir, n)) || n, readFileSync(join(dir, n), 'utf8'));
        } catch {
          return [];
        }
      });
  });
}

/** Checks the whole input; throws ManifestError naming every problem. */
export function planRun(args: RunArgs, io: { cwd: string; env: Record<string, string | undefined> }): LocalPlan {
  const job = loadJob(args, io.cwd);
  const declared = new Map((job.workflow.params ?? []).map((p) => [p.name, p]));
  const overrides: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(args.params)) overrides[k] = typedParam(declared.get(k), raw);

  const serveAnnotation = annotation(job, ANNOTATIONS.serve);
  const serveDir =
    args.serve === false
      ? null
      : args.serve !== undefined
        ? resolve(io.cwd, args.serve)
        : serveAnnotation
          ? pathInJobFolder(job.file, ANNOTATIONS.serve, serveAnnotation)
          : null;
  const siteParams = serveDir
    ? (annotation(job, ANNOTATIONS.siteParams) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((p) => p && !(p in overrides))
    : [];
  const secretsAnnotation = annotation(job, ANNOTATIONS.secretsDir);
  const secretsDir = args.secretsDir
    ? resolve(io.cwd, args.secretsDir)
    : secretsAnnotation
      ? pathInJobFolder(job.file, ANNOTATIONS.secretsDir, secretsAnnotation)
      : undefined;
  // Site params are checked with a stand-in URL; the real one is known once the site listens.
  jobParams(job, { ...Object.fromEntries(siteParams.map((p) => [p, 'http://127.0.0.1'])), ...overrides });

  return {
    job,
    overrides,
    siteParams,
    serveDir,
    ...(secretsDir !== undefined && { secretsDir }),
    // An empty AETHER_LOCAL_DIR counts as unset (not as the current directory).
    dataDir: resolve(io.cwd, args.dataDir ?? (io.env.AETHER_LOCAL_DIR || join('.aether', 'local'))),
  };
}
