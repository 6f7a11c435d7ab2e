// The run id of a work item's durable workflow: 'item-<id>-<runSeq>' (see robot-image/src/queue/item-run.ts).
// The robot runs it as DBOS workflow 'rpa-<run id>-a<attempt>' (attempt = retries + 1), where the API
// server finds the item's step log.

export function itemRunUid(item: { id: string; runSeq: number }): string {
  return `item-${item.id}-${item.runSeq}`;
}
