// Crash inside a loop: a robot process SIGKILLs itself right after a checkpoint on page 3 of 5 of an
// until loop; a second process takes the workflow over and goes on at the same iteration and step. No
// step runs twice (each page's Acknowledge POST reaches the site once over both processes).
import { paginateWorkflow } from './testing/flow-workflows.js';
import { describePaginateTakeover } from './testing/paginate-takeover.js';

describePaginateTakeover({
  title: 'take-over inside an until loop',
  database: 'flow_takeover',
  body: (siteUrl) => ({ workflow: paginateWorkflow(siteUrl) }),
  // Checkpoints: open, pages, then 6 per iteration (ack, items, hasNext, maybeNext, next, the until
  // decision). 15: Acknowledge on page 3 was just posted; 16: page 3's items read; 19: Next on page 3
  // clicked (the browser is on page 4).
  cases: [
    [15, 'pages[2].ack'],
    [16, 'pages[2].items'],
    [19, 'pages[2].maybeNext.then.next'],
  ],
});
