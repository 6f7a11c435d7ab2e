// The kinds as the API server knows them: names, printer columns, subresources. The CRD
// generator renders this table; the operator uses the plurals for API paths.
import type { z } from 'zod';
import { GROUP } from './common.js';
import { RobotPoolSpec, RobotPoolStatus } from './robotpool.js';
import { RPAJOB_IMMUTABLE_SPEC_FIELDS, RpaJobSpec, RpaJobStatus } from './rpajob.js';
import { RpaQueueSpec, RpaQueueStatus } from './rpaqueue.js';
import { RpaScheduleSpec, RpaScheduleStatus } from './rpaschedule.js';
import { RpaTriggerSpec, RpaTriggerStatus } from './rpatrigger.js';
import { RpaWorkflowSpec, RpaWorkflowStatus } from './rpaworkflow.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 = shown by default, 1 = only with `-o wide`. */
  priority?: number;
}

export interface KindInfo {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  spec: z.ZodType;
  status: z.ZodType;
  columns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  /** Spec fields a transition rule keeps immutable: their CEL rules run on create only. */
  immutableSpecFields?: readonly string[];
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS = [
  {
    kind: 'RpaWorkflow',
    plural: 'rpaworkflows',
    singular: 'rpaworkflow',
    shortNames: ['rwf'],
    spec: RpaWorkflowSpec,
    status: RpaWorkflowStatus,
    columns: [
      { name: 'Valid', type: 'string', jsonPath: '.status.conditions[?(@.type=="Valid")].status' },
      { name: 'Steps', type: 'integer', jsonPath: '.status.stepCount' },
      age,
    ],
  },
  {
    kind: 'RpaJob',
    plural: 'rpajobs',
    singular: 'rpajob',
    shortNames: ['rj', 'rjob'],
    spec: RpaJobSpec,
    status: RpaJobStatus,
    immutableSpecFields: RPAJOB_IMMUTABLE_SPEC_FIELDS,
    columns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Pool', type: 'string', jsonPath: '.spec.pool' },
      { name: 'Robot', type: 'string', jsonPath: '.status.robot' },
      { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
      { name: 'Attempts', type: 'integer', jsonPath: '.status.attempts', priority: 1 },
      { name: 'Workflow', type: 'string', jsonPath: '.spec.workflowRef.name', priority: 1 },
      { name: 'Step', type: 'string', jsonPath: '.status.currentStep', priority: 1 },
      age,
    ],
  },
  {
    kind: 'RobotPool',
    plural: 'robotpools',
    singular: 'robotpool',
    shortNames: ['rp', 'rpool'],
    spec: RobotPoolSpec,
    status: RobotPoolStatus,
    columns: [
      { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Queue', type: 'integer', jsonPath: '.status.queue.ready', description: 'Jobs waiting for a robot' },
      { name: 'Running', type: 'integer', jsonPath: '.status.queue.running', priority: 1 },
      { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1 },
      age,
    ],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  },
  {
    kind: 'RpaSchedule',
    plural: 'rpaschedules',
    singular: 'rpaschedule',
    shortNames: ['rsched'],
    spec: RpaScheduleSpec,
    status: RpaScheduleStatus,
    columns: [
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
      { name: 'Timezone', type: 'string', jsonPath: '.spec.timeZone', priority: 1 },
      { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
      { name: 'Last Schedule', type: 'date', jsonPath: '.status.lastScheduleTime' },
      age,
    ],
  },
  {
    kind: 'RpaQueue',
    plural: 'rpaqueues',
    singular: 'rpaqueue',
    shortNames: ['rq', 'rqueue'],
    spec: RpaQueueSpec,
    status: RpaQueueStatus,
    columns: [
      { name: 'New', type: 'integer', jsonPath: '.status.items.new', description: 'Items waiting for a robot' },
      { name: 'In-Progress', type: 'integer', jsonPath: '.status.items.inProgress' },
      { name: 'Successful', type: 'integer', jsonPath: '.status.items.successful' },
      { name: 'Failed', type: 'integer', jsonPath: '.status.items.failed' },
      { name: 'Oldest', type: 'date', jsonPath: '.status.oldestNewItemTime', description: 'Age of the oldest New item' },
      { name: 'SLA', type: 'string', jsonPath: '.status.sla' },
      { name: 'Abandoned', type: 'integer', jsonPath: '.status.items.abandoned', priority: 1 },
      { name: 'Pool', type: 'string', jsonPath: '.spec.pool', priority: 1 },
      { name: 'Workflow', type: 'string', jsonPath: '.spec.workflowRef.name', priority: 1 },
      age,
    ],
  },
  {
    kind: 'RpaTrigger',
    plural: 'rpatriggers',
    singular: 'rpatrigger',
    shortNames: ['rtrig'],
    spec: RpaTriggerSpec,
    status: RpaTriggerStatus,
    columns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Queue', type: 'string', jsonPath: '.spec.queue.name', description: 'The RpaQueue a delivery adds items to' },
      { name: 'Workflow', type: 'string', jsonPath: '.spec.job.workflowRef.name', description: 'The workflow of the RpaJob a delivery creates' },
      { name: 'Deliveries', type: 'integer', jsonPath: '.status.deliveries' },
      { name: 'Last Delivery', type: 'date', jsonPath: '.status.lastDelivery' },
      { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
      { name: 'Secret', type: 'string', jsonPath: '.spec.secretRef.name', priority: 1 },
      age,
    ],
  },
] as const satisfies readonly KindInfo[];

export type KindName = (typeof KINDS)[number]['kind'];

export function kindInfo(kind: KindName): KindInfo {
  return KINDS.find((k) => k.kind === kind)!;
}

/** `<plural>.rpa.aether.dev`, the CRD's name. */
export function crdName(k: Pick<KindInfo, 'plural'>): string {
  return `${k.plural}.${GROUP}`;
}
