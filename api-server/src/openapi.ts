// The OpenAPI 3.1 document of the Aether API server, rendered from the route table (routes.ts): JSON
// Schema 2020-12 from the routes' zod schemas (OpenAPI 3.1's own dialect), the RBAC each operation
// needs as `x-aether-rbac`, and the common error responses. Served at /openapi.json; committed as
// api-server/client/openapi.json with the client types generated from it (npm run gen:api-client).
import { z } from 'zod';
import { describeAccess } from './access.js';
import { components, HOOK_ROUTE, ROUTES, type HookRouteDef, type RouteDef } from './routes.js';

type Json = Record<string, unknown>;

const COMMON_ERRORS: Record<number, string> = {
  400: 'The request is invalid',
  401: 'No bearer token, or the Kubernetes API server did not accept it (TokenReview)',
  403: 'RBAC does not allow the caller this verb on this resource (SubjectAccessReview)',
  404: 'Not found',
  429: 'The Kubernetes API server asks to retry later (Retry-After)',
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const id = components.get(schema)?.id;
  if (id !== undefined) return ref(id);
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete json.$schema;
  return json;
}

function parameters(route: Pick<RouteDef, 'params' | 'query'> & { headers?: z.ZodObject }): Json[] {
  const of = (where: 'path' | 'query' | 'header', obj: z.ZodObject | undefined): Json[] => {
    if (obj === undefined) return [];
    const json = z.toJSONSchema(obj, { target: 'draft-2020-12', io: 'input' }) as {
      properties?: Record<string, Json>;
      required?: string[];
    };
    return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      schema,
    }));
  };
  return [...of('path', route.params), ...of('query', route.query), ...of('header', route.headers)];
}

const HOOK_ERRORS: Record<number, string> = {
  400: 'InvalidBody: the body is not JSON or does not fit the trigger',
  401: 'SignatureMissing, TimestampInvalid, DeliveryIdInvalid, SignatureMismatch (also: no such trigger or key) or TimestampOutsideTolerance',
  409: 'DeliveryReplayed (accepted before; nothing done again), TriggerNotReady or JobNameTaken',
  413: 'PayloadTooLarge',
  422: 'Invalid: items that do not fit the params of the queue workflow',
};

/** A webhook operation: signed, not bearer-authenticated (`security: []`), any JSON body. */
function hookOperation(route: HookRouteDef): Json {
  const responses: Json = {};
  for (const [status, r] of Object.entries(route.responses))
    responses[status] = { description: r.description, content: { 'application/json': r.schema ? { schema: schemaOf(r.schema, 'output') } : {} } };
  for (const [status, description] of Object.entries(HOOK_ERRORS))
    responses[status] = { description, content: { 'application/json': { schema: ref('Error') } } };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: [],
    parameters: parameters(route),
    requestBody: { required: true, content: { 'application/json': { schema: {} } } },
    responses,
  };
}

function responses(route: RouteDef): Json {
  const out: Json = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const media = r.media ?? 'application/json';
    out[status] = {
      description: r.description,
      content: { [media]: r.schema ? { schema: schemaOf(r.schema, 'output') } : {} },
    };
  }
  const errors = { ...COMMON_ERRORS, ...(route.operationId === 'replayDeadLetter' && { 410: 'The RpaJob of this dead letter is gone' }) };
  for (const [status, description] of Object.entries(errors)) {
    out[status] ??= { description, content: { 'application/json': { schema: ref('Error') } } };
  }
  return out;
}

function operation(route: RouteDef): Json {
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    parameters: parameters(route),
    ...(route.body && {
      requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } },
    }),
    responses: responses(route),
    'x-aether-rbac': describeAccess(route.access),
  };
}

/** The OpenAPI 3.1 document of `routes` (default: every route of the server). */
export function openApiDocument(
  routes: readonly RouteDef[] = ROUTES,
  opts: { version?: string; hooks?: readonly HookRouteDef[] } = {},
): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
  const hooks = opts.hooks ?? (routes === ROUTES ? [HOOK_ROUTE] : []);
  for (const route of hooks) (paths[route.path] ??= {})[route.method] = hookOperation(route);
  const schemas = (
    z.toJSONSchema(components, {
      target: 'draft-2020-12',
      unrepresentable: 'any',
      uri: (id) => `#/components/schemas/${id}`,
    }) as { schemas: Record<string, Json> }
  ).schemas;
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Aether API',
      version: opts.version ?? 'v1',
      description:
        'The Aether API server: RpaJobs, their step logs, outputs, screenshots and artifacts, dead letters, robots and live events. ' +
        'Authenticate with a Kubernetes bearer token (the one in your kubeconfig); each operation needs the RBAC named in x-aether-rbac. ' +
        'Webhook deliveries (/hooks/...) carry an HMAC signature instead (see the README, "Webhooks").',
    },
    security: [{ kubernetesBearer: [] }],
    tags: [...new Set([...routes, ...hooks].map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: { kubernetesBearer: { type: 'http', scheme: 'bearer', description: 'A Kubernetes bearer token' } },
    },
  };
}
