import { describe, expect, it } from '@jest/globals';
import { itemOutcomeLabel } from './metrics.js';

describe('itemOutcomeLabel', () => {
  it.each([
    ['Successful', 'successful'],
    ['Failed', 'failed'],
    ['New', 'retried'],
    [null, 'lost'],
  ] as const)('%s -> %s', (status, label) => {
    expect(itemOutcomeLabel(status)).toBe(label);
  });
});
