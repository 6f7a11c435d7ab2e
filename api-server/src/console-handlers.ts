// What the web console's operations of routes.ts do: the overview, the runs list, a job's page, queue
// summaries, workflows with their healing suggestions, adopting a suggestion, suspend/resume, and the
// caller's own rights (so the UI hides what it would be refused).
import { resourceAttributes, AUTHENTICATED } from './access.js';
import type { RequestContext } from './app.js';
import { HttpError } from './app.js';
import { AuthError } from './auth.js';
import {
  deadlineBreaches,
  listRunSummaries,
  outcomesPerHour,
  poolLoad,
  queueCounts,
  queueSeries,
  runHealingEvents,
  runTakeovers,
  type RunStateName,
  type RunSummaryRow,
} from './console-sql.js';
import { mergePage, unqueuedRow, type UnqueuedRow } from './console-unqueued.js';
import { unqueuedRows } from './unqueued-jobs.js';
import { cursorOf, outcomesByHour, parseCursor, poolsView, runSummaryView, seriesByPool, timeline } from './console-view.js';
import type { HandlerResult } from './handlers.js';
import { ApiRequestError, type KubeObject, type RpaJobObject } from './kube.js';
import type { RouteDef } from './routes.js';
import { dbosSchemaOf, findRun, listSteps } from './sql.js';
import { stepEntry, runView } from './handlers.js';
import { SuggestionError, suggestionChange, suggestionPatch } from './suggestion-patch.js';

type Handler = (ctx: RequestContext) => Promise<HandlerResult>;
const json = (status: number, body: unknown): HandlerResult => ({ kind: 'json', status, body });
const HOUR_S = 3600;

const notFoundIsNull = <T>(p: Promise<T>): Promise<T | null> =>
  p.catch((err: unknown) => {
    if (err instanceof ApiRequestError && err.code === 404) return null;
    throw err;
  });

const withKind = (job: RpaJobObject): RpaJobObject => ({ ...job, apiVersion: job.apiVersion ?? 'rpa.aether.dev/v1alpha1', kind: 'RpaJob' });

async function setSuspend(ctx: RequestContext, suspend: boolean): Promise<HandlerResult> {
  const { namespace, name } = ctx.params as { namespace: string; name: string };
  const job = await ctx.deps.kube.patchJob(namespace, name, { spec: { suspend } });
  ctx.deps.logger.info({ kind: 'RpaJob', namespace, name, jobUid: job.metadata.uid, suspend, by: ctx.user.username }, suspend ? 'suspended RpaJob' : 'resumed RpaJob');
  return json(200, withKind(job));
}

interface Suggestion {
  stepId: string;
  field?: string;
  suggested: unknown;
  score: number;
  count?: number;
  tier?: number;
  lastSeen?: string;
  message?: string;
}

const suggestionsOf = (w: KubeObject) => ((w.status?.healingSuggestions as Suggestion[] | undefined) ?? []);

function suggestionView(w: KubeObject, s: Suggestion) {
  const base = {
    stepId: s.stepId,
    field: s.field ?? 'target',
    score: s.score,
    ...(s.count !== undefined && { count: s.count }),
    ...(s.tier !== undefined && { tier: s.tier }),
    ...(s.lastSeen !== undefined && { lastSeen: s.lastSeen }),
    ...(s.message !== undefined && { message: s.message }),
  };
  try {
    const c = suggestionChange(w, s);
    return { ...base, before: c.before, after: c.after };
  } catch (err) {
    if (!(err instanceof SuggestionError)) throw err;
    return { ...base, before: null, after: s.suggested, problem: err.message };
  }
}

