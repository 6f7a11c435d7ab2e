import {
  descriptorFragility,
  selectorCandidates,
  suggestionsFromEvents,
  targetFragility,
  type HealEvent,
} from './suggest.js';
import type { PlainTarget } from './types.js';

describe('targetFragility', () => {
  it.each<[PlainTarget, 'robust' | 'fragile']>([
    [{ testId: 'save' }, 'robust'],
    [{ role: 'button', name: 'Save' }, 'robust'],
    [{ label: 'Email' }, 'robust'],
    [{ css: '#email' }, 'robust'],
    [{ xpath: '/html/body/div[2]/form/button[1]' }, 'fragile'],
    [{ css: 'form > div:nth-child(3) > button' }, 'fragile'],
    [{ css: '.css-1q2w3e4' }, 'fragile'],
    [{ css: '#ember1234' }, 'fragile'],
  ])('%j is %s', (t, want) => {
    const f = targetFragility(t);
    if (want === 'robust') expect(f.score).toBeLessThanOrEqual(0.3);
    else {
      expect(f.score).toBeGreaterThanOrEqual(0.6);
      expect(f.reasons.length).toBeGreaterThan(0);
    }
  });
  it('scores a descriptor by what a selector could rely on', () => {
    expect(descriptorFragility({ tag: 'button', role: 'button', accessibleName: 'Save' }).score).toBeLessThan(0.3);
    expect(descriptorFragility({ tag: 'div', classes: ['css-a1b2c3'] }).score).toBeGreaterThan(0.6);
  });
});

describe('selectorCandidates', () => {
  it('orders role+name, test id, label, id, then the rest', () => {
    const c = selectorCandidates({
      tag: 'input',
      id: 'email',
      name: 'email',
      role: 'textbox',
      accessibleName: 'Email',
      label: 'Email',
      attributes: { 'data-testid': 'email-field' },
      idXpath: '//*[@id="email"]',
    });
    expect(c).toEqual([
      { role: 'textbox', name: 'Email' },
      { testId: 'email-field' },
      { label: 'Email' },
      { css: '#email' },
      { css: 'input[name="email"]' },
      { xpath: '//*[@id="email"]' },
    ]);
  });
  it('skips generated ids and names', () => {
    const c = selectorCandidates({ tag: 'button', id: 'ember1234', text: 'Next' });
    expect(c).toEqual([{ text: 'Next' }]);
  });
});

describe('suggestionsFromEvents', () => {
  const ev = (
    stepId: string,
    at: string,
    suggestion: PlainTarget | null,
    outcome: HealEvent['outcome'] = 'healed',
  ): HealEvent => ({ stepId, at, tier: 1, outcome, suggestion });
  it('counts heals per step and suggests the most frequent selector, latest on a tie', () => {
    const s = suggestionsFromEvents([
      ev('submit', '2024-01-01T00:00:01Z', { role: 'button', name: 'Place order' }),
      ev('submit', '2024-01-01T00:00:02Z', { testId: 'place-order' }),
      ev('submit', '2024-01-01T00:00:03Z', { role: 'button', name: 'Place order' }),
      ev('email', '2024-01-01T00:00:04Z', { label: 'Email' }),
      ev('email', '2024-01-01T00:00:05Z', { label: 'Work email' }),
      ev('email', '2024-01-01T00:00:06Z', null, 'abstained'),
    ]);
    expect(s).toEqual([
      {
        stepId: 'email',
        selector: { label: 'Work email' },
        count: 2,
        lastTier: 1,
        lastHealedAt: '2024-01-01T00:00:05Z',
      },
      {
        stepId: 'submit',
        selector: { role: 'button', name: 'Place order' },
        count: 3,
        lastTier: 1,
        lastHealedAt: '2024-01-01T00:00:03Z',
      },
    ]);
  });
  it('has nothing to suggest without successful heals', () => {
    expect(suggestionsFromEvents([ev('x', '2024-01-01T00:00:00Z', null, 'abstained')])).toEqual([]);
  });
});
