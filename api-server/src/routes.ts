// The routes of the Aether API server as data: path, method, the access a caller needs (access.ts), and
// the zod schemas of parameters, body and responses. The server validates requests with these schemas,
// and openapi.ts renders the same table as the OpenAPI 3.1 document served at /openapi.json, so the
// document cannot drift from what the server accepts.
import { z } from 'zod';
import { AUTHENTICATED, type RouteAccess } from './access.js';
import { RUN_STATES } from './console-sql.js';
import { UNQUEUED_STATES } from './console-unqueued.js';
import { ITEM_STATUSES, type ItemStatus } from '../../api/queue/items/store.js';
import { MAX_ITEMS_PER_CALL, NewItem } from '../../api/queue/items/validate.js';

/** The runs list's states: a run's, or an RpaJob's without a run (console-unqueued.ts). */
const LIST_STATES = [...RUN_STATES, ...UNQUEUED_STATES] as const;

/** Named schemas: `#/components/schemas/<id>` in the OpenAPI document. */
export const components = z.registry<{ id: string }>();

const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase DNS label');
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS subdomain name');
const uid = z.uuid();
const timestamp = z.string().meta({ format: 'date-time' });

export const ErrorBody = z
  .object({
    /** Closed set, CamelCase: Unauthorized, Forbidden, NotFound, Gone, Invalid, AlreadyExists, ... */
    reason: z.string(),
    message: z.string(),
  })
  .register(components, { id: 'Error' });

const NamespaceParams = z.object({ namespace: dnsLabel });
const JobParams = z.object({ namespace: dnsLabel, name: dnsSubdomain });

const ObjectMeta = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  creationTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const Job = z
  .looseObject({
    apiVersion: z.string(),
    kind: z.literal('RpaJob'),
    metadata: ObjectMeta,
    /** The RpaJob's spec (see the RpaJob CRD; the Kubernetes API server validates it). */
    spec: z.record(z.string(), z.unknown()),
    status: z.record(z.string(), z.unknown()).optional(),
  })
  .register(components, { id: 'Job' });

export const JobList = z
  .object({ items: z.array(Job), continue: z.string().optional() })
  .register(components, { id: 'JobList' });

export const JobCreate = z
  .strictObject({
    /** The RpaJob's name; or generateName for a server-chosen suffix (the default: the pool's name). */
    name: dnsSubdomain.optional(),
    generateName: z.string().max(200).regex(/^[a-z0-9]([-a-z0-9.]*)?$/).optional(),
    labels: z.record(z.string().max(317), z.string().max(63)).optional(),
    /** An RpaJob spec: pool, workflowRef or workflow, params, credentials, priority, ... */
    spec: z.looseObject({ pool: dnsSubdomain }),
  })
  .register(components, { id: 'JobCreate' });

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  continue: z.string().optional(),
  labelSelector: z.string().optional(),
});

export const StepLogEntry = z
  .object({
    attempt: z.int(),
    /** Order of the step inside its attempt (DBOS function id). */
    seq: z.int(),
    /** The step's checkpoint path (`open`, `rows[2].submit`). */
    step: z.string(),
    status: z.enum(['succeeded', 'failed', 'running']),
    error: z.string().optional(),
    startedAt: timestamp.optional(),
    completedAt: timestamp.optional(),
  })
  .register(components, { id: 'StepLogEntry' });