/** The console's handlers; `routes` is the whole route table (getAccess answers for each of them). */
export function consoleHandlers(routes: readonly RouteDef[]) {
  return {
    async getAccess(ctx) {
      const namespace = ctx.params.namespace!;
      const allowed: Record<string, boolean> = {};
      const reasons: Record<string, string> = {};
      await Promise.all(
        routes.map(async (r) => {
          if (r.access === AUTHENTICATED) return void (allowed[r.operationId] = true);
          try {
            await ctx.deps.authorizer.authorize(ctx.user, resourceAttributes(r.access, namespace));
            allowed[r.operationId] = true;
          } catch (err) {
            if (!(err instanceof AuthError)) throw err;
            allowed[r.operationId] = false;
            reasons[r.operationId] = err.message;
          }
        }),
      );
      return json(200, { namespace, username: ctx.user.username, allowed, reasons });
    },

    async getOverview(ctx) {
      const namespace = ctx.params.namespace!;
      const db = ctx.deps.db;
      const pools = ctx.deps.kube.listPools(namespace).then(
        (l) =>
          l.items.map((p) => ({
            name: p.metadata.name,
            desired: (p.status?.desiredReplicas as number | undefined) ?? null,
            ready: (p.status?.readyReplicas as number | undefined) ?? null,
          })),
        (err: unknown) => {
          ctx.deps.logger.warn({ namespace, err: String(err) }, 'overview read no RobotPools');
          return [];
        },
      );
      const [load, series, outcomes, queues, deadlines, poolList] = await Promise.all([
        poolLoad(db, { namespace }),
        queueSeries(db, { namespace, windowSeconds: HOUR_S, stepSeconds: 60 }),
        outcomesPerHour(db, { namespace, hours: 24 }),
        queueCounts(db, { namespace }),
        deadlineBreaches(db, { namespace, hours: 24 }),
        pools,
      ]);
      return json(200, {
        generatedAt: new Date().toISOString(),
        pools: poolsView(load, poolList),
        queueSeries: seriesByPool(series),
        outcomes: outcomesByHour(outcomes),
        sla: { deadlineBreaches: deadlines, queueBreaches: queues.reduce((n, q) => n + q.breaches, 0) },
      });
    },

    async listRuns(ctx) {
      const q = ctx.query as { state?: string; pool?: string; workflow?: string; since?: string; until?: string; before?: string; limit?: number };
      const limit = q.limit ?? 50;
      const filter = {
        namespace: ctx.params.namespace!,
        limit,
        ...(q.state && { states: q.state.split(',') as RunStateName[] }),
        ...(q.pool && { pool: q.pool }),
        ...(q.workflow && { workflow: q.workflow }),
        ...(q.since && { since: new Date(q.since) }),
        ...(q.until && { until: new Date(q.until) }),
        ...(q.before && { before: parseCursor(q.before) }),
      };
      // Jobs the operator has not queued (or refused) have no run row: merged in from the RpaJobs watch.
      const [rows, unqueued] = await Promise.all([listRunSummaries(ctx.deps.db, filter), unqueuedRows(ctx, filter)]);
      const page = mergePage<RunSummaryRow | UnqueuedRow>(rows, unqueued, limit);
      return json(200, { items: page.items.map(runSummaryView), ...(page.more && { next: cursorOf(page.items.at(-1)!) }) });
    },

    async getJobDetail(ctx) {
      const { namespace, name } = ctx.params as { namespace: string; name: string };
      const uid = ctx.query.uid as string | undefined;
      const [run, job] = await Promise.all([
        findRun(ctx.deps.db, { namespace, name, ...(uid !== undefined && { uid }) }),
        notFoundIsNull(ctx.deps.kube.getJob(namespace, name)),
      ]);
      if (run === null) {
        const why = job === null ? null : unqueuedRow(job);
        if (why !== null) throw new HttpError(404, 'NotQueued', `RpaJob ${namespace}/${name} has no run: it is ${why.state}${why.errorMessage ? ` (${why.errorMessage})` : ''}`);
        throw new HttpError(404, 'NotFound', `no run of RpaJob ${namespace}/${name} is recorded (not queued yet?)`);
      }
      const schema = await dbosSchemaOf(ctx.deps.db, { namespace, fallback: ctx.deps.dbosSchema ?? 'dbos' });
      const [steps, takeovers, healing] = await Promise.all([
        schema === null ? [] : listSteps(ctx.deps.db, { schema, uid: run.uid, attempts: Math.max(run.failedAttempts + 1, run.maxAttempts) }),
        runTakeovers(ctx.deps.db, { uid: run.uid }),
        runHealingEvents(ctx.deps.db, { namespace, uid: run.uid }),
      ]);
      const sameJob = job !== null && job.metadata.uid === run.uid ? withKind(job) : null;
      const ref = sameJob?.spec.workflowRef as { name?: string } | undefined;
      return json(200, {
        job: sameJob,
        run: runView(run),
        workflow: ref?.name ?? null,
        steps: timeline(steps.map(stepEntry), takeovers.items, {
          runEnded: !['queued', 'running'].includes(run.state),
          ...(run.state === 'failed' && run.error?.stepId && { failedStep: run.error.stepId }),
        }),
        takeovers,
        healing: healing.map((h) => ({ ...h, at: h.at.toISOString() })),
      });
    },

    suspendJob: (ctx) => setSuspend(ctx, true),
    resumeJob: (ctx) => setSuspend(ctx, false),

    async listQueues(ctx) {
      const rows = await queueCounts(ctx.deps.db, { namespace: ctx.params.namespace! });
      return json(200, {
        items: rows.map((q) => ({
          queue: q.queue,
          pool: q.pool,
          slaSeconds: q.slaSeconds,
          counts: { New: q.new, InProgress: q.inProgress, Successful: q.successful, Failed: q.failed, Abandoned: q.abandoned },
          oldestNewAt: q.oldestNewAt === null ? null : q.oldestNewAt.toISOString(),
          slaBreaches: q.breaches,
        })),
      });
    },

    async listWorkflows(ctx) {
      const list = await ctx.deps.kube.listWorkflows(ctx.params.namespace!);
      return json(200, {
        items: list.items.map((w) => {
          const ready = (w.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find((c) => c.type === 'Ready');
          return {
            name: w.metadata.name,
            stepCount: (w.status?.stepCount as number | undefined) ?? null,
            ready: ready === undefined ? null : ready.status === 'True',
            suggestions: suggestionsOf(w).length,
            description: typeof w.spec.description === 'string' ? w.spec.description : null,
          };
        }),
      });
    },

    async getWorkflow(ctx) {
      const { namespace, name } = ctx.params as { namespace: string; name: string };
      const [w, runs] = await Promise.all([
        ctx.deps.kube.readWorkflow(namespace, name),
        listRunSummaries(ctx.deps.db, { namespace, workflow: name, limit: 20 }),
      ]);
      return json(200, { workflow: w, suggestions: suggestionsOf(w).map((s) => suggestionView(w, s)), recentRuns: runs.map(runSummaryView) });
    },

    async applySuggestion(ctx) {
      const { namespace, name, stepId } = ctx.params as { namespace: string; name: string; stepId: string };
      const field = (ctx.query.field as string | undefined) ?? 'target';
      const w = await ctx.deps.kube.readWorkflow(namespace, name);
      const s = suggestionsOf(w).find((x) => x.stepId === stepId && (x.field ?? 'target') === field);
      if (s === undefined) throw new HttpError(404, 'NotFound', `RpaWorkflow ${namespace}/${name} has no healing suggestion for step ${stepId} (${field})`);
      let ops;
      try {
        ops = suggestionPatch(suggestionChange(w, s), w.metadata.resourceVersion ?? '');
      } catch (err) {
        if (err instanceof SuggestionError) throw new HttpError(409, 'Conflict', err.message);
        throw err;
      }
      const patched = await ctx.deps.kube.patchWorkflow(namespace, name, ops).catch((err: unknown) => {
        // The test op failed: someone changed the workflow between the read and the patch.
        if (err instanceof ApiRequestError && err.code === 422 && /test operation/i.test(JSON.stringify(err.body ?? ''))) {
          throw new HttpError(409, 'Conflict', `RpaWorkflow ${namespace}/${name} changed meanwhile: read it again`);
        }
        throw err;
      });
      ctx.deps.logger.info({ kind: 'RpaWorkflow', namespace, name, stepId, field, appliedBy: ctx.user.username}, 'applied healing suggestion');
      return json(200, {
        name,
        stepId,
        field,
        ...(patched.metadata.generation !== undefined && { generation: patched.metadata.generation }),
        ...(patched.metadata.resourceVersion !== undefined && { resourceVersion: patched.metadata.resourceVersion }),
      });
    },
  } satisfies Record<string, Handler>;
}
