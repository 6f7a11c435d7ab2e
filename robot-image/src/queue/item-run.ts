// One work item = one durable run of its queue's workflow, with the item's data as params: the same
// engine as an RpaJob (each step a DBOS step, checkpointed before the next), under the run id
// 'item-<id>-<runSeq>' and attempt retries + 1. A crash keeps both, so the robot that takes the item next
// resumes the same DBOS workflow at its first step without a checkpoint; an application failure's retry
// is a fresh attempt. Every step is fenced by the item's claim epoch (holdsItem): once the item was
// released to another robot, this one records nothing more.
//
// An item run has no aether.runs row: its download/upload artifacts are kept with the item, under a uuid
// of its run id (api/queue/items/run-id.ts), and so is the screenshot of a failed step; its queueAdd steps
// add to the item's namespace's queues.
//
// Credentials: the queue binds its workflow's slots to Secrets (spec.credentials, names only); each run
// reads them as a job's run does, teaches the run's redactor every value first (outputs, errors and logs
// of the item never carry one), and seals the browser session of its checkpoints with the namespace's key.
//
// Failure kinds: an uncaught failure of an `assert` step is a business failure (the item's data are wrong:
// not retried); anything else — a step that could not run, a timeout, the robot itself — is an application
// failure, retried with back-off up to the queue's maxRetries.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { itemArtifactsUid, itemRunUid } from '../../../api/queue/items/run-id.js';
import { DEFAULT_ARTIFACT_CAPS, type ArtifactCaps } from '../../../api/v1alpha1/artifacts.js';
import { jobArtifacts } from '../artifacts/store.js';
import type { ConfigMapFiles } from '../agent/configmap-files.js';
import { holdsItem, type ItemError } from '../../../api/queue/items/store.js';
import { insertScreenshot } from '../../../api/queue/sql/runs.js';
import { WorkflowSpec } from '../../../api/v1alpha1/index.js';
import { actionsById, stepIdOfCheckpoint } from '../agent/attempt.js';
import type { AttemptResult, Engine } from '../engine/index.js';
import type { ItemJob, ItemOutcome, ItemRun } from './items.js';
import { runQueues } from './run-queues.js';
import type { RunQueues } from '../engine/queue-add.js';
import { learnBoundCredentials, type CredentialsFactory } from '../agent/robot.js';
import { Redactor, type RedactorSet } from '../engine/redact.js';

/** aether.screenshots' cap on one image. */
const MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024;

/** The run id of an item's durable workflow (see the header). */
export { itemRunUid };

/** The error kind of a failed step: business for an `assert`, application for anything else. */
export function failureKind(workflow: Pick<WorkflowSpec, 'steps' | 'blocks'>, stepPath: string | undefined): ItemError['kind'] {
  if (!stepPath) return 'application';
  const actions = actionsById(workflow);
  return (actions.get(stepIdOfCheckpoint(stepPath)) ?? actions.get(stepPath)) === 'assert' ? 'business' : 'application';
}

/** What an attempt's result means for the item (pure). */
export function itemOutcomeOf(workflow: Pick<WorkflowSpec, 'steps' | 'blocks'>, result: AttemptResult): ItemOutcome {
  switch (result.status) {
    case 'succeeded':
      return { status: 'succeeded', outputs: result.outputs };
    case 'failed': {
      const step = result.error.stepId;
      return {
        status: 'failed',
        error: { kind: failureKind(workflow, step), message: result.error.message, ...(step && { step }), ...(result.error.reason && { code: result.error.reason }) },
      };
    }
    case 'stopped':
      return {
        status: 'failed',
        error: { kind: 'application', code: result.reason, message: `the run stopped: ${result.reason}`, ...(result.stepId && { step: result.stepId }) },
      };
    case 'suspended':
    case 'halted':
    case 'superseded':
      // Stopped without an outcome of its own: the item is (or will be) released to another robot.
      return { status: 'halted' };
  }
}

export interface ItemRunnerDeps {
  engine: Pick<Engine, 'runAttempt'>;
  db: pg.Pool;
  logger: Logger;
  /** Told as each step of an item's run starts here (checkpoint path). */
  onStep?: (item: { id: string }, stepPath: string) => void;
  /** Test hook, passed to the engine: SIGKILL this process right after the k-th checkpoint it writes. */
  crashAfterStep?: number;
  /** The work queues of an item's namespace for its queueAdd steps (default: runQueues on db). */
  queues?: (namespace: string) => RunQueues;
  /** Caps on the artifacts of each item run (the pool's spec.artifacts); absent: the defaults. */
  artifactCaps?: ArtifactCaps;
  /** Where upload steps read `file.configMapKeyRef` (the item's namespace); absent: such uploads fail. */
  configMapFiles?: ConfigMapFiles;
  /** Where the values of the queue's credential bindings come from; absent: a queue that binds any fails its items. */
  credentials?: CredentialsFactory;
  /** The namespace's checkpoint key: the browser session of a checkpoint is sealed with it (absent: left out). */
  checkpointKey?: (namespace: string) => Promise<Buffer>;
  /** Every live run's redactor joins it, so the robot's own log lines are redacted too. */
  liveSecrets?: RedactorSet;
}

