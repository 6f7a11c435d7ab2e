import { z } from 'zod';
import { WorkflowSpec, ACTIONS } from '../../v1alpha1/workflow.js';
console.log(ACTIONS);
const r = WorkflowSpec.safeParse({ params: [{ name: 'q', default: 3 }], steps: [
  { id: 'a', action: 'goto', url: 'https://x' },
  { id: 'a', action: 'if', condition: 'true', then: [{ id: 'b', action: 'click', target: { css: 'x', text: 'y' } }, {id:'c', action:'fill'}] },
  { id: 'w', action: 'waitFor', seconds: 1, url: 'x' },
  { id: 'h', action: 'http', url: 'x' , bogus: 1},
]});
console.log(JSON.stringify(r.error?.issues ?? r.data, null, 1));
console.log(JSON.stringify(z.toJSONSchema(WorkflowSpec, {io:'input', unrepresentable:'any'})).length);
