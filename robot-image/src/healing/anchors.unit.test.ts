import {
  anchorLocator,
  atRecordedOffset,
  chooseAnchors,
  contradictsRecorded,
  lookAlikeCount,
  silentStandIn,
  relationOf,
  type AnchorCandidate,
} from './anchors.js';
import type { Box, ElementDescriptor } from './types.js';

const target: Box = { x: 200, y: 300, width: 160, height: 30 };
const c = (
  source: AnchorCandidate['source'],
  text: string,
  box: Box,
  extra: Partial<AnchorCandidate> = {},
): AnchorCandidate => ({
  source,
  text,
  tag: 'x',
  box,
  ...extra,
});

describe('relationOf', () => {
  it.each<[string, Box, ReturnType<typeof relationOf>]>([
    ['label to the left', { x: 100, y: 305, width: 80, height: 20 }, { relation: 'rightOf', distance: 20 }],
    ['heading above', { x: 180, y: 240, width: 300, height: 30 }, { relation: 'below', distance: 30 }],
    ['hint to the right', { x: 380, y: 300, width: 60, height: 30 }, { relation: 'leftOf', distance: 20 }],
    ['caption below', { x: 200, y: 350, width: 100, height: 20 }, { relation: 'above', distance: 20 }],
    ['wrapping section', { x: 0, y: 0, width: 1000, height: 1000 }, { relation: 'inside', distance: 0 }],
    ['off to a diagonal', { x: 0, y: 0, width: 50, height: 50 }, { relation: 'near', distance: Math.hypot(150, 250) }],
  ])('%s', (_name, anchor, want) => {
    expect(relationOf(anchor, target)).toEqual(want);
  });
});

describe('anchorLocator', () => {
  it.each<[AnchorCandidate['source'], string | undefined, object | null]>([
    ['label', undefined, { text: 'Email', exact: true }],
    ['legend', undefined, { text: 'Email', exact: true }],
    ['rowtext', undefined, { text: 'Email', exact: true }],
    ['heading', 'heading', { role: 'heading', name: 'Email', exact: true }],
    ['columnheader', 'columnheader', { role: 'columnheader', name: 'Email', exact: true }],
    ['landmark', 'region', { role: 'region', name: 'Email', exact: true }],
    ['landmark', undefined, null],
  ])('%s (role %s)', (source, role, want) => {
    expect(anchorLocator({ source, text: 'Email', ...(role && { role }) })).toEqual(want);
  });
});

describe('chooseAnchors', () => {
  const label = c('label', 'Email', { x: 100, y: 305, width: 80, height: 20 });
  const heading = c('heading', 'Contact', { x: 180, y: 240, width: 300, height: 30 }, { role: 'heading' });
  const far = c('heading', 'Account', { x: 180, y: 100, width: 300, height: 30 }, { role: 'heading' });
  const legend = c('legend', 'Details', { x: 190, y: 270, width: 100, height: 20 });
  const region = c('landmark', 'Signup', { x: 0, y: 0, width: 1000, height: 1000 }, { role: 'region' });

  it('prefers label, then heading, legend, column header, landmark; nearer first; at most three', () => {
    const got = chooseAnchors(target, [region, far, legend, heading, label]);
    expect(got.map((a) => [a.source, a.target.text ?? a.target.name, a.relation, a.distance])).toEqual([
      ['label', 'Email', 'rightOf', 20],
      ['heading', 'Contact', 'below', 30],
      ['heading', 'Account', 'below', 170],
    ]);
    expect(got[0]!.withinPx).toBe(120);
    expect(got[2]!.withinPx).toBe(340);
    expect(chooseAnchors(target, [region, far, heading, legend, label], 5).map((a) => a.source)).toEqual([
      'label',
      'heading',
      'heading',
      'legend',
      'landmark',
    ]);
    // The text on the element's own row comes after the column header, before a landmark.
    const row = c('rowtext', 'orderId', { x: 380, y: 305, width: 60, height: 20 });
    expect(chooseAnchors(target, [region, row, legend], 5).map((a) => [a.source, a.relation])).toEqual([
      ['legend', 'below'],
      ['rowtext', 'leftOf'],
      ['landmark', 'inside'],
    ]);
  });

  it('drops texts that look like data or content, anchors too far away, and duplicates', () => {
    const got = chooseAnchors(target, [
      c('label', 'Order 20231104', { x: 100, y: 305, width: 80, height: 20 }),
      c('label', 'x'.repeat(81), { x: 100, y: 305, width: 80, height: 20 }),
      c('label', '', { x: 100, y: 305, width: 80, height: 20 }),
      c('heading', 'Far away', { x: 200, y: -700, width: 100, height: 20 }, { role: 'heading' }),
      label,
      { ...label, box: { ...label.box, x: 90 } },
    ]);
    expect(got.map((a) => a.target)).toEqual([{ text: 'Email', exact: true }]);
  });

  it('keeps a landmark only when the element is inside it, and records an anchor’s frame', () => {
    const beside = c('landmark', 'Nav', { x: 0, y: 300, width: 150, height: 30 }, { role: 'navigation' });
    expect(chooseAnchors(target, [beside])).toEqual([]);
    const framed = chooseAnchors(target, [{ ...region, frame: ['xpath=/html/body/iframe'] }]);
    expect(framed).toEqual([
      {
        target: { role: 'region', name: 'Signup', exact: true },
        relation: 'inside',
        distance: 0,
        offset: { dx: 200, dy: 300 },
        source: 'landmark',
        frame: ['xpath=/html/body/iframe'],
      },
    ]);
  });
});