/** The failed step's screenshot, kept with the item while this robot still holds it (one per failed attempt). */
async function keepScreenshot(deps: ItemRunnerDeps, item: ItemJob['item'], stepId: string | undefined, image: Buffer): Promise<void> {
  if (image.length > MAX_SCREENSHOT_BYTES || !(await holdsItem(deps.db, { id: item.id, epoch: item.claimEpoch }))) return;
  try {
    await insertScreenshot(deps.db, { uid: itemArtifactsUid(item), stepId: stepId ?? 'workflow', image, queueItem: item.id });
  } catch (err) {
    // The outcome matters more than its picture: record it without.
    deps.logger.warn({ kind: 'RpaQueue', namespace: item.namespace, name: item.queue, item: item.id, err: err instanceof Error ? err.message : String(err) }, 'could not keep the failure screenshot of a work item');
  }
}

export function createItemRunner(deps: ItemRunnerDeps): ItemRun {
  const workflows = new Map<string, WorkflowSpec>();
  const workflowOf = (digest: string, raw: unknown): WorkflowSpec => {
    let wf = workflows.get(digest);
    if (!wf) workflows.set(digest, (wf = WorkflowSpec.parse(raw)));
    return wf;
  };
  return async (job: ItemJob): Promise<ItemOutcome> => {
    const redactor = new Redactor();
    const leave = deps.liveSecrets?.join(redactor);
    try {
      return redactor.value(await runItem(job, redactor));
    } finally {
      leave?.();
    }
  };

  async function runItem({ item, queue, signal }: ItemJob, redactor: Redactor): Promise<ItemOutcome> {
    const workflow = workflowOf(queue.workflowDigest, queue.workflow);
    const log = deps.logger.child({ kind: 'RpaQueue', namespace: item.namespace, name: item.queue, item: item.id });
    const slots = workflow.credentials ?? [];
    const bindings = queue.credentials ?? {};
    let credentials: ReturnType<CredentialsFactory> | undefined;
    if (slots.length > 0) {
      if (!deps.credentials) return { status: 'failed', error: { kind: 'application', code: 'CredentialsUnavailable', message: 'this robot cannot read credentials for work items' } };
      credentials = deps.credentials({ namespace: item.namespace, slots, bindings, job: { workflow, workflowRef: queue.workflowName } });
      await learnBoundCredentials({ credentials, slots, bindings, redactor, log });
    }
    try {
      return await attempt({ item, queue, signal }, workflow, { redactor, log, credentials });
    } finally {
      credentials?.clear();
    }
  }

  async function attempt(
    { item, queue, signal }: ItemJob,
    workflow: WorkflowSpec,
    c: { redactor: Redactor; log: Logger; credentials: ReturnType<CredentialsFactory> | undefined },
  ): Promise<ItemOutcome> {
    const { redactor, log, credentials } = c;
    const sessionKey = deps.checkpointKey ? await deps.checkpointKey(item.namespace) : undefined;
    const result = await deps.engine.runAttempt({
      runUid: itemRunUid(item),
      attempt: item.retries + 1,
      workflow,
      params: item.data,
      halt: signal,
      holder: { confirm: () => holdsItem(deps.db, { id: item.id, epoch: item.claimEpoch }) },
      logger: log,
      redactor,
      ...(credentials && { credentials: (slot: string) => credentials.get(slot) }),
      ...(sessionKey && { sessionKey }),
      workflowKey: { namespace: item.namespace, name: queue.workflowName },
      queues: deps.queues?.(item.namespace) ?? runQueues({ db: deps.db, namespace: item.namespace }),
      // Kept with the item (an item run has no aether.runs row), under a uuid of its run id.
      files: jobArtifacts({
        db: deps.db,
        runUid: itemArtifactsUid(item),
        namespace: item.namespace,
        caps: deps.artifactCaps ?? DEFAULT_ARTIFACT_CAPS,
        queueItem: item.id,
        ...(deps.configMapFiles && { configMapFile: (ref) => deps.configMapFiles!({ namespace: item.namespace, ...ref }) }),
      }),
      ...(deps.onStep && { progress: (_k: number, _n: number, path: string) => deps.onStep!(item, path) }),
      ...(deps.crashAfterStep !== undefined && { crashAfterStep: deps.crashAfterStep }),
    });
    if (result.status === 'failed' && result.screenshot) await keepScreenshot(deps, item, result.error.stepId, result.screenshot);
    return itemOutcomeOf(workflow, result);
  }
}
