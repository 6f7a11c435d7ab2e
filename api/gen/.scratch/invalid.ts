import { readFileSync } from 'node:fs';
import { kubeConfigFromFile } from '../../../e2e/harness/kubeconfig.js';
import { kubeRequest } from '../../../e2e/api/client.js';
import { INVALID_CASES } from '../../../e2e/api/invalid-cases.js';
const kc = kubeConfigFromFile(readFileSync('/tmp/api-dev-kubeconfig', 'utf8').trim());
const plurals: Record<string, string> = { RpaWorkflow: 'rpaworkflows', RpaJob: 'rpajobs', RobotPool: 'robotpools', RpaSchedule: 'rpaschedules' };
let bad = 0;
for (const c of INVALID_CASES) {
  const r = await kubeRequest(kc, 'POST', `/apis/rpa.aether.dev/v1alpha1/namespaces/dev/${plurals[c.manifest.kind]}?dryRun=All`, c.manifest);
  const msg = String(r.body.message);
  const ok = r.status === 422 && c.expect.every((e) => msg.includes(e));
  if (!ok) { bad++; console.log('MISMATCH', c.name, r.status, msg.slice(0, 600)); }
}
console.log(INVALID_CASES.length, 'cases', bad, 'mismatches');
