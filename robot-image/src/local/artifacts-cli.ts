// `aether artifacts list JOB` and `aether artifacts get JOB NAME [-o FILE]` against a cluster. The RpaJob
// is read through the Kubernetes API (kubeconfig: --kubeconfig, else KUBECONFIG / ~/.kube/config) for its
// UID; the bytes are read from PostgreSQL, which the API server does not proxy: --database-url or
// AETHER_DATABASE_URL (e.g. the namespace's robot URL from its Secret, through a port-forward). A robot
// role's URL sees only its namespace's artifacts (row-level security).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { listArtifacts, readArtifactContent, findArtifact } from '../../../api/queue/sql/artifacts.js';
import { GROUP, VERSION } from '../../../api/v1alpha1/common.js';
import { UsageError } from './args.js';

export interface ArtifactsArgs {
  action: 'list' | 'get';
  job: string;
  name?: string;
  namespace?: string;
  kubeconfig?: string;
  databaseUrl?: string;
  output?: string;
}

export function parseArtifactsArgs(argv: readonly string[]): ArtifactsArgs {
  const problems: string[] = [];
  const positional: string[] = [];
  const out: Partial<ArtifactsArgs> = {};
  const flags: Record<string, keyof ArtifactsArgs> = {
    '-n': 'namespace',
    '--namespace': 'namespace',
    '--kubeconfig': 'kubeconfig',
    '--database-url': 'databaseUrl',
    '-o': 'output',
    '--output': 'output',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const field = flags[flag];
    if (field) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') problems.push(`${flag} needs a value`);
      else (out as Record<string, string>)[field] = v;
    } else if (arg.startsWith('-') && arg !== '-') problems.push(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [action, job, name, ...extra] = positional;
  if (action !== 'list' && action !== 'get') problems.push('artifacts needs list or get');
  if (!job) problems.push('no RpaJob name given');
  if (action === 'get' && !name) problems.push('get needs the artifact NAME');
  if (action === 'list' && name !== undefined) problems.push(`unexpected argument ${name}`);
  if (extra.length > 0) problems.push(`unexpected argument ${extra[0]}`);
  if (out.output !== undefined && action !== 'get') problems.push('-o is only for get');
  if (problems.length > 0) throw new UsageError(problems);
  return { ...(out as object), action: action as 'list' | 'get', job: job!, ...(name !== undefined && { name }) } as ArtifactsArgs;
}

export interface ArtifactsIo {
  stdout: (b: string | Buffer) => void;
  stderr: (t: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export class ArtifactsCommandError extends Error {}

/** The RpaJob's UID (artifacts are keyed by it) and namespace. */
async function jobUid(kc: KubeConfig, namespace: string, name: string): Promise<string> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    const job = (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'rpajobs', name })) as { metadata?: { uid?: string } };
    if (!job.metadata?.uid) throw new ArtifactsCommandError(`RpaJob ${namespace}/${name} has no uid`);
    return job.metadata.uid;
  } catch (err) {
    if (err instanceof ArtifactsCommandError) throw err;
    const code = (err as { code?: number }).code;
    if (code === 404) throw new ArtifactsCommandError(`RpaJob ${namespace}/${name} not found`);
    throw new ArtifactsCommandError(`could not read RpaJob ${namespace}/${name}${code ? ` (HTTP ${code})` : ''}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

export async function runArtifactsCommand(args: ArtifactsArgs, io: ArtifactsIo): Promise<number> {
  const kc = new KubeConfig();
  if (args.kubeconfig) kc.loadFromFile(args.kubeconfig);
  else kc.loadFromDefault();
  const namespace = args.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const databaseUrl = args.databaseUrl ?? io.env.AETHER_DATABASE_URL;
  if (!databaseUrl) throw new ArtifactsCommandError('no database: give --database-url or set AETHER_DATABASE_URL (the robots\' PostgreSQL URL)');
  const uid = await jobUid(kc, namespace, args.job);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    if (args.action === 'list') {
      const rows = await listArtifacts(db, { runUid: uid });
      io.stdout(`${JSON.stringify(rows.map((r) => ({ name: r.name, size: r.size, sha256: r.sha256, contentType: r.contentType, step: r.stepPath, createdAt: r.createdAt })), null, 2)}\n`);
      return 0;
    }
    const name = args.name!;
    const row = await findArtifact(db, { runUid: uid, name });
    const content = row && (await readArtifactContent(db, { runUid: uid, name }));
    if (!row || !content) throw new ArtifactsCommandError(`RpaJob ${namespace}/${args.job} has no artifact "${name}"`);
    const digest = createHash('sha256').update(content).digest('hex');
    if (digest !== row.sha256) throw new ArtifactsCommandError(`artifact "${name}" does not match its sha256 (stored ${row.sha256}, read ${digest})`);
    if (args.output === '-') io.stdout(content);
    else {
      const file = resolve(io.cwd, args.output ?? name);
      writeFileSync(file, content);
      io.stderr(`aether: wrote ${file} (${content.length} bytes, sha256 ${digest})\n`);
    }
    return 0;
  } finally {
    await db.end();
  }
}
