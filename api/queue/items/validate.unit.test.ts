import { InvalidItemsError, itemParamProblems, itemRow, MAX_ITEMS_PER_CALL, parseItems } from './validate.js';

describe('parseItems', () => {
  it('accepts items and maps them to rows (priority on the graphile scale)', () => {
    const [a, b] = parseItems([{ reference: 'inv-1', priority: 'high', data: { amount: 3 } }, {}]);
    expect(itemRow(a!)).toEqual({ reference: 'inv-1', priority: -100, payload: { amount: 3 } });
    expect(itemRow(b!)).toEqual({});
  });

  it.each([
    ['an unknown field', [{ ref: 'x' }], /items\.0: Unrecognized key: "ref"/],
    ['an empty reference', [{ reference: '' }], /items\.0\.reference/],
    ['a priority out of range', [{ priority: 5000 }], /items\.0\.priority/],
    ['a deadline that is no date', [{ deadline: 'tomorrow' }], /items\.0\.deadline/],
    ['data that is not an object', [{ data: [1] }], /items\.0\.data/],
    ['data nested deeper than JSON.stringify can follow', [{ data: { a: JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) } }], /items\.0\.data: must nest at most/],
    ['too many items', Array.from({ length: MAX_ITEMS_PER_CALL + 1 }, () => ({})), /items/],
  ])('refuses %s, naming the field', (_what, input, message) => {
    expect(() => parseItems(input)).toThrow(InvalidItemsError);
    expect(() => parseItems(input)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      parseItems([{ reference: '' }, { priority: 'soon' }]);
      throw new Error('accepted');
    } catch (err) {
      expect((err as InvalidItemsError).problems).toHaveLength(2);
    }
  });
});

describe('itemParamProblems', () => {
  const workflow = {
    params: [
      { name: 'invoice', type: 'string' as const, required: true },
      { name: 'amount', type: 'number' as const },
    ],
  };
  it.each([
    [{ invoice: 'A1', amount: 3 }, []],
    [{ amount: 3 }, ['items[0].data.invoice: is required by the workflow']],
    [{ invoice: 'A1', amount: 'three' }, ['items[0].data.amount: must be of type number']],
    [{ invoice: 'A1', extra: true }, ['items[0].data.extra: is not a param of the workflow']],
  ])('%j -> %j', (data, problems) => {
    expect(itemParamProblems(workflow, parseItems([{ data }]))).toEqual(problems);
  });
});
