import type { DescriptorRow, HealingEventRow } from '../../../api/healing/sql.js';
import type { HealingSuggestion, Step } from '../../../api/v1alpha1/index.js';
import { healingStatusFields, healingStatusOf, stepTargets, suggestionEvents } from './healing-suggestions.js';

const steps = [
  { id: 'open', action: 'goto', url: 'https://x' },
  { id: 'save', action: 'click', target: { css: '#save-btn' } },
  {
    id: 'rows',
    action: 'forEach',
    items: '{{ params.rows }}',
    steps: [{ id: 'typeName', action: 'fill', target: { xpath: '/html/body/form/input[1]' }, value: '{{ item }}' }],
  },
] as unknown as Step[];

const SAVE = '{"css":"#save-btn"}';
const TYPE = '{"xpath":"/html/body/form/input[1]"}';
let id = 0;
const event = (e: Partial<HealingEventRow> & Pick<HealingEventRow, 'stepId'>): HealingEventRow => ({
  id: String(++id),
  stepPath: e.stepId,
  runUid: null,
  tier: 1,
  outcome: 'healed',
  suggestion: { role: 'button', name: 'Save' },
  score: 0.8,
  target: SAVE,
  reason: null,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, id)),
  ...e,
});
const record = (r: Partial<DescriptorRow> & Pick<DescriptorRow, 'stepPath'>): DescriptorRow => ({
  descriptor: { tag: 'button' },
  digest: 'd',
  target: { css: '#save-btn' },
  fragility: 0.25,
  fragilityReasons: [],
  runUid: null,
  recordedAt: new Date(Date.UTC(2026, 0, 1)),
  ...r,
});

describe('stepTargets', () => {
  it('finds the target of every step at any depth', () => {
    expect(stepTargets(steps)).toEqual(new Map([['save', SAVE], ['typeName', TYPE]]));
  });
});

describe('healingStatusOf: suggestions', () => {
  it.each<[string, HealingEventRow[], Array<Partial<HealingSuggestion>>]>([
    ['no events', [], []],
    [
      'one heal',
      [event({ stepId: 'save' })],
      [{ stepId: 'save', field: 'target', suggested: { role: 'button', name: 'Save' }, count: 1, tier: 1, score: 0.8, lastSeen: '2026-01-01T00:00:01Z' }],
    ],
    [
      'the most frequent suggestion wins and every heal counts',
      [
        event({ stepId: 'save', suggestion: { text: 'Save' } }),
        event({ stepId: 'save' }),
        event({ stepId: 'save', tier: 2, score: 0.5 }),
      ],
      [{ stepId: 'save', suggested: { role: 'button', name: 'Save' }, count: 3, tier: 2, score: 0.5 }],
    ],
    [
      'a tie goes to the latest suggestion',
      [event({ stepId: 'save', suggestion: { text: 'Save' } }), event({ stepId: 'save', suggestion: { testId: 'save' } })],
      [{ stepId: 'save', suggested: { testId: 'save' }, count: 2 }],
    ],
    ['abstentions suggest nothing', [event({ stepId: 'save', outcome: 'abstained', tier: null, suggestion: null })], []],
    ['a heal without a stable selector suggests nothing', [event({ stepId: 'save', suggestion: null })], []],
    ['events of a target the step no longer has are ignored (the suggestion was adopted)', [event({ stepId: 'save', target: '{"css":"#old"}' })], []],
    ['events of a step that no longer exists are ignored', [event({ stepId: 'gone' })], []],
    [
      'steps inside blocks, most healed first; a tier-3 correlation above 1 is clamped',
      [
        event({ stepId: 'typeName', target: TYPE, suggestion: { label: 'Name' }, tier: 3, score: 1.2 }),
        event({ stepId: 'typeName', target: TYPE, suggestion: { label: 'Name' }, tier: 3, score: 1.2 }),
        event({ stepId: 'save' }),
      ],
      [
        { stepId: 'typeName', suggested: { label: 'Name' }, count: 2, tier: 3, score: 1 },
        { stepId: 'save', count: 1 },
      ],
    ],
  ])('%s', (_what, events, want) => {
    const got = healingStatusOf(steps, events, []).healingSuggestions;
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => expect(got[i]).toMatchObject(w));
  });

  it('drops a suggestion the CRD schema would reject (it would fail the whole status patch)', () => {
    const tooLong = { xpath: '//' + 'div/'.repeat(600) + 'button' };
    const got = healingStatusOf(steps, [event({ stepId: 'save', suggestion: tooLong }), event({ stepId: 'typeName', target: TYPE, suggestion: { label: 'Name' } })], []);
    expect(got.healingSuggestions.map((s) => s.stepId)).toEqual(['typeName']);
  });

  it('says what broke and what to use instead', () => {
    const [s] = healingStatusOf(steps, [event({ stepId: 'save' })], []).healingSuggestions;
    expect(s!.message).toBe('target css="#save-btn" no longer matched in 1 run(s); healed by tier 1; consider role=button[name="Save"]');
  });
});

describe('healingStatusOf: fragility', () => {
  it('lists recorded targets of the current spec, most fragile first', () => {
    const got = healingStatusOf(
      steps,
      [],
      [
        record({ stepPath: 'save' }),
        record({ stepPath: 'rows.typeName', target: { xpath: '/html/body/form/input[1]' }, fragility: 0.9, fragilityReasons: ['absolute XPath'] }),
        record({ stepPath: 'old', fragility: 1 }),
        record({ stepPath: 'save', target: { css: '#other' }, fragility: 0.99 }),
      ],
    ).fragility;
    expect(got).toEqual([
      { stepId: 'typeName', stepPath: 'rows.typeName', score: 0.9, reasons: ['absolute XPath'], recordedAt: '2026-01-01T00:00:00Z' },
      { stepId: 'save', score: 0.25, recordedAt: '2026-01-01T00:00:00Z' },
    ]);
  });
});

describe('suggestionEvents', () => {
  const save: HealingSuggestion = { stepId: 'save', suggested: { role: 'button', name: 'Save' }, score: 0.8, tier: 1 };
  it.each<[string, HealingSuggestion[] | undefined, HealingSuggestion[], string[]]>([
    ['a first suggestion', undefined, [save], ['step save: its target no longer matched and was healed (tier 1); suggested target: role=button[name="Save"]']],
    ['the same suggestion again (count grew)', [save], [{ ...save, count: 5 }], []],
    ['another selector for the step', [save], [{ ...save, suggested: { testId: 'save' } }], ['step save: its target no longer matched and was healed (tier 1); suggested target: testId="save"']],
    ['a suggestion gone', [save], [], []],
  ])('%s', (_what, before, after, messages) => {
    const events = suggestionEvents(before, after);
    expect(events.map((e) => e.message)).toEqual(messages);
    expect(events.every((e) => e.type === 'Normal' && e.reason === 'HealingSuggested')).toBe(true);
  });
});

describe('healingStatusFields', () => {
  it('clears empty lists and keeps full ones', () => {
    expect(healingStatusFields({ healingSuggestions: [], fragility: [] })).toEqual({ healingSuggestions: null, fragility: null });
    const f = [{ stepId: 'a', score: 0.5 }];
    expect(healingStatusFields({ healingSuggestions: [], fragility: f })).toEqual({ healingSuggestions: null, fragility: f });
  });
});
