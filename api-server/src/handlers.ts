// What each operation of routes.ts does, once its request is valid, authenticated and authorized.
import { listArtifacts, findArtifact, readArtifactContent, type ArtifactRow } from '../../api/queue/sql/artifacts.js';
import { listDeadLetters } from '../../api/queue/sql/runs.js';
import { getQueue } from '../../api/queue/items/queues.js';
import { itemArtifactsUid, itemRunUid } from '../../api/queue/items/run-id.js';
import { addItems, deleteItems, getItem, listItems, retryItems, type Item, type ItemStatus } from '../../api/queue/items/store.js';
import type { NewItem } from '../../api/queue/items/validate.js';
import { itemsWorkflowProblem } from './items-check.js';
import type { RequestContext } from './app.js';
import { HttpError } from './app.js';
import { REPLAY_OF, SUBMITTED_BY, type RpaJobObject } from './kube.js';
import { ROUTES, type OperationId, type RouteDef } from './routes.js';
import { consoleHandlers } from './console-handlers.js';
import { dbosSchemaOf, findRun, findRunByUid, listRobots, listSteps, readLatestScreenshot, readScreenshot, type RunRow, type StepRow } from './sql.js';

export type HandlerResult =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'bytes'; contentType: string; bytes: Buffer; filename?: string }
  | { kind: 'events' };

type Handler = (ctx: RequestContext) => Promise<HandlerResult>;

const json = (status: number, body: unknown): HandlerResult => ({ kind: 'json', status, body });
const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const ERROR_TEXT_MAX = 4096;

export function runView(r: RunRow) {
  return {
    uid: r.uid,
    namespace: r.namespace,
    name: r.name,
    pool: r.pool,
    state: r.state,
    attempts: r.attempts,
    failedAttempts: r.failedAttempts,
    maxAttempts: r.maxAttempts,
    robot: r.robot,
    ...(r.error !== null && { error: r.error }),
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    hasScreenshot: r.screenshotId !== null,
  };
}

/** A recorded step error as text: DBOS stores a serialized error; its message is what a reader wants. */
export function stepErrorText(raw: string): string {
  let text = raw;
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string') text = (v as { message: string }).message;
    else if (typeof v === 'string') text = v;
  } catch {
    // not JSON: the raw text
  }
  return text.length > ERROR_TEXT_MAX ? `${text.slice(0, ERROR_TEXT_MAX - 1)}…` : text;
}

export function stepEntry(row: StepRow) {
  const attempt = Number(/-a(\d+)$/.exec(row.workflowId)?.[1] ?? 0);
  const ms = (v: string | null) => (v === null ? undefined : new Date(Number(v)).toISOString());
  const startedAt = ms(row.startedAtMs);
  const completedAt = ms(row.completedAtMs);
  return {
    attempt,
    seq: row.seq,
    step: row.step ?? `#${row.seq}`,
    status: row.error !== null ? ('failed' as const) : completedAt !== undefined || row.startedAtMs === null ? ('succeeded' as const) : ('running' as const),
    ...(row.error !== null && { error: stepErrorText(row.error) }),
    ...(startedAt && { startedAt }),
    ...(completedAt && { completedAt }),
  };
}

const artifactView = (a: ArtifactRow) => ({ ...a, createdAt: a.createdAt.toISOString() });

/** The bytes of artifact `:artifact` of the run kept under `runUid` (a job's, or an item's), or 404 naming `owner`. */
async function artifactBytes(ctx: RequestContext, runUid: string, owner: string): Promise<HandlerResult> {
  const name = ctx.params.artifact!;
  const meta = await findArtifact(ctx.deps.db, { runUid, name });
  const bytes = meta && (await readArtifactContent(ctx.deps.db, { runUid, name }));
  if (!meta || !bytes) throw new HttpError(404, 'NotFound', `${owner} has no artifact ${name}`);
  return { kind: 'bytes', contentType: meta.contentType, bytes, filename: name };
}

async function runOf(ctx: RequestContext): Promise<RunRow> {
  const { namespace, name } = ctx.params as { namespace: string; name: string };
  const uid = ctx.query.uid as string | undefined;
  const run = await findRun(ctx.deps.db, { namespace, name, ...(uid !== undefined && { uid }) });
  if (run === null) throw new HttpError(404, 'NotFound', `no run of RpaJob ${namespace}/${name} is recorded (not queued yet?)`);
  return run;
}

function defaultGenerateName(spec: Record<string, unknown>): string {
  const ref = spec.workflowRef as { name?: unknown } | undefined;
  const base = typeof ref?.name === 'string' ? ref.name : String(spec.pool);
  return `${base.slice(0, 200)}-`;
}

export function itemView(i: Item) {
  return {
    id: i.id,
    queue: i.queue,
    reference: i.reference,
    priority: i.priority,
    data: i.data,
    status: i.status,
    retries: i.retries,
    robot: i.robot,
    postponeUntil: iso(i.postponeUntil),
    deadline: iso(i.deadline),
    outputs: i.outputs,
    error: i.error,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
    startedAt: iso(i.startedAt),
    finishedAt: iso(i.finishedAt),
  };
}

