// The zod schemas our code uses reject every manifest the API server rejects (see api.int.test.ts).
import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import { RobotPoolSpec, RpaJobSpec, RpaQueueSpec, RpaScheduleSpec, RpaTriggerSpec, RpaWorkflowSpec } from '../../api/v1alpha1/index.js';
import { example, INVALID_CASES } from './invalid-cases.js';

const SPECS: Record<string, z.ZodType> = {
  RpaWorkflow: RpaWorkflowSpec,
  RpaJob: RpaJobSpec,
  RobotPool: RobotPoolSpec,
  RpaSchedule: RpaScheduleSpec,
  RpaQueue: RpaQueueSpec,
  RpaTrigger: RpaTriggerSpec,
};

describe('zod agrees with the API server', () => {
  it('has at least 30 invalid cases with unique names', () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(INVALID_CASES.map((c) => c.name)).size).toBe(INVALID_CASES.length);
  });

  it.each(INVALID_CASES.map((c) => [c.name, c] as const))('rejects: %s', (_name, c) => {
    const schema = SPECS[c.manifest.kind as string]!;
    expect(schema.safeParse(c.manifest.spec).success).toBe(false);
  });

  it.each(['rpaworkflow', 'rpajob', 'robotpool', 'rpaschedule', 'rpaqueue', 'rpatrigger'] as const)('accepts examples/%s.yaml', (name) => {
    const m = example(name);
    const parsed = SPECS[m.kind as string]!.safeParse(m.spec);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });
});
