// Runs a node simulator as its own process:
//   node --import tsx e2e/nodesim/main.ts --kubeconfig PATH --node NAME [--namespace NS]
//        [--images table.json] [--claim-unselected] [--label k=v ...]
// table.json maps image names to local commands: {"aether.dev/robot": {"command": "node", "args": ["robot.js"], "cwd": "/x"}}.
// Without --images it knows the test images of e2e/nodesim/images.ts. SIGTERM/SIGINT stop it (and its Pods).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../api/log.js';
import { kubeConfigFromFile } from '../harness/kubeconfig.js';
import type { ImageTable } from './decide.js';
import { testImages } from './images.js';
import { NodeSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    node: { type: 'string' },
    namespace: { type: 'string' },
    images: { type: 'string' },
    'claim-unselected': { type: 'boolean', default: false },
    label: { type: 'string', multiple: true, default: [] },
  },
});

const errors: string[] = [];
if (!values.kubeconfig) errors.push('--kubeconfig is required');
if (!values.node) errors.push('--node is required');
const labels: Record<string, string> = {};
for (const l of values.label ?? []) {
  const i = l.indexOf('=');
  if (i <= 0) errors.push(`--label ${l}: expected key=value`);
  else labels[l.slice(0, i)] = l.slice(i + 1);
}
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(2);
}

const images: ImageTable = values.images
  ? (JSON.parse(readFileSync(values.images, 'utf8')) as ImageTable)
  : testImages();
const sim = new NodeSimulator({
  kubeConfig: kubeConfigFromFile(values.kubeconfig!),
  nodeName: values.node!,
  namespace: values.namespace,
  claimUnselected: values['claim-unselected'] || Boolean(values.namespace),
  labels,
  images,
  log: createLogger({ name: 'nodesim' }),
});
await sim.start();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    void sim.stop().then(() => process.exit(0));
  });
}
