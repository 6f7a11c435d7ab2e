// A table as a grid of texts: cells spanning rows or columns (rowspan/colspan, aria-rowspan/colspan)
// are repeated in every slot they cover, so each row has one text per column. Pure: the page reads
// the cells, this lays them out.

export interface TableCell {
  text: string;
  rowSpan: number;
  colSpan: number;
}

/** Most slots a table may expand to: a hostile page's rowspan=65534 must not exhaust the robot. */
export const MAX_TABLE_SLOTS = 200_000;
const MAX_SPAN = 1000;

export class TableTooLargeError extends Error {
  constructor(slots: number) {
    super(`the table expands to more than ${MAX_TABLE_SLOTS} cells (at least ${slots}); extract a smaller part of it`);
    this.name = 'TableTooLargeError';
  }
}

const span = (n: number) => (Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), MAX_SPAN) : 1);

/** Lays out rows of cells; a rowspan of 0 or past the last row ends at the last row. */
export function expandSpans(rows: TableCell[][]): string[][] {
  if (rows.length > MAX_TABLE_SLOTS) throw new TableTooLargeError(rows.length);
  const grid: string[][] = rows.map(() => []);
  let slots = 0;
  for (const [r, cells] of rows.entries()) {
    let c = 0;
    for (const cell of cells) {
      while (grid[r]![c] !== undefined) c++;
      const down = cell.rowSpan === 0 ? rows.length - r : Math.min(span(cell.rowSpan), rows.length - r);
      const across = span(cell.colSpan);
      slots += down * across;
      if (slots > MAX_TABLE_SLOTS) throw new TableTooLargeError(slots);
      for (let dr = 0; dr < down; dr++) for (let dc = 0; dc < across; dc++) grid[r + dr]![c + dc] ??= cell.text;
      c += across;
    }
  }
  // Holes (a row shorter than the others, or skipped by spans) read as empty texts.
  const width = grid.reduce((w, row) => Math.max(w, row.length), 0);
  return grid.map((row) => Array.from({ length: width }, (_, i) => row[i] ?? ''));
}

/** Rows of cells; with a header row, a list of objects keyed by the header's texts (a repeated name,
 * e.g. of a header spanning two columns, gets `_2`, `_3`... so no column is lost). */
export function tableOutput(rows: string[][], header: boolean): unknown[] {
  if (!header || rows.length === 0) return rows;
  const [head, ...body] = rows;
  const keys = uniqueNames(head!);
  return body.map((r) => Object.fromEntries(keys.map((h, i) => [h, r[i] ?? ''])));
}

function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let key = n;
    for (let k = 2; seen.has(key); k++) key = `${n}_${k}`;
    seen.add(key);
    return key;
  });
}
