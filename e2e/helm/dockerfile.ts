// A small Dockerfile parser, a .dockerignore matcher, and the relative-import closure of a TypeScript
// entry point: used by the static checks of our Dockerfiles (dockerfiles.unit.test.ts) and by the image
// builder of `npm run images` (e2e/images), which reads its recipe from the Dockerfiles through it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

export interface CopyInstruction {
  /** Stage name or index given with --from, or null for the build context. */
  from: string | null;
  sources: string[];
  dest: string;
  /** WORKDIR in effect, for resolving a relative dest. */
  workdir: string;
}

export interface Stage {
  index: number;
  name: string | null;
  base: string;
  workdir: string;
  copies: CopyInstruction[];
  runs: string[];
  user: string | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  healthcheck: boolean;
  /** ENV set in this stage, in order (later ones win). */
  env: Record<string, string>;
  /** EXPOSE ports as written (`9464`, `9464/tcp`). */
  expose: string[];
}

/** Instructions after joining `\` continuations; comments and blank lines dropped. */
export function dockerInstructions(text: string): Array<{ op: string; args: string }> {
  const out: Array<{ op: string; args: string }> = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*#/.test(line)) continue;
    if (pending !== '' && /^\s*#/.test(line)) continue; // comments inside a continued instruction
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const m = /^(\S+)\s*(.*)$/.exec(full)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
  }
  if (pending.trim() !== '') throw new Error('Dockerfile ends inside a continued line');
  return out;
}

/** Exec form (a JSON array) or shell form (wrapped in /bin/sh -c, as Docker does). */
function execOrShell(args: string): string[] {
  if (args.startsWith('[')) {
    const parsed: unknown = JSON.parse(args);
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`bad exec form: ${args}`);
    return parsed;
  }
  return ['/bin/sh', '-c', args];
}

function substitute(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '');
}

/** `ENV A=1 B="two words"` or the legacy `ENV A one value`; quotes removed, `\\"` unescaped. */
export function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!/^[\w.-]+=/.test(args)) {
    const m = /^([\w.-]+)\s+(.*)$/.exec(args);
    if (!m) throw new Error(`bad ENV: ${args}`);
    out[m[1]!] = m[2]!;
    return out;
  }
  const pair = /([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|(?!["'])\S*)\s*/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = pair.exec(args)) !== null && m[0] !== '') {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.startsWith("'") ? raw.slice(1, -1) : raw;
    end = pair.lastIndex;
  }
  if (end !== args.length) throw new Error(`bad ENV: ${args}`);
  return out;
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const globalArgs: Record<string, string> = {};
  for (const { op, args } of dockerInstructions(text)) {
    const stage = stages.at(-1);
    if (op === 'ARG' && !stage) {
      const [k, v] = args.split('=', 2);
      globalArgs[k!.trim()] = (v ?? '').trim();
      continue;
    }
    if (op === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`bad FROM: ${args}`);
      stages.push({
        index: stages.length,
        name: m[2] ?? null,
        base: substitute(m[1]!, globalArgs),
        workdir: '/',
        copies: [],
        runs: [],
        user: null,
        entrypoint: null,
        cmd: null,
        healthcheck: false,
        env: {},
        expose: [],
      });
      continue;
    }
    if (!stage) throw new Error(`${op} before the first FROM`);
    switch (op) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, args);
        break;
      case 'RUN':
        stage.runs.push(args);
        break;
      case 'USER':
        stage.user = args;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = execOrShell(args);
        stage.cmd = null; // Docker resets CMD when ENTRYPOINT is set after it
        break;
      case 'CMD':
        stage.cmd = execOrShell(args);
        break;
      case 'ENV':
        Object.assign(stage.env, parseEnv(args));
        break;
      case 'EXPOSE':
        stage.expose.push(...args.split(/\s+/).filter((p) => p !== ''));
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = !/^NONE$/i.test(args);
        break;
      case 'COPY':
      case 'ADD': {
        let rest = args;
        let from: string | null = null;
        for (;;) {
          const flag = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest);
          if (!flag) break;
          if (flag[1] === 'from') from = flag[2] ?? null;
          rest = rest.slice(flag[0].length);
        }
        const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
        if (parts.length < 2) throw new Error(`${op} needs a source and a destination: ${args}`);
        stage.copies.push({ from, sources: parts.slice(0, -1), dest: parts.at(-1)!, workdir: stage.workdir });
        break;
      }
      default:
        break;
    }
  }
  return stages;
}

