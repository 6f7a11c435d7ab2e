import { readFileSync } from 'node:fs';
import { kubeConfigFromFile } from '../../../e2e/harness/kubeconfig.js';
import { applyCrds } from '../../../e2e/api/crds.js';
const kc = kubeConfigFromFile(readFileSync('/tmp/api-dev-kubeconfig', 'utf8').trim());
const t = Date.now();
console.log(await applyCrds(kc), Date.now() - t, 'ms');
