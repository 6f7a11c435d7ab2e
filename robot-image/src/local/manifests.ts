// Reads RpaJobs and RpaWorkflows from YAML text (several documents per file) and validates them with
// the same zod schemas and deep workflow checks the cluster uses. Every problem is reported at once,
// each naming the file, the object and the field. Pure: callers read the files.
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { API_VERSION } from '../../../api/v1alpha1/common.js';
import { inputShapeProblems } from '../../../api/v1alpha1/input-shape.js';
import { RpaJob } from '../../../api/v1alpha1/rpajob.js';
import { RpaWorkflow } from '../../../api/v1alpha1/rpaworkflow.js';
import { checkWorkflow, formatProblem, schemaProblems } from '../../../api/v1alpha1/validate-workflow.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { formatCallProblem, resolveCallGraph, type CalledWorkflow } from '../../../api/v1alpha1/call-graph.js';

export const DEFAULT_NAMESPACE = 'default';

export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `invalid input:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ManifestError';
  }
}

/** One YAML document and where it came from. */
export interface SourcedDocument {
  file: string;
  /** 0-based position in its file. */
  index: number;
  value: unknown;
}

export interface ResolvedJob {
  job: RpaJob;
  namespace: string;
  name: string;
  /** The file the RpaJob came from: relative paths in its annotations are relative to it. */
  file: string;
  workflow: WorkflowSpec;
  /** `inline` or the RpaWorkflow's name. */
  workflowName: string;
  /** The RpaWorkflows its call steps run, by name (found like the referenced one; generation 1). */
  calls: Record<string, CalledWorkflow>;
}

export function parseDocuments(file: string, text: string): SourcedDocument[] {
  const docs = parseAllDocuments(text);
  const problems: string[] = [];
  const out: SourcedDocument[] = [];
  docs.forEach((d, index) => {
    for (const e of d.errors) problems.push(`${file}: YAML document ${index + 1}: ${e.message.split('\n')[0]}`);
    const value: unknown = d.toJS();
    if (value !== null && value !== undefined) out.push({ file, index, value });
  });
  if (problems.length > 0) throw new ManifestError(problems);
  return out;
}

function kindOf(v: unknown): { kind?: string; apiVersion?: string; name?: string; namespace?: string } {
  if (!v || typeof v !== 'object') return {};
  const o = v as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  return {
    ...(typeof o.kind === 'string' && { kind: o.kind }),
    ...(typeof o.apiVersion === 'string' && { apiVersion: o.apiVersion }),
    ...(typeof o.metadata?.name === 'string' && { name: o.metadata.name }),
    ...(typeof o.metadata?.namespace === 'string' && { namespace: o.metadata.namespace }),
  };
}

function where(d: SourcedDocument): string {
  const k = kindOf(d.value);
  return `${d.file}${d.index > 0 ? ` (document ${d.index + 1})` : ''}: ${k.kind ?? 'object'} ${k.name ?? '(no name)'}`;
}

function issueLines(d: SourcedDocument, issues: z.core.$ZodIssue[]): string[] {
  return schemaProblems(d.value, issues).map((p) => `${where(d)}: ${formatProblem(p)}`);
}

/** Nesting and `__proto__` keys, before the schemas (which recurse) see the document. */
function checkShape(d: SourcedDocument): void {
  const problems = inputShapeProblems(d.value);
  if (problems.length > 0) throw new ManifestError(problems.map((p) => `${where(d)}: ${formatProblem(p)}`));
}

const namespaceOf = (d: SourcedDocument) => kindOf(d.value).namespace ?? DEFAULT_NAMESPACE;

/**
 * Picks the RpaJob to run, validates it and resolves its workflow among the documents, then among
 * `nearby` (e.g. the other YAML files beside the job's file) when the documents lack it.
 */
export function resolveJob(
  docs: SourcedDocument[],
  opts: { job?: string; nearby?: SourcedDocument[] } = {},
): ResolvedJob {
  const ours = docs.filter((d) => kindOf(d.value).apiVersion === API_VERSION);
  const jobs = ours.filter((d) => kindOf(d.value).kind === 'RpaJob');
  const files = [...new Set(docs.map((d) => d.file))].join(', ') || '(no files)';
  const candidates = opts.job ? jobs.filter((d) => kindOf(d.value).name === opts.job) : jobs;
  if (candidates.length === 0) {
    const found = jobs.map((d) => kindOf(d.value).name ?? '(no name)');
    throw new ManifestError([
      opts.job
        ? `no RpaJob named "${opts.job}" in ${files}${found.length ? ` (found: ${found.join(', ')})` : ''}`
        : `no RpaJob (apiVersion ${API_VERSION}) in ${files}`,
    ]);
  }
  if (candidates.length > 1) {
    const names = candidates.map((d) => kindOf(d.value).name ?? '(no name)');
    throw new ManifestError([`${files} hold several RpaJobs (${names.join(', ')}): choose one with --job NAME`]);
  }
  const doc = candidates[0]!;
  checkShape(doc);
  const parsed = RpaJob.safeParse(doc.value);
  if (!parsed.success) throw new ManifestError(issueLines(doc, parsed.error.issues));
  const job = parsed.data;
  const name = job.metadata.name;
  if (!name) throw new ManifestError([`${where(doc)}: metadata.name is required`]);
  const namespace = namespaceOf(doc);

  if (job.spec.workflow) {
    const problems = checkWorkflow(job.spec.workflow);
    if (problems.length > 0) {
      throw new ManifestError(
        problems.map((p) => `${where(doc)}: ${formatProblem({ ...p, path: `spec.workflow.${p.path}` })}`),
      );
    }
    const calls = resolveCalls(doc, job.spec.workflow, { namespace, ours, nearby: opts.nearby ?? [], boundSlots: job.spec.credentials });
    return { job, namespace, name, file: doc.file, workflow: job.spec.workflow, workflowName: 'inline', calls };
  }

  const ref = job.spec.workflowRef!;
  let wfDocs = workflowDocs(ours, ref.name, namespace);
  if (wfDocs.length === 0) wfDocs = workflowDocs(opts.nearby ?? [], ref.name, namespace);
  if (wfDocs.length === 0) {
    throw new ManifestError([
      `${where(doc)}: spec.workflowRef.name: RpaWorkflow "${ref.name}" (namespace ${namespace}) is in none of ${files}; ` +
        'pass its file too (aether run job.yaml workflow.yaml)',
    ]);
  }
  if (wfDocs.length > 1)
    throw new ManifestError([`RpaWorkflow "${ref.name}" is defined ${wfDocs.length} times in ${files}`]);
  const wfDoc = wfDocs[0]!;
  checkShape(wfDoc);
  const wf = RpaWorkflow.safeParse(wfDoc.value);
  if (!wf.success) throw new ManifestError(issueLines(wfDoc, wf.error.issues));
  const problems = checkWorkflow(wf.data.spec);
  if (problems.length > 0) {
    throw new ManifestError(problems.map((p) => `${where(wfDoc)}: ${formatProblem({ ...p, path: `spec.${p.path}` })}`));
  }
  const calls = resolveCalls(doc, wf.data.spec, { namespace, ours, nearby: opts.nearby ?? [], boundSlots: job.spec.credentials, root: ref.name });
  return { job, namespace, name, file: doc.file, workflow: wf.data.spec, workflowName: ref.name, calls };
}

/** The RpaWorkflow documents named `name` in `namespace`. */
function workflowDocs(list: SourcedDocument[], name: string, namespace: string): SourcedDocument[] {
  return list.filter((d) => {
    const k = kindOf(d.value);
    return k.apiVersion === API_VERSION && k.kind === 'RpaWorkflow' && k.name === name && namespaceOf(d) === namespace;
  });
}

/** The workflows the job's call steps run, found among the documents, then beside the job (as the operator would snapshot them). */
function resolveCalls(
  jobDoc: SourcedDocument,
  workflow: WorkflowSpec,
  opts: { namespace: string; ours: SourcedDocument[]; nearby: SourcedDocument[]; boundSlots?: Record<string, unknown>; root?: string },
): Record<string, CalledWorkflow> {
  const lookup = (name: string) => {
    const d = workflowDocs(opts.ours, name, opts.namespace)[0] ?? workflowDocs(opts.nearby, name, opts.namespace)[0];
    return d && { generation: 1, spec: (d.value as { spec?: unknown }).spec };
  };
  const graph = resolveCallGraph(workflow, lookup, {
    boundSlots: new Set(Object.keys(opts.boundSlots ?? {})),
    ...(opts.root !== undefined && { rootName: opts.root }),
  });
  if (graph.problems.length > 0) {
    const hint = graph.missing.length > 0 ? ` (pass the file of ${graph.missing.join(', ')} too, or put it beside the job)` : '';
    throw new ManifestError(graph.problems.map((p) => `${where(jobDoc)}: ${formatCallProblem(p, opts.root)}${p.kind === 'notFound' ? hint : ''}`));
  }
  return graph.calls;
}
