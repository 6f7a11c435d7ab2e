// NOTIFY channels of work queues. Glossary:
//   queue key   '<namespace>/<queue>' — an RpaQueue; the payload on both channels.
// aether_queue_item: items of the queue changed (added, claimed, finished, released) — robots wake up and
//                    claim, the RpaQueue controller refreshes its counts, the API server's live updates.
// aether_queue_sla:  the oldest New item of the queue waited longer than its SLA (sent by the controller).

export const QUEUE_ITEM_CHANNEL = 'aether_queue_item';
export const QUEUE_SLA_CHANNEL = 'aether_queue_sla';

export function queueKey(namespace: string, queue: string): string {
  return `${namespace}/${queue}`;
}

export function parseQueueKey(key: string): { namespace: string; queue: string } | null {
  const i = key.indexOf('/');
  if (i <= 0 || i === key.length - 1) return null;
  return { namespace: key.slice(0, i), queue: key.slice(i + 1) };
}
