import { z } from 'zod';
import { WorkflowSpec } from '../../v1alpha1/workflow.js';
import { RpaJobStatus } from '../../v1alpha1/rpajob.js';
const j = z.toJSONSchema(WorkflowSpec, { io: 'input', unrepresentable: 'any' }) as any;
console.log(Object.keys(j), Object.keys(j.$defs ?? {}));
console.log(JSON.stringify(j.properties.steps).slice(0, 300));
const d = Object.values(j.$defs ?? {})[0] as any;
console.log(JSON.stringify(d).slice(0, 300));
console.log(JSON.stringify(z.toJSONSchema(RpaJobStatus, { io: 'input' }).properties).slice(0, 1500));
