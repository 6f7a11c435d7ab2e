// `kubectl aether`: the Aether API server from a terminal, with the user's kubeconfig. The bearer token of
// the kubeconfig's current user (a token, a token file or an exec plugin) authenticates every request,
// so RBAC decides what the user may do, as with kubectl. The API server's address comes from --server or
// AETHER_API_SERVER; the namespace from -n/--namespace or the current context.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../client/paths.js';
import { age, parseJsonLines, stepLine, table } from './format.js';
import { startUiProxy } from './ui-proxy.js';

export interface PluginIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

export const USAGE = `Usage: kubectl aether [flags] <command>

Commands:
  jobs                          list RpaJobs
  logs <job>                    the step log of a job's run
  screenshot <job> [-o file]    save the screenshot of the failed step (default <job>.png)
  artifacts <job> [name] [-o dir]   list a run's artifacts, or download one
  dlq list [--pool p]           dead letters (runs that failed for good)
  dlq replay <uid>              run a dead letter again as a new RpaJob
  robots [--all]                robots with their version, restarts, heartbeat and current jobs
  queue add <queue> -f items.jsonl   add work items (one JSON object a line: reference, data, priority, ...)
  queue items <queue> [--status s]   a queue's items (oldest first)
  queue log <queue> <id>             the step log of a work item's run
  queue screenshot <queue> <id> [-o file]      the failed step's screenshot (default <queue>-<id>.png)
  queue artifacts <queue> <id> [name] [-o dir] list an item's artifacts, or download one
  queue retry <queue> <id>           a Failed or Abandoned item is New again
  queue delete <queue> <id>          delete an item (its reference is free again)
  ui [--port p]                 the web console on 127.0.0.1, signed in as your kubeconfig user

Flags:
  -n, --namespace <ns>   namespace (default: the kubeconfig context's, else default)
  --server <url>         the Aether API server (default: $AETHER_API_SERVER)
  --token <token>        bearer token (default: the kubeconfig user's)
  --kubeconfig <path>    kubeconfig file (default: $KUBECONFIG or ~/.kube/config)
  -o, --output <path>    where screenshot/artifacts write
`;

class UsageError extends Error {}

interface Flags {
  pool?: string;
  all?: boolean;
  /** The -f file's text. */
  file?: string;
  status?: string;
}

/** Items per request: the API server's bulk limit. */
const ITEMS_PER_REQUEST = 10_000;

/** The kubeconfig user's bearer token (static, file or exec plugin), as client-node would send it. */
async function kubeconfigToken(kc: KubeConfig): Promise<string | undefined> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const auth = (opts.headers as Record<string, string> | undefined)?.Authorization ?? (opts.headers as Record<string, string> | undefined)?.authorization;
  const m = /^Bearer\s+(\S+)$/i.exec(auth ?? '');
  return m?.[1];
}

interface Ctx {
  api: Client<paths>;
  server: string;
  token: string;
  port?: number;
  namespace: string;
  io: PluginIo;
  output?: string;
}

function failIf(res: { response: Response; error?: unknown }, what: string): void {
  if (res.response.ok) return;
  const e = res.error as { message?: string } | undefined;
  throw new Error(`${what}: HTTP ${res.response.status}${e?.message ? `: ${e.message}` : ''}`);
}

type Fetched = { response: Response; error?: unknown; data?: unknown };

/** Writes a screenshot fetched as bytes to `file` (relative to the working directory). */
function saveScreenshot(io: PluginIo, r: Fetched, what: string, file: string): void {
  failIf(r, `reading the screenshot of ${what}`);
  const path = join(io.cwd, file);
  writeFileSync(path, Buffer.from(r.data as ArrayBuffer));
  io.stdout.write(`${path}\n`);
}

interface ArtifactRow {
  name: string;
  size: number;
  contentType: string;
  stepPath: string;
  sha256: string;
}