export const Run = z
  .object({
    uid,
    namespace: z.string(),
    name: z.string(),
    pool: z.string(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    attempts: z.int(),
    failedAttempts: z.int(),
    maxAttempts: z.int(),
    robot: z.string().nullable(),
    error: z.unknown().optional(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    hasScreenshot: z.boolean(),
  })
  .register(components, { id: 'Run' });

export const StepLog = z.object({ run: Run, steps: z.array(StepLogEntry) }).register(components, { id: 'StepLog' });

export const Outputs = z
  .object({ uid, outputs: z.record(z.string(), z.unknown()).nullable() })
  .register(components, { id: 'Outputs' });

export const Artifact = z
  .object({
    name: z.string(),
    contentType: z.string(),
    size: z.int(),
    sha256: z.string(),
    stepPath: z.string(),
    createdAt: timestamp,
  })
  .register(components, { id: 'Artifact' });
export const ArtifactList = z.object({ uid, items: z.array(Artifact) }).register(components, { id: 'ArtifactList' });
const ArtifactParams = JobParams.extend({ artifact: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/) });

export const DeadLetterList = z.object({ items: z.array(Run) }).register(components, { id: 'DeadLetterList' });
const DeadLetterQuery = z.object({
  pool: dnsSubdomain.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const DeadLetterParams = NamespaceParams.extend({ uid });

export const Robot = z
  .object({
    id: z.string(),
    pool: z.string(),
    pod: z.string().nullable(),
    state: z.enum(['alive', 'draining', 'dead']),
    heartbeatAt: timestamp,
    startedAt: timestamp,
    jobsHeld: z.int(),
    /** The robot's version: its image tag (AETHER_ROBOT_VERSION), else its package version; null if unknown. */
    version: z.string().nullable(),
    /** How often the robot's pod restarted its container before this robot (earlier robots of the same pod). */
    restarts: z.int(),
    /** The RpaJobs this robot runs now. */
    currentJobs: z.array(z.object({ uid, name: z.string() })),
  })
  .register(components, { id: 'Robot' });
export const RobotList = z.object({ items: z.array(Robot) }).register(components, { id: 'RobotList' });
const RobotQuery = z.object({
  pool: dnsSubdomain.optional(),
  /** Include robots declared dead (default: only live ones). */
  all: z.enum(['true', 'false']).optional(),
});

const ByUidQuery = z.object({
  /** A run of an earlier RpaJob of the same name (default: the newest). */
  uid: uid.optional(),
});

const QueueParams = NamespaceParams.extend({ queue: dnsSubdomain });
const ItemParams = QueueParams.extend({ id: z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be an item id') });
const ItemArtifactParams = ItemParams.extend({ artifact: ArtifactParams.shape.artifact });

export const ItemAdd = z
  .strictObject({ items: z.array(NewItem).min(1).max(MAX_ITEMS_PER_CALL) })
  .register(components, { id: 'ItemAdd' });

export const ItemAddResult = z
  .object({
    added: z.int(),
    duplicate: z.int(),
    replaced: z.int(),
    /** One per submitted item, in the caller's order. */
    items: z.array(z.object({ index: z.int(), id: z.string(), result: z.enum(['added', 'duplicate', 'replaced']) })),
  })
  .register(components, { id: 'ItemAddResult' });

export const Item = z
  .object({
    id: z.string(),
    queue: z.string(),
    reference: z.string().nullable(),
    priority: z.int(),
    data: z.record(z.string(), z.unknown()),
    status: z.enum(ITEM_STATUSES as [ItemStatus, ...ItemStatus[]]),
    retries: z.int(),
    robot: z.string().nullable(),
    postponeUntil: timestamp.nullable(),
    deadline: timestamp.nullable(),
    outputs: z.record(z.string(), z.unknown()).nullable(),
    error: z
      .object({ kind: z.enum(['business', 'application']), message: z.string(), code: z.string().optional(), step: z.string().optional() })
      .nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .register(components, { id: 'Item' });
export const ItemList = z
  .object({ items: z.array(Item), /** Pass as `after` for the next page. */ next: z.string().optional() })
  .register(components, { id: 'ItemList' });
export const ItemStepLog = z.object({ item: Item, steps: z.array(StepLogEntry) }).register(components, { id: 'ItemStepLog' });
const ItemQuery = z.object({
  status: z.enum(ITEM_STATUSES as [ItemStatus, ...ItemStatus[]]).optional(),
  reference: z.string().max(256).optional(),
  /** Items with a greater id (the previous page's `next`). */
  after: z.string().regex(/^[0-9]{1,19}$/).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});


// ---- the web console's reads (api-server/console/) --------------------------------------------------

export const AccessReview = z
  .object({
    namespace: z.string(),
    username: z.string(),
    /** operationId -> whether the caller may call it in this namespace (a SubjectAccessReview each). */
    allowed: z.record(z.string(), z.boolean()),
    /** operationId -> why it is refused, for each refused one (what a UI may say instead of a button). */
    reasons: z.record(z.string(), z.string()).optional(),
  })
  .register(components, { id: 'AccessReview' });

export const RunSummary = z
  .object({
    uid,
    name: z.string(),
    pool: z.string(),
    workflow: z.string().nullable(),
    /** pending, invalid: an RpaJob without a run (not queued yet, or refused by the operator; `error` says why). */
    state: z.enum(LIST_STATES),
    attempts: z.int(),
    failedAttempts: z.int(),
    /** How often a robot died holding the run and another took it over. */
    takeovers: z.int(),
    robot: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .register(components, { id: 'RunSummary' });
export const RunPage = z
  .object({ items: z.array(RunSummary), /** Pass as `before` for the next (older) page. */ next: z.string().optional() })
  .register(components, { id: 'RunPage' });
const RunQuery = z.object({
  /** One state or several, comma-separated. */
  state: z
    .string()
    .regex(new RegExp(`^(${LIST_STATES.join('|')})(,(${LIST_STATES.join('|')}))*$`), `must be states among ${LIST_STATES.join(', ')}, comma-separated`)
    .optional(),
  pool: dnsSubdomain.optional(),
  workflow: dnsSubdomain.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  /** The previous page's `next`. */
  before: z.string().regex(/^[0-9]{1,16}~[0-9a-f-]{36}$/, 'must be a page cursor (`next` of a page)').optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const Takeover = z.object({ robot: z.string(), pod: z.string().nullable(), reason: z.string(), at: z.string() });
export const HealingEvent = z
  .object({ stepId: z.string(), tier: z.string(), outcome: z.string(), chosenSelector: z.string().nullable(), score: z.number().nullable(), at: timestamp })
  .register(components, { id: 'HealingEvent' });

export const JobDetail = z
  .object({
    /** The RpaJob as the Kubernetes API server has it now; null once it is deleted (its history stays). */
    job: Job.nullable(),
    run: Run,
    workflow: z.string().nullable(),
    steps: z.array(
      StepLogEntry.extend({
        /** `interrupted`: the step began but never ended (its robot went away, or its attempt was cut short). */
        status: z.enum(['succeeded', 'failed', 'running', 'interrupted']),
        durationMs: z.int().nullable(),
        /** The step began after a take-over of its attempt: another robot resumed the run here. */
        afterTakeover: z.boolean(),
      }),
    ),
    takeovers: z.object({ count: z.int(), items: z.array(Takeover) }),
    healing: z.array(HealingEvent),
  })
  .register(components, { id: 'JobDetail' });

export const PoolOverview = z.object({
  pool: z.string(),
  desired: z.int().nullable(),
  ready: z.int().nullable(),
  robots: z.int(),
  busy: z.int(),
  queued: z.int(),
  running: z.int(),
});
export const Overview = z
  .object({
    generatedAt: timestamp,
    pools: z.array(PoolOverview),
    /** Per pool, one point a minute over the last hour: runs waiting, age of the oldest. */
    queueSeries: z.array(z.object({ pool: z.string(), at: z.array(timestamp), depth: z.array(z.int()), oldestAgeSeconds: z.array(z.number().nullable()) })),
    /** Finished runs per hour over the last 24 hours. */
    outcomes: z.array(z.object({ hour: timestamp, succeeded: z.int(), failed: z.int(), cancelled: z.int() })),
    sla: z.object({
      /** Runs that passed their deadline in the last 24 hours. */
      deadlineBreaches: z.int(),
      /** Queue items waiting past their queue's SLA now. */
      queueBreaches: z.int(),
    }),
  })
  .register(components, { id: 'Overview' });

export const QueueSummary = z
  .object({
    queue: z.string(),
    pool: z.string(),
    slaSeconds: z.int().nullable(),
    counts: z.object({ New: z.int(), InProgress: z.int(), Successful: z.int(), Failed: z.int(), Abandoned: z.int() }),
    oldestNewAt: timestamp.nullable(),
    slaBreaches: z.int(),
  })
  .register(components, { id: 'QueueSummary' });
export const QueueSummaryList = z.object({ items: z.array(QueueSummary) }).register(components, { id: 'QueueSummaryList' });

export const SuggestionView = z
  .object({
    stepId: z.string(),
    field: z.string(),
    score: z.number(),
    count: z.int().optional(),
    tier: z.int().optional(),
    lastSeen: z.string().optional(),
    message: z.string().optional(),
    /** The step's target now, and what adopting the suggestion sets it to. */
    before: z.unknown(),
    after: z.unknown(),
    /** Why it cannot be applied (the step or field is gone), else absent. */
    problem: z.string().optional(),
  })
  .register(components, { id: 'SuggestionView' });

const WorkflowObject = z.looseObject({ metadata: ObjectMeta, spec: z.record(z.string(), z.unknown()), status: z.record(z.string(), z.unknown()).optional() });
export const WorkflowSummary = z
  .object({
    name: z.string(),
    stepCount: z.int().nullable(),
    ready: z.boolean().nullable(),
    suggestions: z.int(),
    description: z.string().nullable(),
  })
  .register(components, { id: 'WorkflowSummary' });
export const WorkflowSummaryList = z.object({ items: z.array(WorkflowSummary) }).register(components, { id: 'WorkflowSummaryList' });
export const WorkflowDetail = z
  .object({ workflow: WorkflowObject, suggestions: z.array(SuggestionView), recentRuns: z.array(RunSummary) })
  .register(components, { id: 'WorkflowDetail' });
const WorkflowParams = z.object({ namespace: dnsLabel, name: dnsSubdomain });
const SuggestionParams = WorkflowParams.extend({ stepId: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, 'must be a step id') });
const SuggestionQuery = z.object({ field: z.string().max(256).optional() });
export const SuggestionApplied = z
  .object({ name: z.string(), stepId: z.string(), field: z.string(), generation: z.int().optional(), resourceVersion: z.string().optional() })
  .register(components, { id: 'SuggestionApplied' });

const binary = z.string().meta({ contentMediaType: 'application/octet-stream' });

export type HttpMethod = 'get' | 'post' | 'delete';

export interface RouteDef {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path template, `{param}` for parameters. */
  path: string;
  summary: string;
  tag: 'jobs' | 'deadletters' | 'robots' | 'events' | 'items' | 'console' | 'workflows';
  access: RouteAccess;
  params: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status -> schema; a string is a media type served as bytes (or a text stream). */
  responses: Record<number, { description: string; schema?: z.ZodType; media?: string }>;
}

const NS = '/api/v1/namespaces/{namespace}';

export const ROUTES = [
  {
    operationId: 'listJobs',
    method: 'get',
    path: `${NS}/jobs`,
    summary: 'List RpaJobs',
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'list' },
    params: NamespaceParams,
    query: ListQuery,
    responses: { 200: { description: 'The RpaJobs', schema: JobList } },
  },
  {
    operationId: 'createJob',
    method: 'post',
    path: `${NS}/jobs`,
    summary: 'Create an RpaJob (through the Kubernetes API; annotated with the caller as rpa.aether.dev/submitted-by)',
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'create' },
    params: NamespaceParams,
    body: JobCreate,
    responses: { 201: { description: 'The RpaJob created', schema: Job } },
  },
  {
    operationId: 'getJob',
    method: 'get',
    path: `${NS}/jobs/{name}`,
    summary: 'Read an RpaJob',
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'get' },
    params: JobParams,
    responses: { 200: { description: 'The RpaJob', schema: Job } },
  },
  {
    operationId: 'cancelJob',
    method: 'delete',
    path: `${NS}/jobs/{name}`,
    summary: 'Cancel an RpaJob: deletes it, as `kubectl delete rpajob` does (its history stays in PostgreSQL)',
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'delete' },
    params: JobParams,
    responses: { 202: { description: 'Deletion started', schema: z.object({ name: z.string(), uid: z.string() }) } },
  },
  {
    operationId: 'getJobLog',
    method: 'get',
    path: `${NS}/jobs/{name}/log`,
    summary: "A job's run and step log: every step of every attempt with its outcome",
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'get' },
    params: JobParams,
    query: ByUidQuery,
    responses: { 200: { description: 'The step log', schema: StepLog } },
  },
  {
    operationId: 'getJobOutputs',
    method: 'get',
    path: `${NS}/jobs/{name}/outputs`,
    summary: "A finished job's outputs",
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'get' },
    params: JobParams,
    query: ByUidQuery,
    responses: { 200: { description: 'The outputs by step id', schema: Outputs } },
  },
  {
    operationId: 'getJobScreenshot',
    method: 'get',
    path: `${NS}/jobs/{name}/screenshot`,
    summary: 'The screenshot of the step that failed',
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'get' },
    params: JobParams,
    query: ByUidQuery,
    responses: { 200: { description: 'The image', media: 'image/png' } },
  },
  {
    operationId: 'listJobArtifacts',
    method: 'get',
    path: `${NS}/jobs/{name}/artifacts`,
    summary: "The files a job's download steps stored",
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'get' },
    params: JobParams,
    query: ByUidQuery,
    responses: { 200: { description: 'The artifacts', schema: ArtifactList } },
  },
  {
    operationId: 'getJobArtifact',
    method: 'get',
    path: `${NS}/jobs/{name}/artifacts/{artifact}`,
    summary: "One artifact's bytes",
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'get' },
    params: ArtifactParams,
    query: ByUidQuery,
    responses: { 200: { description: 'The file', media: 'application/octet-stream', schema: binary } },
  },
  {
    operationId: 'listDeadLetters',
    method: 'get',
    path: `${NS}/deadletters`,
    summary: 'Dead letters: runs that failed for good, newest first',
    tag: 'deadletters',
    access: { resource: 'rpajobs', verb: 'list' },
    params: NamespaceParams,
    query: DeadLetterQuery,
    responses: { 200: { description: 'The failed runs', schema: DeadLetterList } },
  },
  {
    operationId: 'replayDeadLetter',
    method: 'post',
    path: `${NS}/deadletters/{uid}/replay`,
    summary: "Run a dead letter again: a new RpaJob with the failed one's spec (410 when that RpaJob is gone)",
    tag: 'deadletters',
    access: { resource: 'rpajobs', verb: 'create' },
    params: DeadLetterParams,
    responses: { 201: { description: 'The new RpaJob', schema: Job } },
  },
  {
    operationId: 'listRobots',
    method: 'get',
    path: `${NS}/robots`,
    summary: 'Robots with their heartbeat and the jobs they run now',
    tag: 'robots',
    access: { resource: 'robotpools', verb: 'list' },
    params: NamespaceParams,
    query: RobotQuery,
    responses: { 200: { description: 'The robots', schema: RobotList } },
  },
  {
    operationId: 'watchEvents',
    method: 'get',
    path: `${NS}/events`,
    summary: 'Server-Sent Events: `job` (RpaJob changes), `item` (queue item changes) and `robot` (a robot registered or changed state)',
    tag: 'events',
    access: { resource: 'rpajobs', verb: 'watch' },
    params: NamespaceParams,
    responses: { 200: { description: 'An event stream', media: 'text/event-stream', schema: z.string() } },
  },
  {
    operationId: 'addQueueItems',
    method: 'post',
    path: `${NS}/queues/{queue}/items`,
    summary: `Add up to ${MAX_ITEMS_PER_CALL} work items in one transaction, idempotent by reference (the queue's unique-reference policy)`,
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'create' },
    params: QueueParams,
    body: ItemAdd,
    responses: { 200: { description: 'One result per item', schema: ItemAddResult } },
  },
  {
    operationId: 'listQueueItems',
    method: 'get',
    path: `${NS}/queues/{queue}/items`,
    summary: 'Items of a queue, oldest first, one page',
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'list' },
    params: QueueParams,
    query: ItemQuery,
    responses: { 200: { description: 'The items', schema: ItemList } },
  },
  {
    operationId: 'getQueueItem',
    method: 'get',
    path: `${NS}/queues/{queue}/items/{id}`,
    summary: 'One item with its status, outputs and error',
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'get' },
    params: ItemParams,
    responses: { 200: { description: 'The item', schema: Item } },
  },
  {
    operationId: 'getQueueItemLog',
    method: 'get',
    path: `${NS}/queues/{queue}/items/{id}/log`,
    summary: "An item's step log: the steps of its run's attempts, as for a job",
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'get' },
    params: ItemParams,
    responses: { 200: { description: 'The step log', schema: ItemStepLog } },
  },
  {
    operationId: 'getQueueItemScreenshot',
    method: 'get',
    path: `${NS}/queues/{queue}/items/{id}/screenshot`,
    summary: "The screenshot of the step that failed in the item's run (its newest failed attempt)",
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'get' },
    params: ItemParams,
    responses: { 200: { description: 'The image', media: 'image/png' } },
  },
  {
    operationId: 'listQueueItemArtifacts',
    method: 'get',
    path: `${NS}/queues/{queue}/items/{id}/artifacts`,
    summary: "The files the download steps of an item's run stored",
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'get' },
    params: ItemParams,
    responses: { 200: { description: 'The artifacts', schema: ArtifactList } },
  },
  {
    operationId: 'getQueueItemArtifact',
    method: 'get',
    path: `${NS}/queues/{queue}/items/{id}/artifacts/{artifact}`,
    summary: "One artifact of an item's run, its bytes",
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'get' },
    params: ItemArtifactParams,
    responses: { 200: { description: 'The file', media: 'application/octet-stream', schema: binary } },
  },
  {
    operationId: 'retryQueueItem',
    method: 'post',
    path: `${NS}/queues/{queue}/items/{id}/retry`,
    summary: 'A Failed or Abandoned item is New again, its retries reset (409 in any other status)',
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'update' },
    params: ItemParams,
    responses: { 200: { description: 'The item, New again', schema: Item } },
  },
  {
    operationId: 'deleteQueueItem',
    method: 'delete',
    path: `${NS}/queues/{queue}/items/{id}`,
    summary: 'Delete an item (status Deleted; its reference is free again). 409 while a robot holds it',
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'delete' },
    params: ItemParams,
    responses: { 200: { description: 'The item, Deleted', schema: Item } },
  },
  {
    operationId: 'getAccess',
    method: 'get',
    path: `${NS}/access`,
    summary: "Which operations the caller may call in this namespace (a SubjectAccessReview per operation): what a UI shows",
    tag: 'console',
    access: AUTHENTICATED,
    params: NamespaceParams,
    responses: { 200: { description: 'operationId -> allowed', schema: AccessReview } },
  },
  {
    operationId: 'getOverview',
    method: 'get',
    path: `${NS}/overview`,
    summary: 'Per pool robots desired/ready/busy, queue depth and oldest age over the last hour, outcomes per hour, SLA breaches',
    tag: 'console',
    access: { resource: 'rpajobs', verb: 'list' },
    params: NamespaceParams,
    responses: { 200: { description: 'The overview', schema: Overview } },
  },
  {
    operationId: 'listRuns',
    method: 'get',
    path: `${NS}/runs`,
    summary: "The namespace's job runs, newest first, a page at a time, filtered by state, pool, workflow and creation time",
    tag: 'console',
    access: { resource: 'rpajobs', verb: 'list' },
    params: NamespaceParams,
    query: RunQuery,
    responses: { 200: { description: 'One page of runs', schema: RunPage } },
  },
  {
    operationId: 'getJobDetail',
    method: 'get',
    path: `${NS}/jobs/{name}/detail`,
    summary: "A job's page: the RpaJob, its run, the step timeline with durations and take-overs, healing events",
    tag: 'console',
    access: { resource: 'rpajobs', verb: 'get' },
    params: JobParams,
    query: ByUidQuery,
    responses: { 200: { description: 'The job', schema: JobDetail } },
  },
  {
    operationId: 'suspendJob',
    method: 'post',
    path: `${NS}/jobs/{name}/suspend`,
    summary: 'Suspend an RpaJob (spec.suspend: true, as `kubectl patch` would): its robot parks it at the next step boundary',
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'patch' },
    params: JobParams,
    responses: { 200: { description: 'The RpaJob', schema: Job } },
  },
  {
    operationId: 'resumeJob',
    method: 'post',
    path: `${NS}/jobs/{name}/resume`,
    summary: 'Resume a suspended RpaJob (spec.suspend: false)',
    tag: 'jobs',
    access: { resource: 'rpajobs', verb: 'patch' },
    params: JobParams,
    responses: { 200: { description: 'The RpaJob', schema: Job } },
  },
  {
    operationId: 'listQueues',
    method: 'get',
    path: `${NS}/queues`,
    summary: "The namespace's queues with their item counts and SLA breaches",
    tag: 'items',
    access: { resource: 'rpaqueues', subresource: 'items', verb: 'list' },
    params: NamespaceParams,
    responses: { 200: { description: 'The queues', schema: QueueSummaryList } },
  },
  {
    operationId: 'listWorkflows',
    method: 'get',
    path: `${NS}/workflows`,
    summary: 'RpaWorkflows with their step count and healing suggestions',
    tag: 'workflows',
    access: { resource: 'rpaworkflows', verb: 'list' },
    params: NamespaceParams,
    responses: { 200: { description: 'The workflows', schema: WorkflowSummaryList } },
  },
  {
    operationId: 'getWorkflow',
    method: 'get',
    path: `${NS}/workflows/{name}`,
    summary: 'An RpaWorkflow: its definition, its healing suggestions as changes of the spec, its recent runs',
    tag: 'workflows',
    access: { resource: 'rpaworkflows', verb: 'get' },
    params: WorkflowParams,
    responses: { 200: { description: 'The workflow', schema: WorkflowDetail } },
  },
  {
    operationId: 'applySuggestion',
    method: 'post',
    path: `${NS}/workflows/{name}/suggestions/{stepId}/apply`,
    summary: "Adopt a healing suggestion: patches the RpaWorkflow's step target (authorized as `kubectl patch rpaworkflow`; 409 when the workflow changed meanwhile)",
    tag: 'workflows',
    access: { resource: 'rpaworkflows', verb: 'patch' },
    params: SuggestionParams,
    query: SuggestionQuery,
    responses: { 200: { description: 'The workflow patched', schema: SuggestionApplied } },
  },
] as const satisfies readonly RouteDef[];

