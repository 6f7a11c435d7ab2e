import { parseWorkflowKey } from './healing-listener.js';

describe('parseWorkflowKey', () => {
  it.each([
    ['team-a/invoice-entry', { namespace: 'team-a', name: 'invoice-entry' }],
    ['ns/inline-ab12ab12ab12ab12', { namespace: 'ns', name: 'inline-ab12ab12ab12ab12' }],
    ['ns/a.b.c', { namespace: 'ns', name: 'a.b.c' }],
    ['no-slash', null],
    ['ns/', null],
    ['/name', null],
    ['NS/name', null],
    ['ns/name/extra', null],
    [undefined, null],
  ])('%s', (payload, want) => {
    expect(parseWorkflowKey(payload)).toEqual(want);
  });
});
