// The recipe of an image, read from its Dockerfile (the one place it is written): the Node.js version
// and Debian suite from the base image's tag, the final stage's RUN steps (run verbatim in the Debian
// root filesystem), its ENV, WORKDIR, USER, ENTRYPOINT, CMD and EXPOSE (the OCI image config) and its
// COPY steps (the application layer). Pure: no file system, no processes.
import { parseDockerfile, type Stage } from '../helm/dockerfile.js';

export interface BaseImage {
  /** Exact Node.js version, e.g. 22.23.5. */
  nodeVersion: string;
  /** Debian suite, e.g. bookworm. */
  suite: string;
  /** The `-slim` variant: documentation, manual pages and locales left out, as Debian's slim images do. */
  slim: boolean;
}

export interface ImageRecipe {
  base: BaseImage;
  stages: Stage[];
  final: Stage;
}

/** PATH of the official node images (and of Docker when an image sets none). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const NODE_TAG = /^(?:(?:docker\.io\/)?library\/)?node:(\d+\.\d+\.\d+)-([a-z]+)(-slim)?$/;

/**
 * The base image an official `node:<x.y.z>-<suite>[-slim]` tag stands for. A floating tag (`node:22-…`)
 * is refused: the builder must know which Node.js binary to put in, and so must a Docker build.
 */
export function parseBaseImage(ref: string): BaseImage {
  const m = NODE_TAG.exec(ref);
  if (!m) {
    throw new Error(
      `base image "${ref}" is not an official node image pinned to a release (node:<major.minor.patch>-<debian suite>[-slim], e.g. node:22.23.5-bookworm-slim)`,
    );
  }
  return { nodeVersion: m[1]!, suite: m[2]!, slim: m[3] !== undefined };
}

export function readRecipe(dockerfileText: string): ImageRecipe {
  const stages = parseDockerfile(dockerfileText);
  const final = stages.at(-1);
  if (!final) throw new Error('the Dockerfile has no FROM');
  const base = parseBaseImage(final.base);
  for (const s of stages) {
    if (s.base !== final.base)
      throw new Error(
        `stage ${s.name ?? s.index} starts FROM ${s.base}, the final stage FROM ${final.base}: use one base image`,
      );
  }
  return { base, stages, final };
}

/** Debian packages a RUN step installs with apt-get install (for reports; the RUN itself is what runs). */
export function aptInstalls(run: string): string[] {
  const out: string[] = [];
  for (const cmd of run.split(/&&|;|\|\|/)) {
    const words = cmd.trim().split(/\s+/);
    const i = words.findIndex((w, k) => w === 'install' && /(^|\/)apt(-get)?$/.test(words[k - 1] ?? ''));
    if (i < 0) continue;
    out.push(...words.slice(i + 1).filter((w) => w !== '' && !w.startsWith('-')));
  }
  return out;
}

/** The OCI image configuration (the `config` object of application/vnd.oci.image.config.v1+json). */
export interface OciImageConfig {
  User?: string;
  Env: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir: string;
  ExposedPorts?: Record<string, Record<string, never>>;
}

/**
 * What Docker would record for the final stage: the base image's PATH and NODE_VERSION (as the official
 * node images set them), then the stage's ENV; WORKDIR, USER, ENTRYPOINT, CMD, EXPOSE as written.
 * HEALTHCHECK has no place in an OCI image config (Kubernetes uses probes instead) and is left out.
 */
export function imageConfig(recipe: ImageRecipe): OciImageConfig {
  const { final, base } = recipe;
  const env: Record<string, string> = { PATH: DEFAULT_PATH, NODE_VERSION: base.nodeVersion, ...final.env };
  const ports = final.expose.map((p) => (p.includes('/') ? p : `${p}/tcp`));
  return {
    ...(final.user !== null && { User: final.user }),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...(final.entrypoint !== null && { Entrypoint: final.entrypoint }),
    ...(final.cmd !== null && { Cmd: final.cmd }),
    WorkingDir: final.workdir,
    ...(ports.length > 0 && { ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])) }),
  };
}

/** `umoci config` arguments that set exactly this configuration (lists cleared first, then filled). */
export function umociConfigArgs(config: OciImageConfig): string[] {
  const args: string[] = [
    '--clear=config.env',
    '--clear=config.entrypoint',
    '--clear=config.cmd',
    '--clear=config.exposedports',
  ];
  if (config.User !== undefined) args.push(`--config.user=${config.User}`);
  for (const e of config.Env) args.push(`--config.env=${e}`);
  for (const e of config.Entrypoint ?? []) args.push(`--config.entrypoint=${e}`);
  for (const c of config.Cmd ?? []) args.push(`--config.cmd=${c}`);
  args.push(`--config.workingdir=${config.WorkingDir}`);
  for (const p of Object.keys(config.ExposedPorts ?? {})) args.push(`--config.exposedports=${p}`);
  return args;
}

/** The numeric uid:gid of a USER (`10001:10001`, or `10001` with group 10001 as Docker's default group). */
export function numericUser(user: string | null): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
  if (!m)
    throw new Error(`USER ${user ?? '(none)'}: the image must run as a numeric, non-root user (USER <uid>:<gid>)`);
  const uid = Number(m[1]);
  if (uid === 0) throw new Error('USER 0: the image must not run as root');
  return { uid, gid: Number(m[2] ?? m[1]) };
}