describe('atRecordedOffset', () => {
  const anchor: Box = { x: 100, y: 100, width: 200, height: 30 };
  const offset = { dx: 80, dy: 60 }; // recorded 100 px away: 26 px of tolerance
  it.each<[string, Box, boolean]>([
    ['exactly where it was', { x: 180, y: 160, width: 90, height: 30 }, true],
    ['spacing grew a little', { x: 190, y: 180, width: 90, height: 30 }, true],
    ['the neighbour button to its left', { x: 80, y: 160, width: 90, height: 30 }, false],
    ['the next row', { x: 180, y: 200, width: 90, height: 30 }, false],
  ])('%s', (_name, box, want) => {
    expect(atRecordedOffset(anchor, box, offset)).toBe(want);
  });
});

describe('contradictsRecorded', () => {
  const recorded: ElementDescriptor = {
    tag: 'button',
    accessibleName: 'Delete order',
    attributes: { 'data-testid': 'del' },
  };
  it.each<[string, ElementDescriptor, boolean]>([
    ['lost its name (an icon now)', { tag: 'button' }, false],
    ['a shorter name', { tag: 'button', accessibleName: 'Delete' }, false],
    ['the same name reworded longer', { tag: 'button', text: 'delete  order now' }, false],
    ['another name', { tag: 'button', accessibleName: 'Archive order' }, true],
    ['another test id', { tag: 'button', attributes: { 'data-testid': 'archive' } }, true],
  ])('%s', (_name, c, want) => {
    expect(contradictsRecorded(recorded, c)).toBe(want);
  });
});

describe('silentStandIn', () => {
  const row: ElementDescriptor = {
    tag: 'div',
    role: 'button',
    text: 'pnpm install order-clientInstall using pnpm',
    attributes: { 'data-testid': 'installListItem-pnpm' },
  };
  it.each<[string, ElementDescriptor, ElementDescriptor, boolean]>([
    ['an icon box where a named row button was', row, { tag: 'div' }, true],
    ['a silent span where a named button was', { tag: 'button', text: 'Save' }, { tag: 'span' }, true],
    ['a control of the same kind that lost its name (an icon button)', row, { tag: 'button' }, false],
    ['a silent element with a test id', row, { tag: 'div', attributes: { 'data-testid': 'install' } }, false],
    ['an element that says something', row, { tag: 'div', text: 'pnpm install' }, false],
    ['a silent element of the kind of a recorded plain one', { tag: 'div', text: 'Total' }, { tag: 'div' }, false],
    ['anything where the recorded element said nothing', { tag: 'button' }, { tag: 'div' }, false],
  ])('%s', (_name, recorded, c, want) => {
    expect(silentStandIn(recorded, c)).toBe(want);
  });
});

describe('lookAlikeCount', () => {
  const tryOut: ElementDescriptor = { tag: 'button', text: 'Try it out ', classes: ['btn', 'try-out__btn'] };
  it('counts identical buttons of other rows', () => {
    const page: ElementDescriptor[] = [
      { tag: 'button', text: 'Try it out', classes: ['try-out__btn', 'btn'] },
      { tag: 'button', text: 'try it  out', classes: ['btn', 'try-out__btn'] },
      { tag: 'button', text: 'Execute', classes: ['btn', 'execute'] },
    ];
    expect(lookAlikeCount(tryOut, page)).toBe(2);
  });
  it('tells apart elements by name, test id, classes or tag', () => {
    const page: ElementDescriptor[] = [
      { tag: 'button', text: 'Try it out', classes: ['btn', 'try-out__btn'] },
      { tag: 'a', text: 'Try it out', classes: ['btn', 'try-out__btn'] },
      { tag: 'button', text: 'Cancel', classes: ['btn', 'try-out__btn'] },
      { tag: 'button', text: 'Try it out', classes: ['btn'] },
      { tag: 'button', text: 'Try it out', classes: ['btn', 'try-out__btn'], attributes: { 'data-testid': 'other' } },
    ];
    expect(lookAlikeCount(tryOut, page)).toBe(1);
  });
});

it('lookAlikeCount: icons that say nothing are told apart by their pictures, not counted alike', () => {
  const icon: ElementDescriptor = { tag: 'button', classes: ['icon'] };
  expect(lookAlikeCount(icon, [icon, { ...icon }, { ...icon }])).toBe(1);
});
