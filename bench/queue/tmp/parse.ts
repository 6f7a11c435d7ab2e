import { z } from 'zod';
import { testPayload } from '../../../api/queue/fixtures.js';
import { parsePayload, QueuePayload } from '../../../api/queue/payload.js';
import { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
const N = 20000;
const raw = Array.from({ length: N }, () => JSON.parse(JSON.stringify(parsePayload(testPayload()))));
const Env = QueuePayload.extend({ workflow: z.unknown() });
for (let k = 0; k < 2; k++) {
let t = performance.now(); for (const r of raw) parsePayload(r); console.log('full', ((performance.now() - t) * 1000 / N).toFixed(1));
t = performance.now(); for (const r of raw) Env.parse(r); console.log('env', ((performance.now() - t) * 1000 / N).toFixed(1));
t = performance.now(); for (const r of raw) WorkflowSpec.parse(r.workflow); console.log('wf', ((performance.now() - t) * 1000 / N).toFixed(1));
t = performance.now(); for (const r of raw) JSON.stringify(r.workflow); console.log('stringify', ((performance.now() - t) * 1000 / N).toFixed(1));
}
