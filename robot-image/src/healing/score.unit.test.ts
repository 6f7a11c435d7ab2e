import { rankCandidates, type ElementDescriptor } from './index.js';
import { scoreCandidate, tagCompatibility } from './score.js';

const submit: ElementDescriptor = {
  tag: 'button',
  id: 'checkout-submit',
  type: 'submit',
  role: 'button',
  accessibleName: 'Place order',
  text: 'Place order',
  classes: ['btn', 'btn-primary', 'css-1q2w3e'],
  xpath: '/html/body/main/form/div[3]/button',
  idXpath: '//*[@id="checkout"]/div[3]/button',
  box: { x: 600, y: 500, width: 140, height: 40 },
  neighborText: { above: 'Total: $42.00', left: 'Cancel' },
};
const cancel: ElementDescriptor = {
  tag: 'button',
  id: 'checkout-cancel',
  type: 'button',
  role: 'button',
  accessibleName: 'Cancel',
  text: 'Cancel',
  classes: ['btn', 'btn-secondary'],
  xpath: '/html/body/main/form/div[3]/button[1]',
  box: { x: 440, y: 500, width: 140, height: 40 },
  neighborText: { above: 'Total: $42.00', right: 'Place order' },
};
const emailInput: ElementDescriptor = {
  tag: 'input',
  type: 'email',
  name: 'email',
  role: 'textbox',
  accessibleName: 'Email address',
  label: 'Email address',
  placeholder: 'you@example.com',
  xpath: '/html/body/main/form/div[1]/input',
  box: { x: 440, y: 200, width: 300, height: 32 },
  neighborText: { above: 'Email address', below: 'Password' },
};
const with_ = (d: ElementDescriptor, patch: Partial<ElementDescriptor>): ElementDescriptor => ({ ...d, ...patch });
const without = (d: ElementDescriptor, ...keys: (keyof ElementDescriptor)[]): ElementDescriptor => {
  const c = { ...d };
  for (const k of keys) delete c[k];
  return c;
};

describe('rankCandidates chooses the intended element', () => {
  const cases: { name: string; recorded: ElementDescriptor; candidates: ElementDescriptor[]; want: number }[] = [
    { name: 'unchanged element among others', recorded: submit, candidates: [cancel, submit, emailInput], want: 1 },
    {
      name: 'id renamed and classes regenerated',
      recorded: submit,
      candidates: [cancel, with_(submit, { id: 'order-confirm', classes: ['btn', 'btn-primary', 'css-9z8y7x'] })],
      want: 1,
    },
    {
      name: 'id removed, moved 150px and wrapped in a new div',
      recorded: submit,
      candidates: [
        without(
          with_(submit, {
            xpath: '/html/body/main/form/div[3]/div/button',
            box: { x: 600, y: 650, width: 140, height: 40 },
          }),
          'id',
          'idXpath',
        ),
        cancel,
      ],
      want: 0,
    },
    {
      name: 'text reworded slightly, id kept',
      recorded: submit,
      candidates: [cancel, with_(submit, { text: 'Place your order', accessibleName: 'Place your order' })],
      want: 1,
    },
    {
      name: 'input found by label and name when placeholder and xpath changed',
      recorded: emailInput,
      candidates: [
        with_(emailInput, {
          name: 'password',
          type: 'password',
          label: 'Password',
          accessibleName: 'Password',
          placeholder: '',
          box: { x: 440, y: 260, width: 300, height: 32 },
        }),
        with_(emailInput, { placeholder: 'name@company.com', xpath: '/html/body/div/main/form/fieldset/div[1]/input' }),
      ],
      want: 1,
    },
    {
      name: 'link whose href gained a query string and host',
      recorded: { tag: 'a', href: '/account/settings', text: 'Settings', accessibleName: 'Settings', role: 'link' },
      candidates: [
        { tag: 'a', href: '/account/billing', text: 'Billing', accessibleName: 'Billing', role: 'link' },
        {
          tag: 'a',
          href: 'https://app.example.com/account/settings?tab=1',
          text: 'Settings',
          accessibleName: 'Settings',
          role: 'link',
        },
      ],
      want: 1,
    },
    {
      name: 'test id survives everything else changing',
      recorded: {
        tag: 'button',
        attributes: { 'data-testid': 'save' },
        text: 'Save',
        accessibleName: 'Save',
        classes: ['a1'],
      },
      candidates: [
        { tag: 'button', text: 'Save draft', accessibleName: 'Save draft' },
        { tag: 'a', role: 'button', attributes: { 'data-testid': 'save' }, text: 'Store', accessibleName: 'Store' },
      ],
      want: 1,
    },
  ];
  it.each(cases)('$name', ({ recorded, candidates, want }) => {
    const r = rankCandidates(recorded, candidates);
    expect(r.choice).toBe(want);
    expect(r.ranked).toHaveLength(candidates.length);
    expect(r.ranked[0]!.index).toBe(want);
  });
});