async function itemOf(ctx: RequestContext): Promise<Item> {
  const { namespace, queue, id } = ctx.params as { namespace: string; queue: string; id: string };
  const item = await getItem(ctx.deps.db, { namespace, queue, id });
  if (item === null) throw new HttpError(404, 'NotFound', `queue ${namespace}/${queue} has no item ${id}`);
  return item;
}

/** Changes one item with `change` (retryItems, deleteItems); 409 when its status does not allow it. */
async function changeItem(ctx: RequestContext, change: typeof retryItems, what: string): Promise<HandlerResult> {
  const { namespace, queue, id } = ctx.params as { namespace: string; queue: string; id: string };
  const before = await itemOf(ctx);
  const changed = await change(ctx.deps.db, { namespace, queue, ids: [id] });
  if (changed.length === 0) throw new HttpError(409, 'Conflict', `item ${id} is ${before.status}: it cannot be ${what}`);
  return json(200, itemView(await itemOf(ctx)));
}

const itemHandlers = {
  async addQueueItems(ctx) {
    const { namespace, queue } = ctx.params as { namespace: string; queue: string };
    const items = (ctx.body as { items: NewItem[] }).items;
    const q = await getQueue(ctx.deps.db, { namespace, name: queue });
    if (q === null) throw new HttpError(404, 'NotFound', `queue ${namespace}/${queue} does not exist (or its RpaQueue is not reconciled yet)`);
    const problem = await itemsWorkflowProblem(ctx.deps.kube, namespace, q, items);
    if (problem !== undefined) throw new HttpError(422, 'Invalid', problem);
    const results = await addItems(ctx.deps.db, { namespace, name: queue }, items);
    const count = (r: string) => results.filter((x) => x.result === r).length;
    return json(200, { added: count('added'), duplicate: count('duplicate'), replaced: count('replaced'), items: results });
  },

  async listQueueItems(ctx) {
    const { namespace, queue } = ctx.params as { namespace: string; queue: string };
    const q = ctx.query as { status?: ItemStatus; reference?: string; after?: string; limit?: number };
    const limit = q.limit ?? 100;
    const rows = await listItems(ctx.deps.db, {
      namespace,
      queue,
      limit,
      ...(q.status && { status: q.status }),
      ...(q.reference && { reference: q.reference }),
      ...(q.after && { afterId: q.after }),
    });
    return json(200, { items: rows.map(itemView), ...(rows.length === limit && { next: rows.at(-1)!.id }) });
  },

  async getQueueItem(ctx) {
    return json(200, itemView(await itemOf(ctx)));
  },

  async getQueueItemLog(ctx) {
    const item = await itemOf(ctx);
    const schema = await dbosSchemaOf(ctx.deps.db, { namespace: item.namespace, fallback: ctx.deps.dbosSchema ?? 'dbos' });
    const rows = schema === null ? [] : await listSteps(ctx.deps.db, { schema, uid: itemRunUid(item), attempts: item.retries + 1 });
    return json(200, { item: itemView(item), steps: rows.map(stepEntry) });
  },

  async getQueueItemScreenshot(ctx) {
    const item = await itemOf(ctx);
    const shot = await readLatestScreenshot(ctx.deps.db, { uid: itemArtifactsUid(item) });
    if (shot === null) throw new HttpError(404, 'NotFound', `item ${item.id} of queue ${item.queue} has no screenshot`);
    return { kind: 'bytes', contentType: shot.contentType, bytes: shot.image };
  },

  async listQueueItemArtifacts(ctx) {
    const uid = itemArtifactsUid(await itemOf(ctx));
    return json(200, { uid, items: (await listArtifacts(ctx.deps.db, { runUid: uid })).map(artifactView) });
  },

  async getQueueItemArtifact(ctx) {
    const item = await itemOf(ctx);
    return artifactBytes(ctx, itemArtifactsUid(item), `item ${item.id} of queue ${item.queue}`);
  },

  retryQueueItem: (ctx) => changeItem(ctx, retryItems, 'retried (only Failed and Abandoned items are)'),
  deleteQueueItem: (ctx) => changeItem(ctx, deleteItems, 'deleted (a robot holds it, or it is deleted already)'),
} satisfies Record<string, Handler>;

