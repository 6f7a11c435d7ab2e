// The priority of a job or a work item in a spec: a name or an integer, higher = more urgent (see
// api/queue/priority.ts for the mapping). CEL-free: a field whose checks need CEL adds them (rpajob.ts).
import { z } from 'zod';
import { PRIORITY_MAX, PRIORITY_MIN, PRIORITY_NAMES, type PriorityName } from '../queue/priority.js';

export const PRIORITY_NAME_LIST = Object.keys(PRIORITY_NAMES) as [PriorityName, ...PriorityName[]];
export const PRIORITY_MESSAGE = `priority must be one of ${PRIORITY_NAME_LIST.join(', ')} or an integer from ${PRIORITY_MIN} to ${PRIORITY_MAX}`;

export const priorityField = () =>
  z
    .union([z.enum(PRIORITY_NAME_LIST), z.int().min(PRIORITY_MIN).max(PRIORITY_MAX)], { error: PRIORITY_MESSAGE })
    .meta({ 'x-kubernetes-int-or-string': true, maxLength: 16 });
