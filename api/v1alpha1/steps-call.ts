// The `call` step (issue 16): runs another RpaWorkflow of the job's namespace by name, at the generation
// the job pinned when it was queued (the operator snapshots it into the queue payload). Params go in as
// the callee's `params` (templates rendered in the caller), the callee's step outputs come back as
// `steps.<callId>.output.<calleeStepId>`; its steps checkpoint under the call step's path. The browser
// session, egress rules and credentials stay the job's. No CEL rule here: the RpaJob CRD is close to the
// API server's CEL cost budget, and the call graph is checked by the operator (call-graph.ts).
import { z } from 'zod';
import { boundedRecord, boundedString } from './bounds.js';
import { dnsSubdomain } from './common.js';
import { valueTemplate } from './step-base.js';

/** Most params one call passes. */
export const MAX_CALL_PARAMS = 64;

export const CallTarget = z.strictObject({
  workflow: dnsSubdomain().meta({ description: "Name of an RpaWorkflow in the job's namespace." }),
  params: boundedRecord(boundedString(63), valueTemplate(), MAX_CALL_PARAMS)
    .optional()
    .meta({ description: "The callee's params: name -> template, rendered in the caller (`{{ steps.x.output }}` keeps its type)." }),
});
export type CallTarget = z.infer<typeof CallTarget>;

export const callFields = { call: CallTarget };
