// From a file-based RpaJob to the queue payload the operator would build for it: a stable UID (the
// cluster gets one from the API server; here it is derived from the job's name, so a re-run finds the
// same run), params with `--param` overrides typed by the workflow's declarations, and the frozen
// workflow snapshot with its digest.
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { workflowDigest } from '../../../api/queue/digest.js';
import { QUEUE_PAYLOAD_VERSION, type QueuePayloadInput } from '../../../api/queue/payload.js';
import { matchesParamType, type Param } from '../../../api/v1alpha1/workflow.js';
import { ManifestError, type ResolvedJob } from './manifests.js';

/**
 * The run UID of the `sequence`-th run of a job (0 = the first). A name-based UUID (version 5 layout):
 * the same job and sequence always give the same UID, so an interrupted run is found again.
 */
export function localRunUid(namespace: string, name: string, sequence: number): string {
  const h = createHash('sha1').update(`aether.local/${namespace}/${name}#${sequence}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A `--param` value as the declared type wants it: strings stay text, the rest is read as YAML. */
export function typedParam(decl: Pick<Param, 'name' | 'type'> | undefined, raw: string): unknown {
  if (!decl || decl.type === 'string') return raw;
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  if (!matchesParamType(decl.type, value)) {
    throw new ManifestError([`--param ${decl.name}=${raw}: param "${decl.name}" is a ${decl.type}`]);
  }
  return value;
}

/** The job's params with the overrides applied; checks names, types and required params. */
export function jobParams(resolved: ResolvedJob, overrides: Record<string, unknown>): Record<string, unknown> {
  const declared = new Map((resolved.workflow.params ?? []).map((p) => [p.name, p]));
  const params: Record<string, unknown> = { ...(resolved.job.spec.params ?? {}), ...overrides };
  const problems: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    const decl = declared.get(k);
    const from = k in overrides ? `--param ${k}` : `spec.params.${k}`;
    if (!decl)
      problems.push(
        `${from}: the workflow declares no param "${k}" (declared: ${[...declared.keys()].join(', ') || 'none'})`,
      );
    else if (!matchesParamType(decl.type, v))
      problems.push(`${from}: param "${k}" is a ${decl.type}, got ${JSON.stringify(v)}`);
  }
  for (const p of declared.values()) {
    if (p.required && params[p.name] === undefined)
      problems.push(`spec.params.${p.name}: required by the workflow (or pass --param ${p.name}=...)`);
  }
  if (problems.length > 0) throw new ManifestError(problems.map((p) => `RpaJob ${resolved.name}: ${p}`));
  return params;
}

/** What the operator would queue for this job. */
export function localPayload(opts: {
  resolved: ResolvedJob;
  uid: string;
  params: Record<string, unknown>;
  now: Date;
}): QueuePayloadInput {
  const { resolved } = opts;
  const spec = resolved.job.spec;
  return {
    version: QUEUE_PAYLOAD_VERSION,
    uid: opts.uid,
    namespace: resolved.namespace,
    name: resolved.name,
    pool: spec.pool,
    workflow: resolved.workflow,
    // As the operator queues it: the run is recorded (and its heal events filed) under the RpaWorkflow's name.
    ...(spec.workflowRef && { workflowRef: { name: spec.workflowRef.name } }),
    ...(Object.keys(resolved.calls).length > 0 && { calls: resolved.calls }),
    workflowDigest: workflowDigest(resolved.workflow),
    params: opts.params,
    credentials: spec.credentials ?? {},
    priority: spec.priority,
    maxAttempts: spec.maxAttempts,
    deadline: spec.activeDeadlineSeconds
      ? new Date(opts.now.getTime() + spec.activeDeadlineSeconds * 1000).toISOString()
      : null,
  };
}
