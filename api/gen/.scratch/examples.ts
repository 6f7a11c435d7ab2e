import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { kubeConfigFromFile } from '../../../e2e/harness/kubeconfig.js';
import { kubeRequest } from '../../../e2e/api/client.js';
import { validateWorkflow, formatProblem, RpaJobSpec, RobotPoolSpec, RpaScheduleSpec } from '../../v1alpha1/index.js';
const kc = kubeConfigFromFile(readFileSync('/tmp/api-dev-kubeconfig', 'utf8').trim());
await kubeRequest(kc, 'POST', '/api/v1/namespaces', { metadata: { name: 'dev' } });
const plurals: Record<string, string> = { RpaWorkflow: 'rpaworkflows', RpaJob: 'rpajobs', RobotPool: 'robotpools', RpaSchedule: 'rpaschedules' };
for (const f of ['rpaworkflow', 'rpajob', 'robotpool', 'rpaschedule']) {
  const o = parse(readFileSync(`examples/${f}.yaml`, 'utf8'));
  if (o.kind === 'RpaWorkflow') console.log('zod', validateWorkflow(o.spec).map(formatProblem));
  if (o.kind === 'RpaJob') console.log('zod', RpaJobSpec.safeParse(o.spec).error?.issues);
  if (o.kind === 'RobotPool') console.log('zod', RobotPoolSpec.safeParse(o.spec).error?.issues);
  if (o.kind === 'RpaSchedule') console.log('zod', RpaScheduleSpec.safeParse(o.spec).error?.issues);
  await kubeRequest(kc, 'DELETE', `/apis/rpa.aether.dev/v1alpha1/namespaces/dev/${plurals[o.kind]}/${o.metadata.name}`);
  const r = await kubeRequest(kc, 'POST', `/apis/rpa.aether.dev/v1alpha1/namespaces/dev/${plurals[o.kind]}?fieldValidation=Strict`, o);
  console.log(f, r.status, r.status >= 300 ? r.body.message : JSON.stringify(r.body.spec).slice(0, 200));
}
