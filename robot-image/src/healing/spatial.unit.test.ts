import { pickByRelation, relationDistance } from './spatial.js';
import type { Box, SpatialRelation } from './types.js';

const anchor: Box = { x: 100, y: 100, width: 100, height: 20 };
const at = (x: number, y: number, w = 40, h = 20): Box => ({ x, y, width: w, height: h });

describe('relationDistance', () => {
  it.each<[string, Box, SpatialRelation, number | null]>([
    ['right on the same row', at(230, 100), 'rightOf', 30],
    ['right but on another row', at(230, 200), 'rightOf', null],
    ['left on the same row', at(40, 102), 'leftOf', 20],
    ['below, overlapping columns', at(120, 150), 'below', 30],
    ['below but far to the side', at(400, 150), 'below', null],
    ['above', at(110, 60), 'above', 20],
    ['inside (centre within)', at(110, 102, 20, 10), 'inside', 0],
    ['not inside', at(300, 300), 'inside', null],
    ['near: 30 px gap', at(230, 100), 'near', 30],
  ])('%s', (_name, box, rel, want) => {
    expect(relationDistance(anchor, box, rel)).toBe(want);
  });
});

describe('pickByRelation', () => {
  it('picks the nearest candidate in the relation', () => {
    const r = pickByRelation(anchor, [at(400, 100), at(230, 100), at(230, 300)], 'rightOf');
    expect(r.choice).toBe(1);
    expect(r.matches.map((m) => m.index)).toEqual([1, 0]);
  });
  it('abstains when nothing stands in the relation', () => {
    expect(pickByRelation(anchor, [at(230, 300)], 'rightOf').choice).toBeNull();
  });
  it('respects withinPx', () => {
    expect(pickByRelation(anchor, [at(400, 100)], 'rightOf', { withinPx: 100 }).choice).toBeNull();
  });
  it('abstains on a tie without scores, and breaks it with scores that lead clearly', () => {
    const boxes = [at(110, 100, 10, 10), at(150, 100, 10, 10)];
    expect(pickByRelation(anchor, boxes, 'inside').choice).toBeNull();
    expect(pickByRelation(anchor, boxes, 'inside', { scores: [0.2, 0.6] }).choice).toBe(1);
    expect(pickByRelation(anchor, boxes, 'inside', { scores: [0.5, 0.52] }).choice).toBeNull();
  });
  it('never picks an excluded candidate (the anchor itself)', () => {
    expect(pickByRelation(anchor, [anchor], 'inside', { exclude: new Set([0]) }).choice).toBeNull();
  });
});

describe('pickByRelation with a recorded distance', () => {
  // Three rows below a column header: nearest would be the first row.
  const rows = [at(100, 130), at(100, 160), at(100, 190)];
  it('picks the candidate whose distance is closest to the recorded one', () => {
    expect(pickByRelation(anchor, rows, 'below').choice).toBe(0);
    expect(pickByRelation(anchor, rows, 'below', { expected: 40 }).choice).toBe(1);
    expect(pickByRelation(anchor, rows, 'below', { expected: 75 }).choice).toBe(2);
  });
  it('abstains when two candidates are equally far from the recorded distance', () => {
    expect(pickByRelation(anchor, rows, 'below', { expected: 25 }).choice).toBeNull();
  });
  it('still honours withinPx', () => {
    expect(pickByRelation(anchor, rows, 'below', { expected: 70, withinPx: 45 }).choice).toBe(1);
  });
});
