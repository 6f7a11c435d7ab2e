// Crash inside a callee: a robot process SIGKILLs itself right after a checkpoint inside a `call` on page
// 3 of 5 of an until loop; a second process takes the workflow over and goes on at the same callee step,
// with the same params. No step runs twice (each page's Acknowledge POST reaches the site once over both
// processes).
import { callingPaginateWorkflow } from './testing/flow-workflows.js';
import { describePaginateTakeover } from './testing/paginate-takeover.js';

describePaginateTakeover({
  title: 'take-over inside a call',
  database: 'call_takeover',
  body: (siteUrl) => callingPaginateWorkflow(siteUrl),
  // Checkpoints: open, pages, then 8 per iteration (the call, its ack, items, hasNext and numbered,
  // maybeNext, next, the until decision). 19: the call on page 3 recorded its params; 20: Acknowledge on
  // page 3 was just posted from inside the callee; 21: page 3's items read inside the callee.
  cases: [
    [19, 'pages[2].page'],
    [20, 'pages[2].page.ack'],
    [21, 'pages[2].page.items'],
  ],
});