describe('rankCandidates abstains when unsure', () => {
  const cases: { name: string; recorded: ElementDescriptor; candidates: ElementDescriptor[] }[] = [
    { name: 'no candidates', recorded: submit, candidates: [] },
    {
      name: 'target removed: only the neighbour in its place remains',
      recorded: submit,
      candidates: [with_(cancel, { box: submit.box, xpath: submit.xpath })],
    },
    {
      name: 'two identical copies (decoys) and nothing tells them apart',
      recorded: without(submit, 'id', 'idXpath', 'xpath', 'box', 'neighborText'),
      candidates: [without(submit, 'id', 'idXpath', 'neighborText'), without(submit, 'id', 'idXpath', 'neighborText')],
    },
    {
      name: 'input removed: a different field with the same tag remains',
      recorded: emailInput,
      candidates: [
        {
          tag: 'input',
          type: 'text',
          name: 'city',
          label: 'City',
          accessibleName: 'City',
          xpath: emailInput.xpath,
          box: emailInput.box,
        },
      ],
    },
    {
      name: 'only unrelated kinds of element',
      recorded: submit,
      candidates: [
        { tag: 'td', text: '42' },
        { tag: 'h1', text: 'Checkout' },
      ],
    },
  ];
  it.each(cases)('$name', ({ recorded, candidates }) => {
    expect(rankCandidates(recorded, candidates).choice).toBeNull();
  });
});

describe('scoreCandidate', () => {
  it('scores an identical element near 1 and its neighbour low', () => {
    expect(scoreCandidate(submit, submit).score).toBeGreaterThan(0.95);
    expect(scoreCandidate(submit, cancel).score).toBeLessThan(0.35);
  });
  it('ranks scores in [0,1] and best first', () => {
    const r = rankCandidates(submit, [cancel, emailInput, submit]);
    for (const x of r.ranked) expect(x.score).toBeGreaterThanOrEqual(0);
    for (const x of r.ranked) expect(x.score).toBeLessThanOrEqual(1);
    expect(r.ranked.map((x) => x.score)).toEqual([...r.ranked.map((x) => x.score)].sort((a, b) => b - a));
  });
  it.each([
    ['button', 'button', 1],
    ['button', 'a', 0.85],
    ['input', 'textarea', 0.85],
    ['button', 'td', 0.35],
  ])('tag %s vs %s compatibility %s', (a, b, want) => {
    expect(tagCompatibility({ tag: a }, { tag: b })).toBe(want);
  });
  it('does not reward a generated id that merely matches in shape', () => {
    const rec: ElementDescriptor = { tag: 'button', id: 'ember1234', text: 'Next' };
    const s = scoreCandidate(rec, { tag: 'button', id: 'ember1299', text: 'Back' }).score;
    expect(s).toBeLessThan(0.5);
  });
});
