import { triggerReadiness, type TriggerFindings } from './readiness.js';

const secretRef = { name: 'hook-key', key: 'hmac' };
const queueSpec = { secretRef, queue: { name: 'invoices' } };
const jobSpec = { secretRef, job: { pool: 'default', workflowRef: { name: 'pay' }, priority: 'normal' as const, maxAttempts: 3 } };

describe('trigger readiness', () => {
  it.each<[string, typeof queueSpec | typeof jobSpec, TriggerFindings, string, string, RegExp]>([
    ['ready queue trigger', queueSpec, { secret: 'ok', targetExists: true }, 'True', 'TriggerReady', /add items to RpaQueue invoices/],
    ['ready job trigger', jobSpec, { secret: 'ok', targetExists: true }, 'True', 'TriggerReady', /RpaJobs of workflow pay/],
    ['no Secret', queueSpec, { secret: 'missing', targetExists: true }, 'False', 'SecretNotFound', /Secret hook-key does not exist/],
    ['Secret not readable', queueSpec, { secret: 'forbidden', targetExists: true }, 'False', 'SecretNotFound', /may not read Secret hook-key/],
    ['no key in the Secret', jobSpec, { secret: 'noKey', targetExists: true }, 'False', 'SecretKeyNotFound', /has no key hmac/],
    ['no queue', queueSpec, { secret: 'ok', targetExists: false }, 'False', 'QueueNotFound', /RpaQueue invoices does not exist/],
    ['no workflow', jobSpec, { secret: 'ok', targetExists: false }, 'False', 'WorkflowNotFound', /RpaWorkflow pay does not exist/],
    ['the Secret is named before the target', jobSpec, { secret: 'missing', targetExists: false }, 'False', 'SecretNotFound', /hook-key/],
  ])('%s', (_what, spec, found, status, reason, message) => {
    const r = triggerReadiness(spec, found);
    expect([r.status, r.reason]).toEqual([status, reason]);
    expect(r.message).toMatch(message);
  });
});
