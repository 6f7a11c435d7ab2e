import { buildCrds } from '../crd.js';
for (const c of buildCrds()) {
  const s = JSON.stringify(c);
  console.log((c.metadata as any).name, s.length);
}
const wf = buildCrds()[0] as any;
const step = wf.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.steps.items;
console.log('step', JSON.stringify(step).length);
for (const [k, v] of Object.entries(step.properties)) console.log(k, JSON.stringify(v).length);
console.log('rules', JSON.stringify(step['x-kubernetes-validations']).length, step['x-kubernetes-validations'].length);
