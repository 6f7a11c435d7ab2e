import {
  checkForEachItems,
  checkStepOutput,
  DEFAULT_OUTPUT_LIMITS,
  formatBytes,
  jsonBytes,
  LimitExceededError,
  limitsFor,
  type OutputLimits,
} from './limits.js';
import { MAX_OUTPUT_LIMITS } from '../../../api/v1alpha1/output-limits.js';
import { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';

const small: OutputLimits = { stepOutputBytes: 100, jobOutputsBytes: 250, forEachItems: 3, forEachItemBytes: 20, forEachListBytes: 50 };

describe('jsonBytes', () => {
  it('counts UTF-8 bytes of the JSON, and 0 for undefined', () => {
    expect(jsonBytes(undefined)).toBe(0);
    expect(jsonBytes('é')).toBe(4); // quotes + two bytes
    expect(jsonBytes({ a: [1, 2] })).toBe('{"a":[1,2]}'.length);
  });
});

describe('formatBytes', () => {
  it('uses binary units with one decimal unless it is 0', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(64 * 1024)).toBe('64 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5.2 * 1024 * 1024)).toBe('5.2 MiB');
    expect(formatBytes(2 * 1024 * 1024 + 2)).toBe('2 MiB');
  });
});

describe('checkStepOutput', () => {
  it('passes an output within the caps and returns its size', () => {
    expect(checkStepOutput('s', 'x'.repeat(98), small, { bytes: 150 })).toBe(100);
  });

  it('refuses an output over the per-step cap, naming the step and the limit', () => {
    expect(() => checkStepOutput('rows[2].read', 'x'.repeat(99), small)).toThrow(
      new LimitExceededError('output of step "rows[2].read" is 101 B, over the 100 B limit per step'),
    );
  });

  it('gives exact byte counts when rounding would show the size equal to the limit', () => {
    expect(() => checkStepOutput('s', 'x'.repeat(1024 * 1024), DEFAULT_OUTPUT_LIMITS)).toThrow(
      'output of step "s" is 1048578 B, over the 1048576 B limit per step',
    );
  });

  it("refuses an output that takes the job's total over its cap", () => {
    expect(() => checkStepOutput('s', 'x'.repeat(98), small, { bytes: 151 })).toThrow(
      /output of step "s" \(100 B\) takes the job's outputs to 251 B, over the 250 B limit per job/,
    );
  });

  it('names what is measured', () => {
    expect(() => checkStepOutput('v', { a: 'x'.repeat(200) }, small, undefined, 'variables set by')).toThrow(
      /^variables set by step "v" is/,
    );
  });

  it('has defaults of 1 MiB per step and 4 MiB per job', () => {
    expect(formatBytes(DEFAULT_OUTPUT_LIMITS.stepOutputBytes)).toBe('1 MiB');
    expect(formatBytes(DEFAULT_OUTPUT_LIMITS.jobOutputsBytes)).toBe('4 MiB');
    expect(() => checkStepOutput('big', 'x'.repeat(1024 * 1024), DEFAULT_OUTPUT_LIMITS)).toThrow(LimitExceededError);
  });
});

describe('checkForEachItems', () => {
  it('passes a list within the caps', () => {
    expect(() => checkForEachItems('each', ['a', 'b', 'c'], small)).not.toThrow();
  });

  it('refuses too many items', () => {
    expect(() => checkForEachItems('each', [1, 2, 3, 4], small)).toThrow('forEach "each" has 4 items, over the limit of 3');
  });

  it('refuses one item over the per-item cap, naming its index', () => {
    expect(() => checkForEachItems('each', ['a', 'x'.repeat(19)], small)).toThrow(
      'item 1 of forEach "each" is 21 B, over the 20 B limit per item',
    );
  });

  it('refuses a list over the whole-list cap', () => {
    const items = ['x'.repeat(18), 'x'.repeat(18), 'x'.repeat(18)];
    expect(() => checkForEachItems('each', items, small)).toThrow(
      'the list of forEach "each" is over the 50 B limit (reached at item 2)',
    );
  });
});

describe('limitsFor', () => {
  it("lays a workflow's limits over the engine's, ignoring fields it leaves unset", () => {
    expect(limitsFor(small, { forEachItems: 2, stepOutputBytes: undefined })).toEqual({ ...small, forEachItems: 2 });
    expect(limitsFor(small, undefined)).toEqual(small);
  });
});

describe('the workflow limits block', () => {
  const steps = [{ id: 'a', action: 'setVariable', name: 'x', value: '1' }];
  it('accepts caps up to the ceilings', () => {
    const spec = WorkflowSpec.parse({ steps, limits: { stepOutputBytes: MAX_OUTPUT_LIMITS.stepOutputBytes, forEachItems: 5 } });
    expect(spec.limits).toEqual({ stepOutputBytes: MAX_OUTPUT_LIMITS.stepOutputBytes, forEachItems: 5 });
  });
  it('refuses a cap over its ceiling, zero, or an unknown field', () => {
    expect(WorkflowSpec.safeParse({ steps, limits: { forEachItems: MAX_OUTPUT_LIMITS.forEachItems + 1 } }).success).toBe(false);
    expect(WorkflowSpec.safeParse({ steps, limits: { stepOutputBytes: 0 } }).success).toBe(false);
    expect(WorkflowSpec.safeParse({ steps, limits: { outputBytes: 10 } }).success).toBe(false);
  });
});
