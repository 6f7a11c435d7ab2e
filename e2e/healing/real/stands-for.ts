// How a healed element relates to the element a real-corpus identity rule names on the new version,
// for the live tiers test. The healing pool of a recorded element holds its tag and its kind of control
// (capture.ts hintFor), so when a clickable row (Verdaccio 4's install rows, div role=button) became a
// plain container (Verdaccio 6's <li>, no control), the row itself is no candidate and the robot can
// only act on it through the control inside it. Picking that control is acting inside the named
// element, not on a neighbour: it counts as right ('onlyControl') when it is the row's ONLY control
// (with two or more, which one was meant is a guess, and any pick is wrong). It is reported apart,
// since reading the row's text through its control would give the control's text.
import type { ElementHandle, Locator } from 'playwright-core';

/** What a user can act on (elementKind's actions, fields, selects and toggles). */
const CONTROLS =
  'button, a[href], input, select, textarea, summary, [role=button], [role=link], [role=menuitem], [role=tab], ' +
  '[role=option], [role=checkbox], [role=radio], [role=switch], [role=combobox], [role=listbox], [role=textbox]';

export type StandsFor = 'same' | 'onlyControl' | 'other';

export async function standsFor(found: Locator, expected: ElementHandle): Promise<StandsFor> {
  return found
    .evaluate(
      (a, [b, controls]) => {
        if (a === b) return 'same';
        if (!(b instanceof Element) || !b.contains(a) || b.matches(controls)) return 'other';
        const inside = b.querySelectorAll(controls);
        return inside.length === 1 && inside[0] === a ? 'onlyControl' : 'other';
      },
      [expected, CONTROLS] as const,
    )
    .catch((): StandsFor => 'other');
}
