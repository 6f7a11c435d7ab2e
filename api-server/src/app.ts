// The Aether API server's HTTP app (fastify): each route of routes.ts is validated with its zod schemas,
// authenticated (TokenReview) and authorized (SubjectAccessReview on the route's access) before its
// handler runs. Jobs go through the Kubernetes API with the server's own ServiceAccount; history is read
// from PostgreSQL.
import Fastify, { LogController, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { isDatabaseUnreachable } from '../../api/db/wait.js';
import type { Logger } from '../../api/log.js';
import { issueLines } from '../../api/zod-issues.js';
import { AUTHENTICATED, resourceAttributes } from './access.js';
import { AuthError, type Authorizer, type UserInfo } from './auth.js';
import { streamEvents, type ItemNotifications } from './events.js';
import { StreamSlots, type StreamLimits } from './stream-slots.js';
import { ApiRequestError, type KubeApi } from './kube.js';
import { openApiDocument } from './openapi.js';
import { CONSOLE_CSP, loadConsoleAssets } from './console-assets.js';
import { HOOK_BODY_LIMIT_BYTES, HOOK_ROUTE, ROUTES, type OperationId, type RouteDef } from './routes.js';
import { handlers, type HandlerResult } from './handlers.js';
import { deliver } from './webhooks/deliver.js';
import { HookRefusal } from './webhooks/signature.js';
import type { TriggerSource } from './webhooks/triggers.js';
import type { UnqueuedJobs } from './unqueued-jobs.js';

export interface AppDeps {
  db: pg.Pool;
  kube: KubeApi;
  /** Who is calling and may they: TokenReview/SubjectAccessReview in a cluster, a session of `aether run --ui` locally. */
  authorizer: Pick<Authorizer, 'authenticate' | 'authorize'>;
  logger: Logger;
  /** DBOS's schema of robots without a tenant schema of their own. Default `dbos`. */
  dbosSchema?: string;
  /** RpaJobs without a run, for the console's runs list (undefined: the list shows runs only). */
  unqueued?: UnqueuedJobs;
  /** Queue item notifications (undefined: no item events). */
  items?: ItemNotifications;
  /** Comment lines on an idle event stream. Default 15 s. */
  keepAliveMs?: number;
  /** How often an event stream's caller is authenticated and authorized again. Default 60 s. */
  recheckAccessMs?: number;
  /** Open event streams per user and in all (each holds a Kubernetes watch). Default DEFAULT_STREAM_LIMITS. */
  streamLimits?: StreamLimits;
  /** Serve HTTPS with this certificate. */
  https?: { cert: Buffer; key: Buffer };
  /** RpaTriggers and their keys (undefined: no webhook route). */
  triggers?: TriggerSource;
  /** Called after a webhook delivery was accepted. */
  onDelivery?: (namespace: string, name: string) => void;
}

/** An error with the HTTP status and reason the caller gets. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const KUBE_REASONS: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  410: 'Gone',
  422: 'Invalid',
  // The Kubernetes API server busy or starting (e.g. a CRD's storage initializing): the caller retries.
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

function errorReply(err: unknown): { status: number; body: { reason: string; message: string } } {
  if (err instanceof HookRefusal) return { status: err.status, body: { reason: err.reason, message: err.message } };
  if (err instanceof HttpError) return { status: err.status, body: { reason: err.reason, message: err.message } };
  if (err instanceof AuthError)
    return { status: err.status, body: { reason: { 401: 'Unauthorized', 403: 'Forbidden', 429: 'TooManyRequests' }[err.status], message: err.message } };
  if (err instanceof ApiRequestError && KUBE_REASONS[err.code]) {
    // The Kubernetes API server's own answer about the RpaJob (its validation, a name taken, ...).
    const body = err.body as { message?: string } | undefined;
    return { status: err.code, body: { reason: KUBE_REASONS[err.code]!, message: body?.message ?? err.message } };
  }
  // PostgreSQL or the Kubernetes API server is away (a restart, a failover): the client should retry, not
  // report a bug. Socket errors and PostgreSQL's connection-class errors both say so.
  if (isDatabaseUnreachable(err))
    return { status: 503, body: { reason: 'ServiceUnavailable', message: 'a service the API server needs (PostgreSQL or the Kubernetes API) is unreachable: try again' } };
  return { status: 500, body: { reason: 'InternalError', message: 'internal error (see the API server log)' } };
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, what: string): z.output<T> | undefined {
  if (schema === undefined) return undefined;
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw new HttpError(400, 'Invalid', `invalid ${what}: ${issueLines(r.error.issues).join('; ')}`);
  return r.data;
}

export interface RequestContext {
  deps: AppDeps;
  user: UserInfo;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
}

async function run(route: RouteDef, deps: AppDeps, streams: StreamSlots, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  try {
    const params = parse(route.params, request.params, 'path parameters') as Record<string, string>;
    // Who and may they, before anything of the request is looked at: a caller without the right learns
    // nothing from validation errors.
    // The object a request is about: a job by name, or the queue whose items it touches.
    const attributes = route.access === AUTHENTICATED ? undefined : resourceAttributes(route.access, params.namespace!, params.name ?? params.queue);
    const check = async () => {
      const who = await deps.authorizer.authenticate(request.headers.authorization);
      if (attributes !== undefined) await deps.authorizer.authorize(who, attributes);
      return who;
    };
    const user = await check();
    const query = (parse(route.query, request.query, 'query') ?? {}) as Record<string, unknown>;
    const body = parse(route.body, request.body, 'body');
    const result: HandlerResult = await handlers[route.operationId as OperationId]({ deps, user, params, query, body, request, reply });
    if (result.kind === 'json') await reply.code(result.status).type('application/json').send(result.body);
    else if (result.kind === 'bytes') {
      if (result.filename) reply.header('Content-Disposition', `attachment; filename="${result.filename}"`);
      await reply.code(200).type(result.contentType).send(result.bytes);
    } else if (result.kind === 'events') {
      const slot = streams.acquire(user.username);
      if ('refused' in slot) throw new HttpError(429, 'TooManyRequests', slot.refused);
      reply.hijack();
      const closed = new Promise<void>((resolve) => request.raw.on('close', () => resolve()));
      // Free when either side ends the stream (the client leaves, or the watch ended).
      void closed.then(slot.release);
      reply.raw.on('close', slot.release);
      await streamEvents(reply.raw, closed, {
        namespace: params.namespace!,
        kube: deps.kube,
        ...(deps.items && { items: deps.items }),
        keepAliveMs: deps.keepAliveMs ?? 15_000,
        recheck: async () => void (await check()),
        ...(typeof request.headers['last-event-id'] === 'string' && { lastEventId: request.headers['last-event-id'] }),
        recheckMs: deps.recheckAccessMs ?? 60_000,
        log: deps.logger,
      });
    }
  } catch (err) {
    await sendError(deps, reply, err, route.operationId);
  }
}

/** Answers with the error's status and reason (the log gets only what is the server's own fault). */
async function sendError(deps: AppDeps, reply: FastifyReply, err: unknown, operation: string): Promise<void> {
  const { status, body } = errorReply(err);
  if (status === 503) deps.logger.warn({ err, operation }, 'request failed: a backend is unreachable');
  else if (status >= 500) deps.logger.error({ err, operation }, 'request failed');
  if (status === 429 || status === 503) reply.header('Retry-After', '1');
  if (!reply.sent) await reply.code(status).type('application/json').send(body);
}

const toFastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

export function buildApp(deps: AppDeps) {
  // Bulk item submits are up to 10,000 items in one body.
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 32 * 1024 * 1024,
    // Handlers log what they did; per-request lines would only repeat the access log of a proxy.
    logController: new LogController({ disableRequestLogging: true }),
    ...(deps.https && { https: deps.https }),
  });
  const document = openApiDocument();
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json').send(document));
  const assets = loadConsoleAssets();
  app.get('/', async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui', async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui/*', async (req, reply) => {
    const name = (req.params as { '*': string })['*'] || 'index.html';
    const asset = assets.get(name);
    if (asset === undefined) return reply.code(404).send({ reason: 'NotFound', message: assets.size ? `no console file ${name}` : 'the console is not built (npm run build:console)' });
    return reply
      .header('Content-Security-Policy', CONSOLE_CSP)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', name === 'index.html' ? 'no-cache' : 'public, max-age=300')
      .type(asset.contentType)
      .send(asset.body);
  });
  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok\n'));
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.db.query('select 1');
      return reply.type('text/plain').send('ok\n');
    } catch {
      return reply.code(503).type('text/plain').send('database unreachable\n');
    }
  });
  const streams = new StreamSlots(deps.streamLimits);
  for (const route of ROUTES as readonly RouteDef[]) {
    app.route({
      method: route.method.toUpperCase() as 'GET' | 'POST' | 'DELETE',
      url: toFastifyPath(route.path),
      handler: (request, reply) => run(route, deps, streams, request, reply),
    });
  }
  if (deps.triggers) void app.register(hookRoute(deps, deps.triggers));
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ reason: 'NotFound', message: 'no such route (see /openapi.json)' }));
  app.setErrorHandler((err, _req, reply) => {
    // Errors fastify raises itself: a body that is not JSON, too large, ...
    const status = typeof (err as { statusCode?: number }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    if (status >= 500) deps.logger.error({ err }, 'request failed');
    const reason = status >= 500 ? 'InternalError' : status === 413 ? 'PayloadTooLarge' : 'BadRequest';
    return reply.code(status).send({ reason, message: status >= 500 ? 'internal error' : (err as Error).message });
  });
  return app;
}

/**
 * POST /hooks/v1/namespaces/{namespace}/triggers/{name}: no bearer token, the body's HMAC signature is the
 * authentication, so the body is taken raw (a Buffer of any content type, at most HOOK_BODY_LIMIT_BYTES).
 * Nothing of the headers is logged: not the signature, and the key never leaves the TriggerSource.
 */
function hookRoute(deps: AppDeps, triggers: TriggerSource): FastifyPluginAsync {
  return async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT_BYTES }, (_req, body, done) => done(null, body));
    scope.post(toFastifyPath(HOOK_ROUTE.path), { bodyLimit: HOOK_BODY_LIMIT_BYTES }, async (request, reply) => {
      try {
        const params = parse(HOOK_ROUTE.params, request.params, 'path parameters') as { namespace: string; name: string };
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await deliver(
          { db: deps.db, kube: deps.kube, triggers, logger: deps.logger, ...(deps.onDelivery && { onAccepted: deps.onDelivery }) },
          { namespace: params.namespace, name: params.name, headers: request.headers, body },
        );
        await reply.code(200).type('application/json').send(result);
      } catch (err) {
        await sendError(deps, reply, err, HOOK_ROUTE.operationId);
      }
    });
  };
}
