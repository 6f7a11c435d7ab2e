// RpaWorkflow: a reusable, validated workflow definition.
import { z } from 'zod';
import { resource, statusBase, timestamp } from './common.js';
import { boundedString, identifier } from './bounds.js';
import { Target } from './target.js';
import { WorkflowSpec } from './workflow.js';

export const RpaWorkflowSpec = WorkflowSpec;
export type RpaWorkflowSpec = z.output<typeof RpaWorkflowSpec>;

/** A better locator the self-healing layer found for a step; a human may adopt it into the spec. */
export const HealingSuggestion = z.strictObject({
  stepId: identifier(),
  /** Field path inside the step, e.g. `target` or `mask.elements[0]`. */
  field: boundedString(256).optional(),
  suggested: Target,
  /** How sure the healer was, 0..1. */
  score: z.number().min(0).max(1),
  /** How many runs healed the step this way. */
  count: z.int().min(1).optional(),
  lastSeen: timestamp().optional(),
  message: boundedString(1024).optional(),
});
export type HealingSuggestion = z.infer<typeof HealingSuggestion>;

export const RpaWorkflowStatus = z.strictObject({
  ...statusBase,
  /** Number of steps, nested ones included. */
  stepCount: z.int().min(0).optional(),
  healingSuggestions: z.array(HealingSuggestion).max(32).optional(),
});
export type RpaWorkflowStatus = z.infer<typeof RpaWorkflowStatus>;

export const RpaWorkflow = resource('RpaWorkflow', RpaWorkflowSpec, RpaWorkflowStatus);
export type RpaWorkflow = z.output<typeof RpaWorkflow>;
