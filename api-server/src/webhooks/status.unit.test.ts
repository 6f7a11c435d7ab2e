import { desiredStatus } from './status.js';
import type { TriggerObject } from './triggers.js';

const trigger = (status?: TriggerObject['status']): TriggerObject => ({
  metadata: { name: 'hook', namespace: 'ns', uid: 'u', generation: 3 },
  spec: { secretRef: { name: 's', key: 'k' }, toleranceSeconds: 300, queue: { name: 'q' } },
  ...(status && { status }),
});
const ready = { status: 'True' as const, reason: 'TriggerReady' as const, message: 'ok' };
const notReady = { status: 'False' as const, reason: 'SecretNotFound' as const, message: 'Secret s does not exist' };

describe('a trigger status', () => {
  it('stamps the generation, the Ready condition and the delivery count', () => {
    const now = new Date('2026-12-06T10:00:00.123Z');
    const s = desiredStatus(trigger(), notReady, { deliveries: 7, lastDeliveryAt: new Date('2026-12-06T09:59:58.900Z') }, now);
    expect(s).toEqual({
      observedGeneration: 3,
      conditions: [{ type: 'Ready', status: 'False', reason: 'SecretNotFound', message: 'Secret s does not exist', lastTransitionTime: '2026-12-06T10:00:00Z', observedGeneration: 3 }],
      deliveries: 7,
      lastDelivery: '2026-12-06T09:59:58Z',
    });
  });

  it('keeps lastTransitionTime while Ready keeps its status, and moves it on a change', () => {
    const first = desiredStatus(trigger(), ready, undefined, new Date('2026-12-06T10:00:00Z'));
    const same = desiredStatus(trigger(first), { ...ready, message: 'still ok' }, undefined, new Date('2026-12-06T11:00:00Z'));
    expect(same.conditions![0]!.lastTransitionTime).toBe('2026-12-06T10:00:00Z');
    expect(same).not.toHaveProperty('deliveries');
    const flipped = desiredStatus(trigger(first), notReady, undefined, new Date('2026-12-06T12:00:00Z'));
    expect(flipped.conditions![0]!.lastTransitionTime).toBe('2026-12-06T12:00:00Z');
  });
});
