import { describe, expect, it } from '@jest/globals';
import { RPAJOB_FINALIZER } from '../v1alpha1/index.js';
import { finalizerBindingSpec, rpaJobFinalizerPolicy } from './finalizer-policy.js';

describe('rpaJobFinalizerPolicy', () => {
  it('matches RpaJob creation only and adds our finalizer, tolerating failure', () => {
    const [policy, binding] = rpaJobFinalizerPolicy({ apiVersion: 'admissionregistration.k8s.io/v1', name: 'p' });
    expect(policy.kind).toBe('MutatingAdmissionPolicy');
    expect(binding).toMatchObject({ kind: 'MutatingAdmissionPolicyBinding', spec: { policyName: 'p' } });
    expect(policy.spec.matchConstraints).toEqual({
      resourceRules: [{ apiGroups: ['rpa.aether.dev'], apiVersions: ['*'], operations: ['CREATE'], resources: ['rpajobs'] }],
    });
    expect(policy.spec.failurePolicy).toBe('Ignore');
    const text = JSON.stringify(policy.spec);
    expect(text.split(`'${RPAJOB_FINALIZER}'`).length - 1).toBe(3); // the condition and both patch branches
  });

  it('binds to the given namespaces only, or to all when none are given', () => {
    expect(finalizerBindingSpec('p', ['a', 'b'])).toEqual({
      policyName: 'p',
      matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] }] } },
    });
    expect(finalizerBindingSpec('p', [])).toEqual({ policyName: 'p' });
    expect(finalizerBindingSpec('p')).toEqual({ policyName: 'p' });
  });
});
