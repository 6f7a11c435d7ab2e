// What `kubectl aether` prints: aligned columns like kubectl's, ages like kubectl's.

/** Columns padded to the widest cell, three spaces apart, as `kubectl get` prints them. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** kubectl's short age: 45s, 12m, 3h, 5d. */
export function age(from: string | Date | null | undefined, now: Date = new Date()): string {
  if (from === null || from === undefined) return '<none>';
  const s = Math.max(0, Math.floor((now.getTime() - new Date(from).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** One line of a step log: `attempt 1  #2  rows[0].submit  failed  no #pay button`. */
export function stepLine(s: { attempt: number; seq: number; step: string; status: string; error?: string }): string {
  return `attempt ${s.attempt}  #${s.seq}  ${s.step}  ${s.status}${s.error ? `  ${s.error}` : ''}`;
}

/** Parses JSON Lines: one JSON value per non-blank line; throws naming the first bad line. */
export function parseJsonLines(text: string): unknown[] {
  const out: unknown[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new Error(`line ${i + 1} is not JSON: ${(err as Error).message}`, { cause: err });
    }
  });
  return out;
}