export type OperationId = (typeof ROUTES)[number]['operationId'];

export const HookDeliveryResult = z
  .object({
    /** The X-Aether-Delivery of the request. */
    delivery: z.string(),
    /** A job trigger: the RpaJob created (named after the trigger and the delivery id). */
    job: z.object({ name: z.string(), uid: z.string() }).optional(),
    /** A queue trigger: what happened to the items, as the bulk items endpoint reports it. */
    added: z.int().optional(),
    duplicate: z.int().optional(),
    replaced: z.int().optional(),
    items: z.array(z.object({ index: z.int(), id: z.string(), result: z.enum(['added', 'duplicate', 'replaced']) })).optional(),
  })
  .register(components, { id: 'HookDeliveryResult' });

/** The request headers of a webhook delivery (api-server/src/webhooks/signature.ts). */
const HookHeaders = z.object({
  /** Unix time in seconds; the exact text is what is signed. */
  'X-Aether-Timestamp': z.string().regex(/^[0-9]{1,12}$/),
  /** Unique per delivery (1-128 printable ASCII characters): a second request with the same id is refused. */
  'X-Aether-Delivery': z.string().min(1).max(128),
  /** `sha256=` + hex of HMAC-SHA256(key, timestamp + "." + raw body). */
  'X-Aether-Signature': z.string().regex(/^sha256=[0-9a-fA-F]{64}$/),
});

