// Local mode's stand-in for Kubernetes behind the console (`aether run --ui`): the one RpaJob of the run
// and its RpaWorkflows come from the files the run was started with, their status from what the run
// reports (the robot's status patches, as a cluster's RpaJob status would get them) and from its
// PostgreSQL (the run row, healing events). Changing an object is refused: the files are the user's,
// and the only write the local console has, cancel, stops the local run.
import type pg from 'pg';
import { API_VERSION } from '../../api/v1alpha1/common.js';
import type { Step } from '../../api/v1alpha1/index.js';
import { getRun } from '../../api/queue/sql/runs.js';
import { phaseOfRun } from '../../operator/src/controllers/rpajob/decide.js';
import { readHealingStatus } from '../../operator/src/controllers/healing-suggestions.js';
import { ApiRequestError, type KubeApi, type KubeObject, type RpaJobObject } from './kube.js';
import { listSteps } from './sql.js';

export interface LocalRunSource {
  db: pg.Pool;
  namespace: string;
  /** The RpaJob as read from the file (metadata.name, spec). */
  job: { metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec: Record<string, unknown> };
  /**
   * The run's RpaWorkflows by name (the referenced one and the ones its call steps run): their specs and
   * the key the robot files their heal events under (default: the name).
   */
  workflows: Record<string, { spec: Record<string, unknown>; healingKey?: string }>;
  /** The uid of the run this console shows (undefined until it is known). */
  uid: () => string | undefined;
  /** Cancels the local run (the console's cancel). */
  cancel: () => Promise<void>;
  /** DBOS's schema of the local robot. Default `dbos`. */
  dbosSchema?: string;
  /** How often a watch looks for a change. Default 250 ms. */
  pollMs?: number;
}

const notFound = (what: string, path: string) => new ApiRequestError(404, { message: `${what} not found (local mode shows only this run)` }, 'GET', path);
const refused = (what: string, path: string) =>
  new ApiRequestError(403, { message: `local mode (aether run --ui) does not ${what}: the run's files are the source of truth` }, 'PATCH', path);

/** The local run's RpaJob status: the robot's status patches merged as the cluster's status would be. */
export class LocalJobStatus {
  private status: Record<string, unknown> = {};
  private version = 0;

  apply(patch: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete this.status[k];
      else this.status[k] = v;
    }
    this.version++;
  }

  get(): { status: Record<string, unknown>; version: number } {
    return { status: { ...this.status }, version: this.version };
  }
}

export class LocalKube implements KubeApi {
  readonly status = new LocalJobStatus();
  private readonly name: string;
  private readonly pool: string;

  constructor(private readonly src: LocalRunSource) {
    this.name = src.job.metadata.name;
    this.pool = typeof src.job.spec.pool === 'string' ? src.job.spec.pool : 'default';
  }

  private isJob(namespace: string, name: string): boolean {
    return namespace === this.src.namespace && name === this.name;
  }

  /** The RpaJob as a cluster would show it: the file's spec, the run's uid, a status from the run. */
  private async job(): Promise<RpaJobObject | null> {
    const uid = this.src.uid();
    if (uid === undefined) return null;
    const run = await getRun(this.src.db, { uid });
    const reported = this.status.get();
    const status: Record<string, unknown> = { ...reported.status };
    if (run !== null) {
      // The run row is the truth about the outcome; the robot's patches add the step and progress.
      status.phase = phaseOfRun(run.state);
      status.attempts = run.attempts;
      if (run.robot !== null) status.robot = run.robot;
      if (run.error !== null) status.error = run.error;
      if (run.state === 'succeeded' || run.state === 'failed' || run.state === 'cancelled') delete status.currentStep;
    }
    return {
      apiVersion: API_VERSION,
      kind: 'RpaJob',
      metadata: {
        name: this.name,
        namespace: this.src.namespace,
        uid,
        ...(run !== null && { creationTimestamp: run.createdAt.toISOString() }),
        ...(this.src.job.metadata.labels && { labels: this.src.job.metadata.labels }),
        ...(this.src.job.metadata.annotations && { annotations: this.src.job.metadata.annotations }),
      },
      spec: this.src.job.spec,
      status,
    };
  }

  async listJobs(namespace: string): Promise<{ items: RpaJobObject[]; metadata?: { continue?: string; resourceVersion?: string } }> {
    const job = namespace === this.src.namespace ? await this.job() : null;
    return { items: job === null ? [] : [job], metadata: {} };
  }

  async getJob(namespace: string, name: string): Promise<RpaJobObject> {
    const job = this.isJob(namespace, name) ? await this.job() : null;
    if (job === null) throw notFound(`RpaJob ${namespace}/${name}`, `rpajobs/${name}`);
    return job;
  }

