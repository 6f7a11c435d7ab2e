// What a delivery's body becomes, as pure functions: the params of the RpaJob a job trigger creates, or
// the work items a queue trigger adds; and the deterministic name of a delivery's RpaJob.
import { createHash } from 'node:crypto';
import { InvalidItemsError, parseItems, type NewItem } from '../../../api/queue/items/validate.js';
import type { TriggerJobTarget } from '../../../api/v1alpha1/rpatrigger.js';
import { HookRefusal } from './signature.js';

/** The body as JSON; an empty body is `{}`. */
export function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new HookRefusal('InvalidBody', `the body is not JSON: ${(err as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a JSON pointer (RFC 6901), or undefined when the body has none there. */
export function atPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at) && /^(0|[1-9][0-9]*)$/.test(token)) at = at[Number(token)];
    else if (isObject(at) && Object.hasOwn(at, token)) at = at[token];
    else return undefined;
  }
  return at;
}

/** The params of a job trigger's RpaJob: the fixed params, overlaid with what the body gives. */
export function jobParams(target: Pick<TriggerJobTarget, 'params' | 'paramsFrom' | 'paramMap'>, body: unknown): Record<string, unknown> {
  const params: Record<string, unknown> = { ...target.params };
  if (target.paramsFrom === 'body') {
    if (!isObject(body)) throw new HookRefusal('InvalidBody', 'the body must be a JSON object: its fields become the params (paramsFrom: body)');
    Object.assign(params, body);
  } else if (target.paramMap !== undefined) {
    for (const [name, pointer] of Object.entries(target.paramMap)) {
      const value = atPointer(body, pointer);
      if (value !== undefined) params[name] = value;
    }
  }
  return params;
}

/** The work items of a queue trigger's delivery: `{items: [...]}`, or the body as one item. */
export function queueItems(body: unknown): NewItem[] {
  const list = isObject(body) && Array.isArray(body.items) ? body.items : [body];
  try {
    return parseItems(list);
  } catch (err) {
    if (err instanceof InvalidItemsError) throw new HookRefusal('InvalidBody', err.message);
    throw err;
  }
}

/**
 * The name of the RpaJob a delivery creates: the trigger's name and a digest of its uid and the delivery id,
 * so a retry of the same delivery (after a crash) meets AlreadyExists instead of creating a second job.
 */
export function deliveryJobName(trigger: { name: string; uid: string }, deliveryId: string): string {
  const digest = createHash('sha256').update(`${trigger.uid}\n${deliveryId}`).digest('hex').slice(0, 16);
  const prefix = trigger.name.slice(0, 40).replace(/[-.]+$/, '');
  return `${prefix}-${digest}`;
}