/** Most bytes of a webhook delivery's body. */
export const HOOK_BODY_LIMIT_BYTES = 1024 * 1024;

/** A route authenticated by its HMAC signature instead of a bearer token (no RBAC: the trigger's key decides). */
export interface HookRouteDef {
  operationId: string;
  method: 'post';
  path: string;
  summary: string;
  tag: 'webhooks';
  params: z.ZodObject;
  headers: z.ZodObject;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

export const HOOK_ROUTE = {
  operationId: 'deliverWebhook',
  method: 'post',
  path: '/hooks/v1/namespaces/{namespace}/triggers/{name}',
  summary:
    "Deliver a webhook to an RpaTrigger: creates an RpaJob from its job template (the JSON body mapped to params) or adds the body's items to its RpaQueue. " +
    `No bearer token: the HMAC signature is the authentication. Body: JSON, at most ${HOOK_BODY_LIMIT_BYTES} bytes. ` +
    'Refusals: 401 SignatureMissing, TimestampInvalid, DeliveryIdInvalid, SignatureMismatch (also for a trigger or key that does not exist), ' +
    'TimestampOutsideTolerance; 409 DeliveryReplayed (this delivery id was accepted before: nothing done again, treat as delivered), ' +
    'TriggerNotReady, JobNameTaken; 400 InvalidBody; 413 PayloadTooLarge; 422 Invalid (items that do not fit the workflow params).',
  tag: 'webhooks',
  params: JobParams,
  headers: HookHeaders,
  responses: { 200: { description: 'Accepted: what the delivery did', schema: HookDeliveryResult } },
} as const satisfies HookRouteDef;
