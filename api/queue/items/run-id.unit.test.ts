import { describe, expect, it } from '@jest/globals';
import { itemArtifactsUid, itemRunUid } from './run-id.js';

describe('item run ids', () => {
  it('names the run by item and run sequence', () => {
    expect(itemRunUid({ id: '42', runSeq: 3 })).toBe('item-42-3');
  });

  it('derives a stable uuid per run for its artifacts, another one per item and per run sequence', () => {
    const uid = itemArtifactsUid({ id: '42', runSeq: 0 });
    expect(uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(itemArtifactsUid({ id: '42', runSeq: 0 })).toBe(uid);
    expect(new Set([uid, itemArtifactsUid({ id: '42', runSeq: 1 }), itemArtifactsUid({ id: '43', runSeq: 0 })]).size).toBe(3);
  });
});