export const handlers: Record<OperationId, Handler> = {
  async listJobs(ctx) {
    const q = ctx.query as { limit?: number; continue?: string; labelSelector?: string };
    const list = await ctx.deps.kube.listJobs(ctx.params.namespace!, q);
    return json(200, { items: list.items.map(withKind), ...(list.metadata?.continue && { continue: list.metadata.continue }) });
  },

  async createJob(ctx) {
    const body = ctx.body as { name?: string; generateName?: string; labels?: Record<string, string>; spec: Record<string, unknown> };
    const job = await ctx.deps.kube.createJob(ctx.params.namespace!, {
      ...(body.name !== undefined ? { name: body.name } : { generateName: body.generateName ?? defaultGenerateName(body.spec) }),
      ...(body.labels && { labels: body.labels }),
      annotations: { [SUBMITTED_BY]: ctx.user.username },
      spec: body.spec,
    });
    ctx.deps.logger.info({ kind: 'RpaJob', namespace: job.metadata.namespace, name: job.metadata.name, jobUid: job.metadata.uid, submittedBy: ctx.user.username }, 'created RpaJob');
    return json(201, withKind(job));
  },

  async getJob(ctx) {
    return json(200, withKind(await ctx.deps.kube.getJob(ctx.params.namespace!, ctx.params.name!)));
  },

  async cancelJob(ctx) {
    const { namespace, name } = ctx.params as { namespace: string; name: string };
    const job = await ctx.deps.kube.getJob(namespace, name);
    await ctx.deps.kube.deleteJob(namespace, name);
    ctx.deps.logger.info({ kind: 'RpaJob', namespace, name, jobUid: job.metadata.uid, cancelledBy: ctx.user.username }, 'deleted RpaJob (cancel)');
    return json(202, { name, uid: job.metadata.uid });
  },

  async getJobLog(ctx) {
    const run = await runOf(ctx);
    const schema = await dbosSchemaOf(ctx.deps.db, { namespace: run.namespace, fallback: ctx.deps.dbosSchema ?? 'dbos' });
    const rows = schema === null ? [] : await listSteps(ctx.deps.db, { schema, uid: run.uid, attempts: Math.max(run.failedAttempts + 1, run.maxAttempts) });
    return json(200, { run: runView(run), steps: rows.map(stepEntry) });
  },

  async getJobOutputs(ctx) {
    const run = await runOf(ctx);
    return json(200, { uid: run.uid, outputs: run.outputs });
  },

  async getJobScreenshot(ctx) {
    const run = await runOf(ctx);
    const shot = run.screenshotId === null ? null : await readScreenshot(ctx.deps.db, { uid: run.uid, screenshotId: run.screenshotId });
    if (shot === null) throw new HttpError(404, 'NotFound', `run ${run.uid} of RpaJob ${run.namespace}/${run.name} has no screenshot`);
    return { kind: 'bytes', contentType: shot.contentType, bytes: shot.image };
  },

  async listJobArtifacts(ctx) {
    const run = await runOf(ctx);
    const rows = await listArtifacts(ctx.deps.db, { runUid: run.uid });
    return json(200, { uid: run.uid, items: rows.map(artifactView) });
  },

  async getJobArtifact(ctx) {
    const run = await runOf(ctx);
    return artifactBytes(ctx, run.uid, `run ${run.uid}`);
  },

  async listDeadLetters(ctx) {
    const q = ctx.query as { pool?: string; limit?: number };
    const rows = await listDeadLetters(ctx.deps.db, { namespace: ctx.params.namespace!, ...q });
    return json(200, { items: rows.map(runView) });
  },

  async replayDeadLetter(ctx) {
    const { namespace, uid } = ctx.params as { namespace: string; uid: string };
    const run = await findRunByUid(ctx.deps.db, { namespace, uid });
    if (run === null) throw new HttpError(404, 'NotFound', `no run ${uid} in namespace ${namespace}`);
    if (run.state !== 'failed') throw new HttpError(409, 'NotADeadLetter', `run ${uid} is ${run.state}, not failed`);
    const original = await ctx.deps.kube.getJob(namespace, run.name).catch((err: unknown) => {
      if ((err as { code?: number }).code === 404) return null;
      throw err;
    });
    if (original === null || original.metadata.uid !== uid)
      throw new HttpError(410, 'Gone', `RpaJob ${namespace}/${run.name} of dead letter ${uid} is gone: its spec cannot be replayed`);
    const job = await ctx.deps.kube.createJob(namespace, {
      generateName: `${run.name.slice(0, 190)}-replay-`,
      ...(original.metadata.labels && { labels: original.metadata.labels }),
      annotations: { [SUBMITTED_BY]: ctx.user.username, [REPLAY_OF]: uid },
      spec: original.spec,
    });
    ctx.deps.logger.info({ kind: 'RpaJob', namespace, name: job.metadata.name, jobUid: job.metadata.uid, replayOf: uid, submittedBy: ctx.user.username }, 'replayed dead letter');
    return json(201, withKind(job));
  },

  async listRobots(ctx) {
    const q = ctx.query as { pool?: string; all?: 'true' | 'false' };
    const rows = await listRobots(ctx.deps.db, { namespace: ctx.params.namespace!, ...(q.pool && { pool: q.pool }), includeDead: q.all === 'true' });
    return json(200, {
      items: rows.map((r) => ({ ...r, heartbeatAt: r.heartbeatAt.toISOString(), startedAt: r.startedAt.toISOString() })),
    });
  },

  async watchEvents() {
    return { kind: 'events' };
  },

  ...itemHandlers,
  ...consoleHandlers(ROUTES as readonly RouteDef[]),
};


/** List items lack apiVersion and kind; a Job always carries them. */
function withKind(job: RpaJobObject): RpaJobObject {
  return { ...job, apiVersion: job.apiVersion ?? 'rpa.aether.dev/v1alpha1', kind: 'RpaJob' };
}