  createJob(namespace: string): Promise<RpaJobObject> {
    return Promise.reject(refused('create RpaJobs (run `aether run` again)', `namespaces/${namespace}/rpajobs`));
  }

  patchJob(namespace: string, name: string): Promise<RpaJobObject> {
    return Promise.reject(refused('suspend or resume the run (Ctrl-C stops it; the same command resumes it)', `rpajobs/${name}`));
  }

  async deleteJob(namespace: string, name: string): Promise<unknown> {
    if (!this.isJob(namespace, name) || this.src.uid() === undefined) throw notFound(`RpaJob ${namespace}/${name}`, `rpajobs/${name}`);
    await this.src.cancel();
    return { kind: 'Status', status: 'Success' };
  }

  private workflowObject(name: string, status?: Record<string, unknown>): KubeObject {
    const w = this.src.workflows[name]!;
    const steps = (w.spec.steps as unknown[] | undefined) ?? [];
    return {
      apiVersion: API_VERSION,
      kind: 'RpaWorkflow',
      metadata: { name, namespace: this.src.namespace, uid: `local-${name}`, generation: 1, resourceVersion: '1' },
      spec: w.spec,
      status: { stepCount: steps.length, conditions: [{ type: 'Ready', status: 'True', reason: 'Local', message: `read from the file by aether run` }], ...status },
    };
  }

  async getWorkflow(namespace: string, name: string): Promise<{ spec: Record<string, unknown> } | null> {
    return namespace === this.src.namespace && this.src.workflows[name] ? { spec: this.src.workflows[name].spec } : null;
  }

  /** With the healing suggestions the operator would publish, built from this database's heal events. */
  async readWorkflow(namespace: string, name: string): Promise<KubeObject> {
    const w = namespace === this.src.namespace ? this.src.workflows[name] : undefined;
    if (w === undefined) throw notFound(`RpaWorkflow ${namespace}/${name}`, `rpaworkflows/${name}`);
    const healing = await readHealingStatus(this.src.db, { namespace, name: w.healingKey ?? name }, (w.spec.steps as Step[] | undefined) ?? []);
    return this.workflowObject(name, {
      ...(healing.healingSuggestions.length > 0 && { healingSuggestions: healing.healingSuggestions }),
      ...(healing.fragility.length > 0 && { fragility: healing.fragility }),
    });
  }

  async listWorkflows(namespace: string): Promise<{ items: KubeObject[] }> {
    if (namespace !== this.src.namespace) return { items: [] };
    return { items: await Promise.all(Object.keys(this.src.workflows).map((n) => this.readWorkflow(namespace, n))) };
  }

  patchWorkflow(namespace: string, name: string): Promise<KubeObject> {
    return Promise.reject(refused('change RpaWorkflows (edit the YAML file)', `rpaworkflows/${name}`));
  }

  /** The local robot's pool: one robot, this process. */
  async listPools(namespace: string): Promise<{ items: KubeObject[] }> {
    if (namespace !== this.src.namespace) return { items: [] };
    return {
      items: [
        {
          apiVersion: API_VERSION,
          kind: 'RobotPool',
          metadata: { name: this.pool, namespace, uid: `local-${this.pool}` },
          spec: { replicas: 1 },
          status: { desiredReplicas: 1, readyReplicas: 1 },
        },
      ],
    };
  }

  /**
   * A `MODIFIED` event whenever the job changes: its status (the robot's patches, the run row) or its
   * recorded steps. Polled: one process, one run, a few small queries.
   */
  async watchJobs(
    namespace: string,
    onEvent: (type: string, job: RpaJobObject) => void,
    onDone: (err?: unknown) => void,
  ): Promise<() => void> {
    let last = '';
    let seq = 0;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      if (stopped) return;
      try {
        const job = namespace === this.src.namespace ? await this.job() : null;
        if (job !== null) {
          const steps = await listSteps(this.src.db, { schema: this.src.dbosSchema ?? 'dbos', uid: job.metadata.uid, attempts: Number(job.status?.attempts ?? 1) + 1 }).catch(() => []);
          const print = JSON.stringify([job.status, job.metadata.uid, steps.length, steps.filter((s) => s.completedAtMs !== null).length]);
          if (print !== last) {
            last = print;
            seq++;
            onEvent('MODIFIED', { ...job, metadata: { ...job.metadata, resourceVersion: String(seq) } });
          }
        }
      } catch (err) {
        stopped = true;
        return onDone(err);
      }
      if (!stopped) timer = setTimeout(() => void tick(), this.src.pollMs ?? 250);
    };
    await tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }
}
