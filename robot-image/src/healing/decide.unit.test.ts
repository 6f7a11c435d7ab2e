// The abstention rule with the shipped (fitted) weights, and the weights file itself.
import { readFileSync } from 'node:fs';
import { rankCandidates, type ElementDescriptor } from './index.js';
import {
  confidence,
  decide,
  decisionFeatures,
  pairEvidence,
  placeConflict,
  sharedLead,
  type DecisionInput,
} from './score.js';
import { DECISION_FEATURES, parseWeights, SIGNAL_NAMES, WEIGHTS } from './weights.js';
import { candidateSet, controlWrappers, SIGNALS } from './signals.js';

/** A page of `n` links in a list, reduced to what a sparse recorder keeps. */
function linkPage(n: number): ElementDescriptor[] {
  return Array.from({ length: n }, (_, i) => ({
    tag: 'a',
    classes: ['menu-item', 'link'],
    href: `/catalogue/item-${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}`,
    text: `Item ${String.fromCharCode(97 + (i % 26))} ${Math.floor(i / 26)}`,
    xpath: `/html/body/div/ul/li[${i + 1}]/a`,
  }));
}

describe('abstention rule', () => {
  it('a sparse descriptor answers when one candidate alone matches its id among hundreds', () => {
    const page = linkPage(400);
    page[237] = { ...page[237]!, id: 'download-report', text: 'Download report', href: '/reports/download' };
    const recorded: ElementDescriptor = {
      tag: 'a',
      id: 'download-report',
      text: 'Download the report',
      classes: ['menu-item'],
      xpath: '/html/body/div/div/ul/li[12]/a',
    };
    expect(rankCandidates(recorded, page).choice).toBe(237);
  });

  it('a sparse descriptor answers when one candidate alone has its (lightly edited) text and href', () => {
    const page = linkPage(300);
    page[120] = { ...page[120]!, text: 'Privacy & cookie policy', href: '/legal/privacy' };
    const recorded: ElementDescriptor = {
      tag: 'a',
      text: 'Privacy and cookie policy',
      href: '/legal/privacy',
      xpath: '/html/body/footer/p/a[2]',
    };
    expect(rankCandidates(recorded, page).choice).toBe(120);
  });

  it('abstains when two candidates are genuinely close on the evidence they share', () => {
    const twin: ElementDescriptor = { tag: 'button', classes: ['btn'], text: 'Save', xpath: '/html/body/form/button' };
    const page = [...linkPage(50), { ...twin }, { ...twin, xpath: '/html/body/form/div/button' }];
    const recorded: ElementDescriptor = { tag: 'button', classes: ['btn'], text: 'Save' };
    expect(rankCandidates(recorded, page).choice).toBeNull();
  });

  it('abstains when the target was removed and only a look-alike sibling remains', () => {
    const email: ElementDescriptor = {
      tag: 'input',
      type: 'checkbox',
      role: 'checkbox',
      name: 'notify-email',
      accessibleName: 'Email notifications',
      label: 'Email notifications',
      xpath: '/html/body/main/form/fieldset/label[1]/input',
      box: { x: 40, y: 300, width: 16, height: 16 },
      neighborText: { right: 'Email notifications', below: 'SMS notifications' },
    };
    const sms: ElementDescriptor = {
      ...email,
      name: 'notify-sms',
      accessibleName: 'SMS notifications',
      label: 'SMS notifications',
      xpath: '/html/body/main/form/fieldset/label[1]/input',
      neighborText: { right: 'SMS notifications', below: 'Push notifications' },
    };
    expect(rankCandidates(email, [sms, ...linkPage(20)]).choice).toBeNull();
  });

  const input = (patch: Partial<DecisionInput>): DecisionInput => ({
    best: 0.9,
    second: 0.3,
    bestIdentity: 1,
    secondIdentity: 0.2,
    uniqueStrong: true,
    pool: 300,
    ...patch,
  });

  it('never chooses a tie, an empty pool or a best the runner-up beats on the evidence both share', () => {
    expect(decide(input({}))).toBe('choose');
    expect(decide(input({ second: 0.9 }))).toBe('abstain');
    expect(decide(input({ pool: 0 }))).toBe('abstain');
    expect(decide(input({ sharedLead: WEIGHTS.abstain.minSharedLead - 0.05 }))).toBe('abstain');
  });

  it('never chooses a best that agrees with nothing the recorded element said or was called', () => {
    // The only button left on the page is a look-alike of the removed one (one candidate, big lead).
    const lone = input({ second: 0, bestIdentity: 0, secondIdentity: null, uniqueStrong: false, pool: 1 });
    expect(decide(lone)).toBe('abstain');
    expect(decide({ ...lone, bestIdentity: null })).toBe(decide({ ...lone, bestIdentity: 0.5 }));
  });

  it('is more confident with a wider margin and with a unique exact strong match', () => {
    expect(confidence(input({ second: 0.8 }))).toBeLessThan(confidence(input({ second: 0.3 })));
    expect(confidence(input({ uniqueStrong: false }))).toBeLessThanOrEqual(confidence(input({})));
  });

  it('computes one input per model coefficient', () => {
    const x = decisionFeatures(input({ bestIdentity: null, secondIdentity: null }));
    expect(x).toHaveLength(DECISION_FEATURES.length);
    expect(x[DECISION_FEATURES.indexOf('identity')]).toBe(0.5);
    expect(x[DECISION_FEATURES.indexOf('relativeMargin')]).toBeCloseTo(0.6 / 0.9);
  });
});

