// Workflows the engine tests and bench run against the local test site (e2e/site).
import type { WorkflowSpec } from '../../../../api/v1alpha1/workflow.js';

export const SITE_SLOT = 'site';

/** Login with a credential, a three-page form, a table, screenshots: 21 steps. */
export function openAccountWorkflow(): WorkflowSpec {
  return {
    params: [
      { name: 'baseUrl', type: 'string', required: true },
      { name: 'fullName', type: 'string', required: true },
      { name: 'email', type: 'string', required: true },
      { name: 'plan', type: 'string', default: 'pro' },
      { name: 'notes', type: 'string', default: '' },
    ],
    credentials: [{ name: SITE_SLOT, keys: ['username', 'password', 'token'] }],
    timeouts: { stepSeconds: 15 },
    steps: [
      { id: 'openLogin', action: 'goto', url: '{{ params.baseUrl }}/login' },
      { id: 'typeUser', action: 'fill', target: { label: 'Username' }, value: '{{ credentials.site.username }}' },
      { id: 'typePassword', action: 'fill', target: { label: 'Password' }, value: '{{ credentials.site.password }}' },
      { id: 'signIn', action: 'click', target: { role: 'button', name: 'Sign in' } },
      { id: 'checkWelcome', action: 'assert', target: { css: '#welcome' }, text: 'Welcome' },
      { id: 'openForm', action: 'goto', url: '{{ params.baseUrl }}/form/1' },
      { id: 'typeName', action: 'fill', target: { label: 'Full name' }, value: '{{ params.fullName }}' },
      { id: 'typeEmail', action: 'fill', target: { label: 'Email' }, value: '{{ params.email }}' },
      { id: 'typeToken', action: 'fill', target: { label: 'Account token' }, value: '{{ credentials.site.token }}' },
      { id: 'snapForm', action: 'screenshot', name: 'form' },
      { id: 'next1', action: 'click', target: { role: 'button', name: 'Next' } },
      { id: 'choosePlan', action: 'select', target: { label: 'Plan' }, value: '{{ params.plan }}' },
      { id: 'acceptTerms', action: 'check', target: { label: 'Accept the terms' } },
      { id: 'next2', action: 'click', target: { role: 'button', name: 'Next' } },
      { id: 'typeNotes', action: 'fill', target: { label: 'Notes' }, value: '{{ params.notes }}' },
      { id: 'submit', action: 'click', target: { role: 'button', name: 'Submit' } },
      { id: 'confirmation', action: 'extractText', target: { testId: 'confirmation' } },
      { id: 'openOrders', action: 'goto', url: '{{ params.baseUrl }}/table' },
      { id: 'orders', action: 'extractTable', target: { css: '#orders' } },
      { id: 'orderCount', action: 'setVariable', name: 'orderCount', value: '{{ steps.orders.output | length }}' },
      { id: 'snapOrders', action: 'screenshot', name: 'orders' },
    ],
  };
}

export function openAccountParams(baseUrl: string): Record<string, unknown> {
  return {
    baseUrl,
    fullName: 'Ada Lovelace',
    email: 'ada@example.org',
    plan: 'enterprise',
    notes: 'Analytical engine',
  };
}
