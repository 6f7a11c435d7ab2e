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

/** The page-reading part of paginateWorkflow as an RpaWorkflow of its own, with the page number as a param. */
export function readPageWorkflow(): WorkflowSpec {
  return {
    timeouts: { stepSeconds: 60 },
    params: [{ name: 'page', type: 'number', required: true }],
    steps: [
      { id: 'ack', action: 'click', target: { css: '#ack' } },
      { id: 'items', action: 'extractText', target: { css: 'li.item' }, all: true },
      { id: 'hasNext', action: 'extractAttribute', target: { css: '#next' }, attribute: 'data-enabled' },
      { id: 'numbered', action: 'assert', condition: 'params.page >= 1 and params.page <= 5', message: 'the page param did not arrive' },
    ],
  };
}

/**
 * paginateWorkflow with each page read by a `call` of RpaWorkflow read-page: the loop's body is the call
 * and the Next click. Checkpoints per iteration: the call, its 4 steps, maybeNext, next, the until decision.
 */
export function callingPaginateWorkflow(baseUrl: string): { workflow: WorkflowSpec; calls: Record<string, { generation: number; spec: WorkflowSpec }> } {
  return {
    workflow: {
      timeouts: { stepSeconds: 60 },
      steps: [
        { id: 'open', action: 'goto', url: `${baseUrl}/pages/1` },
        {
          id: 'pages',
          action: 'until',
          condition: "steps.page.output.hasNext == 'false'",
          maxIterations: 10,
          steps: [
            { id: 'page', action: 'call', call: { workflow: 'read-page', params: { page: '{{ loop.number }}' } } },
            {
              id: 'maybeNext',
              action: 'if',
              condition: "steps.page.output.hasNext == 'true'",
              then: [{ id: 'next', action: 'click', target: { css: '#next' } }],
            },
          ],
        },
      ],
    },
    calls: { 'read-page': { generation: 2, spec: readPageWorkflow() } },
  };
}