describe('place conflict', () => {
  // Swagger UI's tag "Find out more" link: the recorded one sat in the store tag's header; the new
  // release rewords it in place, and an info section elsewhere repeats the old text with the same href.
  const link = (text: string, xpath: string, idXpath: string, classes: string[]): ElementDescriptor => ({
    tag: 'a',
    classes,
    href: 'https://swagger.io',
    text,
    xpath,
    idXpath,
  });
  const recorded = link(
    'Find out more about our store',
    '/html/body/div/section[2]/div[3]/h3/small/a',
    '//*[@id="operations-tag-store"]/small/a',
    ['tag-link'],
  );
  const copyElsewhere = link(
    'Find out more about our store',
    '/html/body/div/section[1]/div/div/a[2]',
    '//*[@id="info"]/div/a[2]',
    [],
  );
  const rewordedInPlace = link('Docs', recorded.xpath!, recorded.idXpath!, ['tag-link']);

  it('abstains when the leader moved and the runner-up, at the recorded place, shares its strong identifier', () => {
    const page = [...linkPage(30), copyElsewhere, rewordedInPlace];
    const { choice, ranked } = rankCandidates(recorded, page);
    expect(ranked[0]!.index).toBe(30); // the copy's exact text outweighs everything else
    expect(choice).toBeNull();
  });

  it('does not fire when the runner-up moved too, or shares no strong identifier with the leader', () => {
    const pair = (c: ElementDescriptor) => pairEvidence(recorded, c, candidateSet([copyElsewhere, c]));
    expect(placeConflict(pair(copyElsewhere), pair(rewordedInPlace))).toBe(true);
    expect(placeConflict(pair(copyElsewhere), pair({ ...rewordedInPlace, xpath: '/html/body/div/section[3]/a' }))).toBe(
      false,
    );
    expect(
      placeConflict(
        pair(copyElsewhere),
        pair({ ...rewordedInPlace, idXpath: '//*[@id="operations-tag-pet"]/small/a' }),
      ),
    ).toBe(false);
    expect(placeConflict(pair(copyElsewhere), pair({ ...rewordedInPlace, href: 'https://example.com/store' }))).toBe(
      false,
    );
    // The leader standing in place itself is no conflict.
    expect(placeConflict(pair(rewordedInPlace), pair(copyElsewhere))).toBe(false);
  });
});

