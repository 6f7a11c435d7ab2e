// The candidate pool of tier 1 (pool.ts): which elements of the new page a recorded element's hint
// keeps. The rule runs in the page (inpage.ts); keptByHint is the same source run in Node.
import { hintFor } from './capture.js';
import { keptByHint, NARROWING_TAGS } from './pool.js';
import { elementKind } from './score.js';
import type { ElementDescriptor } from './types.js';

const d = (tag: string, extra: Partial<ElementDescriptor> = {}): ElementDescriptor => ({ tag, ...extra });
const kept = (recorded: ElementDescriptor, now: ElementDescriptor) =>
  keptByHint(hintFor(recorded), now.tag, elementKind(now));

describe('keptByHint', () => {
  it('keeps the element a rewrite changed the tag and kind of, when the recorded one was not a native control', () => {
    // Redoc 1 -> 2: the clickable response title <div> became a <button>, the method label <h5> a <span>.
    expect(kept(d('div', { classes: ['zippy-title'] }), d('button'))).toBe(true);
    expect(kept(d('h5', { role: 'heading' }), d('span'))).toBe(true);
    // Verdaccio 4 -> 6: an install entry <div role="button"> became a plain <li>.
    expect(kept(d('div', { role: 'button' }), d('li', { role: 'listitem' }))).toBe(true);
  });

  it('narrows a native control to its tag or kind', () => {
    expect(kept(d('button'), d('button'))).toBe(true);
    expect(kept(d('button'), d('a'))).toBe(true);
    expect(kept(d('button'), d('div', { role: 'button' }))).toBe(true);
    expect(kept(d('button'), d('div'))).toBe(false);
    expect(kept(d('input', { type: 'text' }), d('textarea'))).toBe(true);
    expect(kept(d('input', { type: 'text' }), d('span'))).toBe(false);
    for (const tag of NARROWING_TAGS) expect(kept(d(tag), d('p'))).toBe(false);
  });

  it('keeps every element without a hint', () => {
    expect(keptByHint(undefined, 'p', 'other:p')).toBe(true);
    expect(keptByHint({}, 'p', 'other:p')).toBe(true);
  });
});
