import { describe, expect, it } from '@jest/globals';
import { expandSpans, MAX_TABLE_SLOTS, tableOutput, TableTooLargeError, type TableCell } from './table-grid.js';

const c = (text: string, rowSpan = 1, colSpan = 1): TableCell => ({ text, rowSpan, colSpan });

describe('expandSpans', () => {
  it.each([
    { name: 'plain rows', rows: [[c('a'), c('b')], [c('c'), c('d')]], want: [['a', 'b'], ['c', 'd']] },
    { name: 'colspan repeats across', rows: [[c('h', 1, 2)], [c('a'), c('b')]], want: [['h', 'h'], ['a', 'b']] },
    { name: 'rowspan repeats down and shifts the cells after it', rows: [[c('r', 2), c('x')], [c('y')]], want: [['r', 'x'], ['r', 'y']] },
    { name: 'both at once', rows: [[c('big', 2, 2), c('z')], [c('w')], [c('p'), c('q'), c('s')]], want: [['big', 'big', 'z'], ['big', 'big', 'w'], ['p', 'q', 's']] },
    { name: 'rowspan past the last row stops there', rows: [[c('r', 9)], []], want: [['r'], ['r']] },
    { name: 'rowspan 0 spans to the end', rows: [[c('r', 0), c('a')], [c('b')], [c('c')]], want: [['r', 'a'], ['r', 'b'], ['r', 'c']] },
    { name: 'short rows are padded', rows: [[c('a'), c('b'), c('c')], [c('d')]], want: [['a', 'b', 'c'], ['d', '', '']] },
    { name: 'nonsense spans count as 1', rows: [[c('a', NaN, -3), c('b', 1, 0)]], want: [['a', 'b']] },
    { name: 'no rows', rows: [], want: [] },
  ])('$name', ({ rows, want }) => {
    expect(expandSpans(rows)).toEqual(want);
  });

  it('refuses a table that would expand past the cap (a hostile rowspan x colspan)', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => (i === 0 ? [c('x', 1000, 1000)] : []));
    expect(() => expandSpans(rows)).toThrow(TableTooLargeError);
    expect(() => expandSpans(rows)).toThrow(`more than ${MAX_TABLE_SLOTS} cells`);
  });
});

describe('tableOutput', () => {
  it('keys rows by the header and keeps repeated header names apart', () => {
    expect(tableOutput([['Region', 'Sales', 'Sales'], ['North', '10', '11']], true)).toEqual([{ Region: 'North', Sales: '10', Sales_2: '11' }]);
  });

  it('returns the rows as they are without a header', () => {
    expect(tableOutput([['a'], ['b']], false)).toEqual([['a'], ['b']]);
  });
});