describe('weights file', () => {
  const doc = JSON.parse(readFileSync(new URL('./weights.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('validates and names every signal the scorer computes, in order', () => {
    expect(() => parseWeights(doc)).not.toThrow();
    expect(SIGNALS.map((s) => s.name)).toEqual([...SIGNAL_NAMES]);
    expect(Object.keys(WEIGHTS.signals).sort()).toEqual([...SIGNAL_NAMES].sort());
  });

  it('rejects a document with a missing signal, an unknown key or a wrong-length model, listing each problem', () => {
    const broken = JSON.parse(JSON.stringify(doc)) as {
      signals: Record<string, number>;
      abstain: { coefficients: number[] };
      extra?: number;
    };
    delete broken.signals.href;
    broken.signals.typo = 1;
    broken.abstain.coefficients = [1, 2];
    expect(() => parseWeights(broken)).toThrow(/signals.href.*|signals/);
    let message = '';
    try {
      parseWeights(broken);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('signals.href');
    expect(message).toContain('abstain.coefficients');
    expect(message).toMatch(/typo/);
  });

  it('rejects a negative weight', () => {
    const bad = JSON.parse(JSON.stringify(doc)) as { signals: Record<string, number> };
    bad.signals.text = -1;
    expect(() => parseWeights(bad)).toThrow(/signals.text/);
  });
});

describe('controlWrappers', () => {
  it('marks a container whose text starts with the text of a control inside it, nothing else', () => {
    const cs: ElementDescriptor[] = [
      { tag: 'div', text: 'get /pet/findByTags https://petstore/v2', xpath: '/html/body/div[2]/div' },
      { tag: 'button', text: 'get /pet/findByTags', xpath: '/html/body/div[2]/div/button' },
      { tag: 'div', text: 'Returns a map', xpath: '/html/body/div[3]' },
      { tag: 'p', text: 'Returns a map', xpath: '/html/body/div[3]/p' },
      { tag: 'section', text: 'Save', xpath: '/html/body/section' },
      { tag: 'button', text: 'Save', xpath: '/html/body/section/div/div/div/div/button' },
    ];
    // The <p> is not a control; the <section> is more than 4 levels above its button.
    expect([...controlWrappers(cs)]).toEqual([0]);
  });
});

describe('sharedLead', () => {
  const set = (cs: ElementDescriptor[]) => candidateSet(cs);
  const recorded: ElementDescriptor = {
    tag: 'button',
    text: 'Save',
    box: { x: 10, y: 10, width: 80, height: 24 },
    neighborText: { left: 'Name' },
  };
  const bare: ElementDescriptor = { tag: 'button', text: 'Save' };
  const placed: ElementDescriptor = {
    ...recorded,
    box: { ...recorded.box!, x: 900, y: 700 },
    neighborText: { left: 'Other' },
  };
  const other: ElementDescriptor = { tag: 'button', text: 'Cancel' };
  const cs = [bare, placed, other];
  const pairs = cs.map((c) => pairEvidence(recorded, c, set(cs)));
  const rarity = new Float64Array(SIGNALS.length).fill(1);

  // The box and neighbour texts only `placed` has (and that disagree) neither help nor hurt it.
  it.each([
    ['only signals both carry count', 0, 1, 0, 0],
    ['only signals both carry count, either way', 1, 0, 0, 0],
    ['the candidate that wins on what both carry leads', 0, 2, 0.3, 1],
    ['the candidate that loses on what both carry trails', 2, 0, -1, -0.3],
  ])('%s', (_name, a, b, lo, hi) => {
    const lead = sharedLead(pairs[a]!, pairs[b]!, rarity);
    expect(lead).toBeGreaterThanOrEqual(lo - 1e-9);
    expect(lead).toBeLessThanOrEqual(hi + 1e-9);
  });
});
