import { writeFileSync } from 'node:fs';
import { startKube } from '../../../e2e/harness/kube.js';
const kube = await startKube({ controllerManager: false });
writeFileSync('/tmp/api-dev-kubeconfig', kube.kubeconfigPath);
console.log('ready', kube.kubeconfigPath, kube.timings);
const stop = async () => { await kube.stop(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
