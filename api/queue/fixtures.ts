// Payloads for tests and benches: a minimal valid workflow and a payload around it.
import { randomUUID } from 'node:crypto';
import { workflowDigest } from './digest.js';
import type { QueuePayloadInput } from './payload.js';

export const NOOP_WORKFLOW = { steps: [{ id: 'noop', action: 'setVariable', name: 'done', value: 'yes' }] };
const NOOP_DIGEST = workflowDigest(NOOP_WORKFLOW);

export function testPayload(overrides: Partial<QueuePayloadInput> = {}): QueuePayloadInput {
  return {
    version: 1,
    uid: randomUUID(),
    namespace: 'default',
    name: 'job-' + Math.random().toString(36).slice(2, 10),
    pool: 'pool-a',
    workflow: NOOP_WORKFLOW as QueuePayloadInput['workflow'],
    workflowDigest: NOOP_DIGEST,
    ...overrides,
  };
}
