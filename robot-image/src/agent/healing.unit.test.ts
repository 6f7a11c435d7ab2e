import { workflowKeyOf } from './healing.js';

const digest = 'sha256:' + 'ab12'.repeat(16);

describe('workflowKeyOf', () => {
  it.each([
    ['a referenced RpaWorkflow', { namespace: 'team-a', workflowRef: { name: 'invoice-entry' }, workflowDigest: digest }, { namespace: 'team-a', name: 'invoice-entry' }],
    ['an inline workflow', { namespace: 'team-a', workflowDigest: digest }, { namespace: 'team-a', name: 'inline-ab12ab12ab12ab12' }],
  ])('keys %s', (_what, payload, want) => {
    expect(workflowKeyOf(payload)).toEqual(want);
  });

  it('keys two different inline workflows apart', () => {
    const other = 'sha256:' + 'cd34'.repeat(16);
    expect(workflowKeyOf({ namespace: 'x', workflowDigest: digest }).name).not.toBe(workflowKeyOf({ namespace: 'x', workflowDigest: other }).name);
  });
});
