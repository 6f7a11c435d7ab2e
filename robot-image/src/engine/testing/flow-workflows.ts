// Control-flow workflows over the test site's paginated list (e2e/site: /pages/1 .. /pages/5).
import type { Step, WorkflowSpec } from '../../../../api/v1alpha1/workflow.js';

/**
 * "Acknowledge each page, read its items, click Next until it is disabled": an until loop whose
 * condition reads a step inside it. `extra` goes at the end of each iteration's steps.
 */
export function paginateWorkflow(baseUrl: string, extra: Step[] = []): WorkflowSpec {
  return {
    // The machine is shared and noisy: a slow page is not what these tests are about.
    timeouts: { stepSeconds: 60 },
    steps: [
      { id: 'open', action: 'goto', url: `${baseUrl}/pages/1` },
      {
        id: 'pages',
        action: 'until',
        condition: "steps.hasNext.output == 'false'",
        maxIterations: 10,
        steps: [
          { id: 'ack', action: 'click', target: { css: '#ack' } },
          { id: 'items', action: 'extractText', target: { css: 'li.item' }, all: true },
          { id: 'hasNext', action: 'extractAttribute', target: { css: '#next' }, attribute: 'data-enabled' },
          ...extra,
          {
            id: 'maybeNext',
            action: 'if',
            condition: "steps.hasNext.output == 'true'",
            then: [{ id: 'next', action: 'click', target: { css: '#next' } }],
          },
        ],
      },
    ],
  };
}

/** Checkpoint paths of one iteration of `pages` that takes Next (the last one skips `next`). */
export function iterationPaths(i: number): string[] {
  return ['ack', 'items', 'hasNext', 'maybeNext', 'maybeNext.then.next'].map((p) => `pages[${i}].${p}`).concat(`pages[${i}]`);
}