/**
 * Where a COPY puts one source, as an absolute path in the image. A directory's contents go into the
 * destination; a file goes to the destination, or into it when it names a directory.
 */
export function copyTarget(copy: CopyInstruction, source: string, sourceIsDir: boolean): string {
  const dest = posix.resolve(copy.workdir, copy.dest);
  if (sourceIsDir) return dest;
  const intoDir = copy.dest.endsWith('/') || copy.dest === '.' || copy.sources.length > 1;
  return intoDir ? posix.join(dest, posix.basename(source)) : dest;
}

/** Finds a stage by --from value (name or index). */
export function stageByRef(stages: Stage[], ref: string): Stage | undefined {
  return /^\d+$/.test(ref) ? stages[Number(ref)] : stages.find((s) => s.name === ref);
}

/**
 * Absolute paths a stage has, as far as our images go: what it COPYs in (mapped to image paths) and
 * what its RUN steps make (`npm ci` -> node_modules, `npm run build` -> dist). `isContextDir` tells
 * whether a build-context source is a directory; a --from source counts as one unless it has a dot.
 */
export function stageProvides(stage: Stage, isContextDir: (source: string) => boolean): string[] {
  const paths: string[] = [];
  for (const c of stage.copies) {
    for (const s of c.sources) {
      const dir = c.from === null ? isContextDir(s) : !posix.basename(s).includes('.');
      paths.push(copyTarget(c, s, dir));
    }
  }
  if (stage.runs.some((r) => /\bnpm ci\b/.test(r))) paths.push(posix.join(stage.workdir, 'node_modules'));
  if (stage.runs.some((r) => /\bnpm run build\b/.test(r))) paths.push(posix.join(stage.workdir, 'dist'));
  return paths;
}

export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

// ---------------------------------------------------------------------------------------------------
// .dockerignore

/** Docker's pattern rules: paths relative to the context, `*` within a segment, `**` any segments, `!` re-includes. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: globToRegExp(pattern) };
    });
  return (path: string) => {
    const segments = posix.normalize(path).replace(/^\.\//, '').split('/');
    let excluded = false;
    for (const { negate, re } of rules) {
      // A pattern that matches a parent directory excludes everything below it.
      for (let i = 1; i <= segments.length; i++) {
        if (re.test(segments.slice(0, i).join('/'))) {
          excluded = !negate;
          break;
        }
      }
    }
    return excluded;
  };
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------------------------
// TypeScript sources

/** tsc (rootDir ".", outDir "dist") emits x.ts as dist/x.js; this is the inverse, or null if not under dist/. */
export function sourceForEmitted(jsPath: string): string | null {
  const m = /^(?:\.\/)?dist\/(.+)\.js$/.exec(jsPath);
  return m ? `${m[1]}.ts` : null;
}

const importRe = /(?:\bimport|\bexport)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|\bimport\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative module specifiers a TypeScript file imports (static, side-effect and literal dynamic imports). */
export function relativeImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(importRe)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/**
 * Every repository file an entry point loads through relative imports (NodeNext: `./x.js` -> `x.ts`),
 * as repo-relative paths; imports that resolve to no file are returned in `missing`.
 */
export function importClosure(root: string, entry: string): { files: string[]; missing: string[] } {
  const files = new Set<string>();
  const missing = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const rel = todo.pop()!;
    if (files.has(rel)) continue;
    const abs = join(root, rel);
    if (!existsSync(abs)) {
      missing.add(rel);
      continue;
    }
    files.add(rel);
    if (!rel.endsWith('.ts')) continue;
    for (const spec of relativeImports(readFileSync(abs, 'utf8'))) {
      const target = relative(root, join(dirname(abs), spec)).split('\\').join('/');
      todo.push(target.endsWith('.js') ? target.slice(0, -3) + '.ts' : target);
    }
  }
  return { files: [...files].sort(), missing: [...missing].sort() };
}
