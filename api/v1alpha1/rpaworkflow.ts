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
  /** The healing tier of the last heal: 1 descriptor scoring, 2 anchor, 3 image. */
  tier: z.int().min(1).max(3).optional(),
  lastSeen: timestamp().optional(),
  message: boundedString(1024).optional(),
});
export type HealingSuggestion = z.infer<typeof HealingSuggestion>;

/** How likely a step's target is to break when the page changes, as recorded by a robot. */
export const TargetFragility = z.strictObject({
  stepId: identifier(),
  /** The step's path when it sits in a block (`rows.typeName`), else absent. */
  stepPath: boundedString(512).optional(),
  /** 0 = robust (test id, role+name) .. 1 = breaks on any change (absolute XPath). */
  score: z.number().min(0).max(1),
  reasons: z.array(boundedString(256)).max(8).optional(),
  recordedAt: timestamp().optional(),
});
export type TargetFragility = z.infer<typeof TargetFragility>;

export const RpaWorkflowStatus = z.strictObject({
  ...statusBase,
  /** Number of steps, nested ones included. */
  stepCount: z.int().min(0).optional(),
  healingSuggestions: z.array(HealingSuggestion).max(32).optional(),
  /** Recorded step targets, most fragile first. */
  fragility: z.array(TargetFragility).max(64).optional(),
});
export type RpaWorkflowStatus = z.infer<typeof RpaWorkflowStatus>;

export const RpaWorkflow = resource('RpaWorkflow', RpaWorkflowSpec, RpaWorkflowStatus);
export type RpaWorkflow = z.output<typeof RpaWorkflow>;
