// A job's params and credential bindings checked against its workflow's declarations (pure).
import { matchesParamType, type WorkflowSpec } from '../../../../api/v1alpha1/index.js';

export interface SpecProblem {
  /** Field path in the RpaJob, e.g. spec.params.accountId. */
  field: string;
  message: string;
}

export const formatSpecProblems = (ps: SpecProblem[]): string => ps.map((p) => `${p.field}: ${p.message}`).join('; ');

/** Params and credential bindings of a job checked against the workflow's declarations. */
export function bindingProblems(
  workflow: Pick<WorkflowSpec, 'params' | 'credentials'>,
  params: Record<string, unknown> | undefined,
  credentials: Record<string, unknown> | undefined,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const declared = new Map((workflow.params ?? []).map((p) => [p.name, p]));
  for (const p of declared.values()) {
    const value = params?.[p.name];
    if (value === undefined) {
      if (p.required) problems.push({ field: `spec.params.${p.name}`, message: 'is required by the workflow' });
    } else if (!matchesParamType(p.type, value)) {
      problems.push({ field: `spec.params.${p.name}`, message: `must be of type ${p.type}` });
    }
  }
  for (const name of Object.keys(params ?? {})) {
    if (!declared.has(name)) problems.push({ field: `spec.params.${name}`, message: 'is not a param of the workflow' });
  }
  problems.push(...credentialBindingProblems(workflow, credentials));
  return problems;
}

/** Every credential slot of the workflow bound, and nothing else (an RpaJob's or an RpaQueue's spec.credentials). */
export function credentialBindingProblems(workflow: Pick<WorkflowSpec, 'credentials'>, credentials: Record<string, unknown> | undefined): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const slots = new Set((workflow.credentials ?? []).map((c) => c.name));
  for (const slot of slots) {
    if (credentials?.[slot] === undefined) problems.push({ field: `spec.credentials.${slot}`, message: 'the workflow needs this credential slot bound to a Secret' });
  }
  for (const name of Object.keys(credentials ?? {})) {
    if (!slots.has(name)) problems.push({ field: `spec.credentials.${name}`, message: 'is not a credential slot of the workflow' });
  }
  return problems;
}
