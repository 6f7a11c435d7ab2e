// Which proposed anchors the robot keeps: those its own locator finds again exactly once, standing where
// they were (same relation, distance within 3 px, same offset). Shared by the healing resolver, which
// records them with the element, and the real-corpus tests that record the way the robot does.
import type { Page } from 'playwright-core';
import { atRecordedOffset, MAX_ANCHORS, relationOf } from './anchors.js';
import { placeOfLocator, plainLocator } from './locate.js';
import type { Box, RecordedAnchor } from './types.js';

export async function anchorsFoundAgain(
  page: Page,
  anchors: readonly RecordedAnchor[],
  box: Box,
): Promise<RecordedAnchor[]> {
  const out: RecordedAnchor[] = [];
  for (const a of anchors) {
    if (out.length >= MAX_ANCHORS) break;
    const loc = plainLocator(page, a.target, a.frame);
    if ((await loc.count()) !== 1) continue;
    const at = (await placeOfLocator(loc)).box;
    const again = relationOf(at, box);
    if (
      again.relation === a.relation &&
      Math.abs(again.distance - a.distance) <= 3 &&
      (!a.offset || atRecordedOffset(at, box, a.offset))
    )
      out.push(a);
  }
  return out;
}
