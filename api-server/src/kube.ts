// The API server's calls to Kubernetes, made with its own ServiceAccount: the reviews that authenticate
// and authorize callers, and RpaJobs (created, read, listed, deleted, watched) so the custom resource
// stays the truth about a job.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { ApiRequestError, JsonApi, MERGE_PATCH } from '../../operator/src/runtime/json-api.js';
import { API_VERSION, GROUP, VERSION } from '../../api/v1alpha1/common.js';
import type { ResourceAttributes } from './access.js';
import { TtlCache, type ReviewApi, type UserInfo } from './auth.js';

export { ApiRequestError };

/** Annotation on an RpaJob created through the API server: the Kubernetes user who asked for it. */
export const SUBMITTED_BY = `${GROUP}/submitted-by`;
/** Annotation on a replayed dead letter: the uid of the RpaJob it replays. */
export const REPLAY_OF = `${GROUP}/replay-of`;

export interface RpaJobObject {
  apiVersion: string;
  kind: 'RpaJob';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const nsPath = (namespace: string, plural: string) => `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
const jobsPath = (namespace: string) => nsPath(namespace, 'rpajobs');

/** Any object of the group, as the Kubernetes API server returns it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string; generation?: number; creationTimestamp?: string; [k: string]: unknown };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/**
 * What the API server's handlers use of Kubernetes: the cluster's KubeClient, or local mode's stand-in
 * (`aether run --ui`, console-local-kube.ts) that answers from the run's files and its PostgreSQL.
 */
export type KubeApi = Pick<KubeClient, Exclude<keyof KubeClient, 'tokenReview' | 'subjectAccessReview'>>;

/** How long a workflow read for item param checks is reused: bulk submits come in bursts. */
const WORKFLOW_TTL_MS = 2000;

export class KubeClient implements ReviewApi {
  private readonly api: JsonApi;
  private readonly workflows = new TtlCache<Promise<{ spec: Record<string, unknown> } | null>>(WORKFLOW_TTL_MS, 1000);
  constructor(private readonly kc: KubeConfig) {
    this.api = new JsonApi(kc);
  }

  async tokenReview(token: string): Promise<{ authenticated: boolean; user?: UserInfo; error?: string }> {
    const r = await this.api.request<{ status?: { authenticated?: boolean; user?: UserInfo; error?: string } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    );
    return {
      authenticated: r.status?.authenticated === true,
      ...(r.status?.user && { user: r.status.user }),
      ...(r.status?.error && { error: r.status.error }),
    };
  }

  async subjectAccessReview(user: UserInfo, attributes: ResourceAttributes): Promise<{ allowed: boolean; reason?: string }> {
    const r = await this.api.request<{ status?: { allowed?: boolean; reason?: string } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid && { uid: user.uid }),
          ...(user.groups && { groups: user.groups }),
          ...(user.extra && { extra: user.extra }),
          resourceAttributes: attributes,
        },
      },
    );
    return { allowed: r.status?.allowed === true, ...(r.status?.reason && { reason: r.status.reason }) };
  }

  listJobs(
    namespace: string,
    q: { limit?: number; continue?: string; labelSelector?: string },
  ): Promise<{ items: RpaJobObject[]; metadata?: { continue?: string; resourceVersion?: string } }> {
    const qs = new URLSearchParams();
    if (q.limit !== undefined) qs.set('limit', String(q.limit));
    if (q.continue) qs.set('continue', q.continue);
    if (q.labelSelector) qs.set('labelSelector', q.labelSelector);
    const s = qs.toString();
    return this.api.request('GET', `${jobsPath(namespace)}${s ? `?${s}` : ''}`);
  }

  getJob(namespace: string, name: string): Promise<RpaJobObject> {
    return this.api.request('GET', `${jobsPath(namespace)}/${encodeURIComponent(name)}`);
  }

  createJob(
    namespace: string,
    job: { name?: string; generateName?: string; labels?: Record<string, string>; annotations: Record<string, string>; spec: Record<string, unknown> },
  ): Promise<RpaJobObject> {
    return this.api.request('POST', jobsPath(namespace), {
      apiVersion: API_VERSION,
      kind: 'RpaJob',
      metadata: {
        namespace,
        ...(job.name !== undefined ? { name: job.name } : { generateName: job.generateName }),
        ...(job.labels && { labels: job.labels }),
        annotations: job.annotations,
      },
      spec: job.spec,
    });
  }

  /** The RpaWorkflow `name`, or null when there is none; a read is reused for WORKFLOW_TTL_MS. */
  getWorkflow(namespace: string, name: string): Promise<{ spec: Record<string, unknown> } | null> {
    const key = `${namespace}/${name}`;
    let got = this.workflows.get(key);
    if (got === undefined) {
      got = this.api
        .request<{ spec: Record<string, unknown> }>('GET', `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/rpaworkflows/${encodeURIComponent(name)}`)
        .catch((err: unknown) => {
          if (err instanceof ApiRequestError && err.code === 404) return null;
          this.workflows.delete(key);
          throw err;
        });
      this.workflows.set(key, got);
    }
    return got;
  }

  /** The namespace's RpaWorkflows (spec and status), uncached. */
  listWorkflows(namespace: string): Promise<{ items: KubeObject[] }> {
    return this.api.request('GET', nsPath(namespace, 'rpaworkflows'));
  }

  /** The RpaWorkflow `name` as stored now (with its resourceVersion), uncached. */
  readWorkflow(namespace: string, name: string): Promise<KubeObject> {
    return this.api.request('GET', `${nsPath(namespace, 'rpaworkflows')}/${encodeURIComponent(name)}`);
  }

  /** Applies a JSON Patch to the RpaWorkflow `name`; the cached copy for item checks is dropped. */
  async patchWorkflow(namespace: string, name: string, ops: unknown[]): Promise<KubeObject> {
    const out = await this.api.request<KubeObject>('PATCH', `${nsPath(namespace, 'rpaworkflows')}/${encodeURIComponent(name)}`, ops, 'application/json-patch+json');
    this.workflows.delete(`${namespace}/${name}`);
    return out;
  }

  /** A merge patch of the RpaJob `name` (spec.suspend). */
  patchJob(namespace: string, name: string, patch: Record<string, unknown>): Promise<RpaJobObject> {
    return this.api.request('PATCH', `${jobsPath(namespace)}/${encodeURIComponent(name)}`, patch, MERGE_PATCH);
  }

  /** The namespace's RobotPools. */
  listPools(namespace: string): Promise<{ items: KubeObject[] }> {
    return this.api.request('GET', nsPath(namespace, 'robotpools'));
  }

  /** Deletes the RpaJob (its finalizer cancels the queued or running run), foreground-free. */
  deleteJob(namespace: string, name: string): Promise<unknown> {
    return this.api.request('DELETE', `${jobsPath(namespace)}/${encodeURIComponent(name)}`);
  }

  /**
   * Watches a namespace's RpaJobs from now on; `onEvent` gets each change, `onDone` the end of the watch
   * (an error, or the API server closing it). Returns a function that stops the watch.
   */
  async watchJobs(
    namespace: string,
    onEvent: (type: string, job: RpaJobObject) => void,
    onDone: (err?: unknown) => void,
    /** Resume after this resourceVersion (a reconnecting client's Last-Event-ID); default: from now. */
    fromResourceVersion?: string,
  ): Promise<() => void> {
    const resourceVersion =
      fromResourceVersion ?? (await this.listJobs(namespace, { limit: 1 })).metadata?.resourceVersion;
    const ctl = await new Watch(this.kc).watch(
      jobsPath(namespace),
      { allowWatchBookmarks: false, ...(resourceVersion && { resourceVersion }) },
      (type: string, obj: RpaJobObject) => onEvent(type, obj),
      (err: unknown) => onDone(err ?? undefined),
    );
    return () => ctl.abort();
  }
}