/** Prints an artifact list as a table. */
function printArtifacts(io: PluginIo, r: Fetched, what: string): void {
  failIf(r, `listing the artifacts of ${what}`);
  const items = (r.data as { items: ArtifactRow[] }).items;
  io.stdout.write(table(['NAME', 'SIZE', 'TYPE', 'STEP', 'SHA256'], items.map((a) => [a.name, String(a.size), a.contentType, a.stepPath, a.sha256.slice(0, 12)])));
}

/** Writes a downloaded artifact as `<dir>/<name>`. */
function saveArtifact(io: PluginIo, r: Fetched, what: string, artifact: string, output: string | undefined): void {
  failIf(r, `downloading ${artifact} of ${what}`);
  const dir = join(io.cwd, output ?? '.');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, artifact), Buffer.from(r.data as ArrayBuffer));
  io.stdout.write(`${join(dir, artifact)}\n`);
}

const COMMANDS: Record<string, (ctx: Ctx, args: string[], flags: Flags) => Promise<void>> = {
  /** Serves the web console on 127.0.0.1 until interrupted (see ui-proxy.ts). */
  async ui({ server, token, namespace, io, port }) {
    const proxy = await startUiProxy({ server, token, namespace, ...(port !== undefined && { port }) });
    io.stdout.write(`The Aether console (${namespace}) as your kubeconfig user: open\n  ${proxy.url}\nCtrl-C stops it.\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await proxy.close();
  },
  async jobs({ api, namespace, io }) {
    const r = await api.GET('/api/v1/namespaces/{namespace}/jobs', { params: { path: { namespace } } });
    failIf(r, 'listing jobs');
    const rows = r.data!.items.map((j) => {
      const s = (j.status ?? {}) as { phase?: string; progress?: string; robot?: string };
      return [j.metadata.name, s.phase ?? '', s.progress ?? '', s.robot ?? '', j.metadata.annotations?.['rpa.aether.dev/submitted-by'] ?? '', age(j.metadata.creationTimestamp)];
    });
    io.stdout.write(table(['NAME', 'PHASE', 'PROGRESS', 'ROBOT', 'SUBMITTED-BY', 'AGE'], rows));
  },

  async logs({ api, namespace, io }, [name]) {
    if (!name) throw new UsageError('logs needs a job name');
    const r = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/log', { params: { path: { namespace, name } } });
    failIf(r, `reading the log of ${name}`);
    const { run, steps } = r.data!;
    io.stdout.write(`run ${run.uid}  ${run.state}  attempts ${run.attempts} (failed ${run.failedAttempts}/${run.maxAttempts})${run.robot ? `  robot ${run.robot}` : ''}\n`);
    for (const s of steps) io.stdout.write(`${stepLine(s)}\n`);
    if (run.error !== undefined) io.stdout.write(`error: ${JSON.stringify(run.error)}\n`);
  },

  async screenshot({ api, namespace, io, output }, [name]) {
    if (!name) throw new UsageError('screenshot needs a job name');
    const r = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/screenshot', { params: { path: { namespace, name } }, parseAs: 'arrayBuffer' });
    saveScreenshot(io, r, name, output ?? `${name}.png`);
  },

  async artifacts({ api, namespace, io, output }, [name, artifact]) {
    if (!name) throw new UsageError('artifacts needs a job name');
    if (artifact === undefined) {
      printArtifacts(io, await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/artifacts', { params: { path: { namespace, name } } }), name);
      return;
    }
    const r = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/artifacts/{artifact}', {
      params: { path: { namespace, name, artifact } },
      parseAs: 'arrayBuffer',
    });
    saveArtifact(io, r, name, artifact, output);
  },

  async dlq({ api, namespace, io }, [sub, uid], flags) {
    if (sub === 'list') {
      const r = await api.GET('/api/v1/namespaces/{namespace}/deadletters', { params: { path: { namespace }, query: { ...(flags.pool && { pool: flags.pool }) } } });
      failIf(r, 'listing dead letters');
      const rows = r.data!.items.map((d) => {
        const e = d.error as { reason?: string; message?: string } | undefined;
        return [d.uid, d.name, d.pool, String(d.failedAttempts), e?.reason ?? '', age(d.finishedAt), (e?.message ?? '').slice(0, 60)];
      });
      io.stdout.write(table(['UID', 'JOB', 'POOL', 'FAILURES', 'REASON', 'AGE', 'MESSAGE'], rows));
    } else if (sub === 'replay') {
      if (!uid) throw new UsageError('dlq replay needs the uid of a dead letter (see dlq list)');
      const r = await api.POST('/api/v1/namespaces/{namespace}/deadletters/{uid}/replay', { params: { path: { namespace, uid } } });
      failIf(r, `replaying ${uid}`);
      io.stdout.write(`rpajob.rpa.aether.dev/${r.data!.metadata.name} created\n`);
    } else throw new UsageError('dlq needs list or replay');
  },

  async queue({ api, namespace, io, output }, [sub, queue, id, artifact], flags) {
    if (!queue) throw new UsageError('queue needs add, items, log, screenshot, artifacts, retry or delete and a queue name');
    const item = `item ${id} of ${queue}`;
    if (['log', 'screenshot', 'artifacts', 'retry', 'delete'].includes(sub ?? '') && !id) throw new UsageError(`queue ${sub} needs a queue name and an item id`);
    const path = { namespace, queue };
    if (sub === 'add') {
      if (flags.file === undefined) throw new UsageError('queue add needs -f <items.jsonl>');
      const items = parseJsonLines(flags.file) as Array<{ reference?: string; data?: Record<string, unknown> }>;
      const totals = { added: 0, duplicate: 0, replaced: 0 };
      for (let i = 0; i < items.length; i += ITEMS_PER_REQUEST) {
        const r = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path }, body: { items: items.slice(i, i + ITEMS_PER_REQUEST) } });
        failIf(r, `adding items ${i + 1}-${Math.min(items.length, i + ITEMS_PER_REQUEST)} to ${queue}`);
        for (const k of ['added', 'duplicate', 'replaced'] as const) totals[k] += r.data![k];
      }
      io.stdout.write(`${totals.added} added, ${totals.duplicate} duplicate, ${totals.replaced} replaced\n`);
    } else if (sub === 'items') {
      const rows: string[][] = [];
      for (let after: string | undefined; ; ) {
        const query = { limit: 1000, ...(after && { after }), ...(flags.status && { status: flags.status as 'New' }) };
        const r = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path, query } });
        failIf(r, `listing the items of ${queue}`);
        for (const it of r.data!.items) rows.push([it.id, it.reference ?? '', it.status, String(it.retries), it.robot ?? '', age(it.createdAt), it.error?.message.slice(0, 60) ?? '']);
        after = r.data!.next;
        if (after === undefined) break;
      }
      io.stdout.write(table(['ID', 'REFERENCE', 'STATUS', 'RETRIES', 'ROBOT', 'AGE', 'ERROR'], rows));
    } else if (sub === 'log') {
      const r = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/log', { params: { path: { ...path, id: id! } } });
      failIf(r, `reading the log of item ${id} of ${queue}`);
      const { item, steps } = r.data!;
      io.stdout.write(`item ${item.id}  ${item.status}  retries ${item.retries}${item.robot ? `  robot ${item.robot}` : ''}\n`);
      for (const s of steps) io.stdout.write(`${stepLine(s)}\n`);
      if (item.error) io.stdout.write(`error: ${JSON.stringify(item.error)}\n`);
    } else if (sub === 'screenshot') {
      const r = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/screenshot', { params: { path: { ...path, id: id! } }, parseAs: 'arrayBuffer' });
      saveScreenshot(io, r, item, output ?? `${queue}-${id}.png`);
    } else if (sub === 'artifacts') {
      if (artifact === undefined) {
        printArtifacts(io, await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/artifacts', { params: { path: { ...path, id: id! } } }), item);
        return;
      }
      const r = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/artifacts/{artifact}', {
        params: { path: { ...path, id: id!, artifact } },
        parseAs: 'arrayBuffer',
      });
      saveArtifact(io, r, item, artifact, output);
    } else if (sub === 'retry' || sub === 'delete') {
      const r =
        sub === 'retry'
          ? await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/retry', { params: { path: { ...path, id: id! } } })
          : await api.DELETE('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}', { params: { path: { ...path, id: id! } } });
      failIf(r, `${sub === 'retry' ? 'retrying' : 'deleting'} ${item}`);
      io.stdout.write(`item ${r.data!.id} ${r.data!.status}\n`);
    } else throw new UsageError('queue needs add, items, log, screenshot, artifacts, retry or delete');
  },

  async robots({ api, namespace, io }, _args, flags) {
    const r = await api.GET('/api/v1/namespaces/{namespace}/robots', {
      params: { path: { namespace }, query: { ...(flags.pool && { pool: flags.pool }), ...(flags.all && { all: 'true' as const }) } },
    });
    failIf(r, 'listing robots');
    const rows = r.data!.items.map((b) => [b.id, b.pool, b.pod ?? '', b.state, b.version ?? '', String(b.restarts), age(b.heartbeatAt), b.currentJobs.map((j) => j.name).join(',')]);
    io.stdout.write(table(['ROBOT', 'POOL', 'POD', 'STATE', 'VERSION', 'RESTARTS', 'HEARTBEAT', 'JOBS'], rows));
  },
};

/** Runs one `kubectl aether` command; returns the exit code (errors are printed, not thrown). */
export async function runPlugin(argv: string[], io: PluginIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        server: { type: 'string' },
        token: { type: 'string' },
        kubeconfig: { type: 'string' },
        output: { type: 'string', short: 'o' },
        file: { type: 'string', short: 'f' },
        pool: { type: 'string' },
        status: { type: 'string' },
        port: { type: 'string' },
        all: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...args] = positionals;
    if (values.help || command === undefined || command === 'help') {
      io.stdout.write(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const run = COMMANDS[command];
    if (run === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const server = values.server ?? io.env.AETHER_API_SERVER;
    if (!server) throw new UsageError('the API server is unknown: pass --server <url> or set AETHER_API_SERVER');
    const kc = new KubeConfig();
    if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
    else kc.loadFromDefault();
    const token = values.token ?? (await kubeconfigToken(kc));
    if (!token)
      throw new UsageError('the kubeconfig user has no bearer token (client certificates do not reach the Aether API server): pass --token');
    const namespace = values.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    const api = createClient<paths>({ baseUrl: server.replace(/\/+$/, ''), headers: { Authorization: `Bearer ${token}` } });
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`--port ${values.port}: not a port number`);
    const ctx: Ctx = {
      api,
      server: server.replace(/\/+$/, ''),
      token,
      namespace,
      io,
      ...(port !== undefined && { port }),
      ...(values.output !== undefined && { output: values.output }),
    };
    await run(ctx, args, {
      ...(values.pool !== undefined && { pool: values.pool }),
      ...(values.all !== undefined && { all: values.all }),
      ...(values.status !== undefined && { status: values.status }),
      ...(values.file !== undefined && { file: readFileSync(values.file === '-' ? 0 : join(io.cwd, values.file), 'utf8') }),
    });
    return 0;
  } catch (err) {
    io.stderr.write(`kubectl aether: ${(err as Error).message}\n`);
    if (err instanceof UsageError) io.stderr.write('Run `kubectl aether --help` for usage.\n');
    return err instanceof UsageError ? 2 : 1;
  }
}
