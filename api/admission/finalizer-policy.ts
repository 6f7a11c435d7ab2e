// A MutatingAdmissionPolicy that puts the RpaJob finalizer on at create time, inside the API server, so
// the operator does not spend a second write per job adding it (it still adds it where the policy is not
// installed: Kubernetes < 1.34, or 1.34–1.35 without the beta API). The chart's template
// (helm/aether/templates/rpajob-finalizer-policy.yaml) renders exactly these specs; a test compares them.
import { GROUP, RPAJOB_FINALIZER } from '../v1alpha1/common.js';
import { PLURALS } from '../v1alpha1/names.js';

export const MAP_API_VERSIONS = ['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1'] as const;
export type MapApiVersion = (typeof MAP_API_VERSIONS)[number];

export interface FinalizerPolicyOptions {
  apiVersion: MapApiVersion;
  /** Name of the policy and of its binding (cluster-scoped). */
  name: string;
  /** Only RpaJobs in these namespaces get the finalizer: the ones an operator watches (none: all). A
   * finalizer in a namespace no operator watches would block the job's deletion forever. */
  namespaces?: readonly string[];
  labels?: Record<string, string>;
}

export interface AdmissionObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

const quoted = (s: string) => `'${s}'`;

export function finalizerPolicySpec(): Record<string, unknown> {
  const f = quoted(RPAJOB_FINALIZER);
  return {
    matchConstraints: {
      resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: [PLURALS.RpaJob] }],
    },
    matchConditions: [
      { name: 'lacks-finalizer', expression: `!has(object.metadata.finalizers) || !(${f} in object.metadata.finalizers)` },
    ],
    // JSON Patch rather than an apply configuration: no typed merge of the whole object per create.
    mutations: [
      {
        patchType: 'JSONPatch',
        jsonPatch: {
          expression:
            `has(object.metadata.finalizers) ? [JSONPatch{op: 'add', path: '/metadata/finalizers/-', value: ${f}}]` +
            ` : [JSONPatch{op: 'add', path: '/metadata/finalizers', value: [${f}]}]`,
        },
      },
    ],
    // A failing policy must not block job creation: the operator adds the finalizer itself then.
    failurePolicy: 'Ignore',
    reinvocationPolicy: 'Never',
  };
}

export function finalizerBindingSpec(policyName: string, namespaces?: readonly string[]): Record<string, unknown> {
  return {
    policyName,
    ...(namespaces && namespaces.length > 0
      ? { matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...namespaces] }] } } }
      : {}),
  };
}

/** The policy and its binding, ready to create. */
export function rpaJobFinalizerPolicy(opts: FinalizerPolicyOptions): [AdmissionObject, AdmissionObject] {
  const metadata = { name: opts.name, ...(opts.labels ? { labels: opts.labels } : {}) };
  return [
    { apiVersion: opts.apiVersion, kind: 'MutatingAdmissionPolicy', metadata, spec: finalizerPolicySpec() },
    { apiVersion: opts.apiVersion, kind: 'MutatingAdmissionPolicyBinding', metadata, spec: finalizerBindingSpec(opts.name, opts.namespaces) },
  ];
}
