// Dates. A date is an ISO 8601 text in UTC (`2024-05-01T08:00:00.000Z`): it compares, renders and
// checkpoints like any other text. Time zones are IANA names resolved by Intl; patterns are read by a
// small scanner (no regular expressions built from user input). `now()` is the attempt's clock from
// the scope (the robot records it durably), never the machine's clock at evaluation time.
import { describeValue, FunctionError, kindOf, problemOf, textArg, type Fn } from './fn.js';

const MAX_PATTERN = 100;
const MAX_DATE_TEXT = 200;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Wall-clock fields of an instant in some zone. */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

function utcOf(f: Fields): number {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, f.ms);
  return d.getTime();
}

const MIN_MS = utcOf({ year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 });
const MAX_MS = utcOf({ year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, ms: 999 });

function inRange(ms: number): number {
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw new FunctionError('the date is outside the years 1 to 9999');
  return ms;
}

// ---- time zones ----

const zones = new Map<string, Intl.DateTimeFormat>();

/** The formatter of an IANA zone, or a FunctionError naming it. */
function zoneFormat(zone: string): Intl.DateTimeFormat {
  const hit = zones.get(zone);
  if (hit) return hit;
  if (zone.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) throw unknownZone(zone);
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch (err) {
    if (err instanceof RangeError) throw unknownZone(zone);
    throw err;
  }
  if (zones.size >= 128) zones.delete(zones.keys().next().value!);
  zones.set(zone, f);
  return f;
}

function unknownZone(zone: string): FunctionError {
  return new FunctionError(`unknown time zone ${JSON.stringify(zone.slice(0, 64))} (use an IANA name such as "Europe/Berlin" or "UTC")`);
}

/** A problem with a literal zone name, for checks at parse time. */
export function zoneProblem(zone: unknown): string | undefined {
  if (typeof zone !== 'string') return `a time zone must be a text, got ${kindOf(zone)}`;
  return problemOf(() => zoneFormat(zone));
}

function zoneArg(v: unknown): string {
  if (v === undefined || v === null) return 'UTC';
  const zone = textArg(v, 'a date function', 'the time zone');
  zoneFormat(zone);
  return zone;
}

/** Wall clock of instant `ms` in `zone`, and the zone's offset from UTC then, in minutes. */
function wallClock(ms: number, zone: string): Fields & { offset: number } {
  const parts: Record<string, string> = {};
  for (const p of zoneFormat(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const f: Fields = {
    year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    ms: ((ms % 1000) + 1000) % 1000,
  };
  return { ...f, offset: Math.round((utcOf(f) - ms) / 60_000) };
}

/** The instant whose wall clock in `zone` is `f` (in a DST gap: shifted forward by the gap, like most libraries). */
function fromWallClock(f: Fields, zone: string): number {
  const guess = utcOf(f);
  const first = wallClock(guess, zone).offset;
  const t = guess - first * 60_000;
  const second = wallClock(t, zone).offset;
  return second === first ? t : guess - second * 60_000;
}

// ---- ISO 8601 ----

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (year: number, month: number) => (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!);

function validFields(f: Fields): boolean {
  return (
    f.year >= 1 &&
    f.month >= 1 &&
    f.month <= 12 &&
    f.day >= 1 &&
    f.day <= daysIn(f.year, f.month) &&
    f.hour <= 23 &&
    f.minute <= 59 &&
    f.second <= 59
  );
}

function offsetMinutes(z: string): number {
  if (z === 'Z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (h > 23 || m > 59) return NaN;
  return sign * (h * 60 + m);
}

/** Epoch ms of an ISO 8601 text; without an offset it is wall-clock time in `zone`. Undefined if it is not one. */
export function parseIso(s: string, zone = 'UTC'): number | undefined {
  if (s.length > 40) return undefined;
  const m = ISO.exec(s);
  if (!m) return undefined;
  const f: Fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    ms: m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0,
  };
  if (!validFields(f)) return undefined;
  if (m[8] === undefined) return fromWallClock(f, zone);
  const off = offsetMinutes(m[8]);
  if (Number.isNaN(off)) return undefined;
  return utcOf(f) - off * 60_000;
}

/** Epoch ms of a text both sides of a comparison may hold: an ISO 8601 date or date-time. */
export function comparableInstant(v: unknown): number | undefined {
  return typeof v === 'string' && v.length >= 10 && v.length <= 40 && /^\d{4}-\d{2}-\d{2}/.test(v) ? parseIso(v) : undefined;
}

const iso = (ms: number) => new Date(inRange(ms)).toISOString();

/** Epoch ms of what a date function was given: an ISO 8601 text, or epoch milliseconds. */
function instantOf(v: unknown, fn: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new FunctionError(`${fn} needs a date, got a non-finite number`);
    return inRange(v);
  }
  if (typeof v === 'string') {
    const ms = parseIso(v.trim());
    if (ms !== undefined) return inRange(ms);
  }
  throw new FunctionError(
    `${fn} needs a date (an ISO 8601 text such as "2024-05-01T10:00:00Z", or epoch milliseconds), got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : kindOf(v)}`,
  );
}

// ---- patterns ----

type PatternPart = { kind: 'field'; letter: string; width: number } | { kind: 'text'; text: string };

const FIELD_LETTERS: Record<string, readonly number[]> = {
  y: [2, 4],
  M: [1, 2, 3, 4],
  d: [1, 2],
  E: [3, 4],
  H: [1, 2],
  h: [1, 2],
  m: [1, 2],
  s: [1, 2],
  S: [3],
  a: [1],
  X: [1, 3],
};

const patterns = new Map<string, PatternPart[]>();

/** Parts of a pattern like `dd.MM.yyyy HH:mm` (`'text'` is literal, `''` a quote), or a FunctionError. */
function compileDatePattern(pattern: string): PatternPart[] {
  const hit = patterns.get(pattern);
  if (hit) return hit;
  if (pattern.length === 0 || pattern.length > MAX_PATTERN)
    throw new FunctionError(`a date pattern must have 1 to ${MAX_PATTERN} characters`);
  const parts: PatternPart[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= pattern.length) throw new FunctionError(`unclosed quote in date pattern ${JSON.stringify(pattern)}`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      parts.push({ kind: 'text', text: j === i + 1 ? "'" : text });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const widths = FIELD_LETTERS[c];
      if (!widths || !widths.includes(j - i))
        throw new FunctionError(
          `date pattern ${JSON.stringify(pattern)} has ${JSON.stringify(pattern.slice(i, j))}, which is not a field (yyyy yy M MM MMM MMMM d dd EEE EEEE H HH h hh m mm s ss SSS a X XXX; quote literal letters: 'T')`,
        );
      parts.push({ kind: 'field', letter: c, width: j - i });
      i = j;
      continue;
    }
    parts.push({ kind: 'text', text: c });
    i++;
  }
  if (patterns.size >= 128) patterns.delete(patterns.keys().next().value!);
  patterns.set(pattern, parts);
  return parts;
}

const pad = (n: number, w: number) => String(Math.abs(n)).padStart(w, '0');

function formatOffset(minutes: number, width: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const h = pad(Math.floor(Math.abs(minutes) / 60), 2);
  const m = pad(Math.abs(minutes) % 60, 2);
  return width === 1 ? `${sign}${h}${m === '00' ? '' : m}` : `${sign}${h}:${m}`;
}

function format(ms: number, pattern: string, zone: string): string {
  const parts = compileDatePattern(pattern);
  const w = wallClock(ms, zone);
  return parts
    .map((p) => {
      if (p.kind === 'text') return p.text;
      switch (p.letter) {
        case 'y':
          return p.width === 2 ? pad(w.year % 100, 2) : pad(w.year, 4);
        case 'M':
          return p.width === 4 ? MONTHS[w.month - 1]! : p.width === 3 ? MONTHS[w.month - 1]!.slice(0, 3) : pad(w.month, p.width);
        case 'd':
          return pad(w.day, p.width);
        case 'E': {
          const name = WEEKDAYS[new Date(utcOf({ ...w, hour: 12 })).getUTCDay()]!;
          return p.width === 4 ? name : name.slice(0, 3);
        }
        case 'H':
          return pad(w.hour, p.width);
        case 'h':
          return pad(w.hour % 12 === 0 ? 12 : w.hour % 12, p.width);
        case 'm':
          return pad(w.minute, p.width);
        case 's':
          return pad(w.second, p.width);
        case 'S':
          return pad(w.ms, 3);
        case 'a':
          return w.hour < 12 ? 'AM' : 'PM';
        default:
          return formatOffset(w.offset, p.width);
      }
    })
    .join('');
}

/** Reads `text` with `pattern` (wall-clock time in `zone` unless the pattern has X); a FunctionError when it does not fit. */
function parseWithPattern(text: string, pattern: string, zone: string): number {
  const parts = compileDatePattern(pattern);
  const fail = (): never => {
    throw new FunctionError(`${JSON.stringify(text.slice(0, 60))} does not match the date pattern ${JSON.stringify(pattern)}`);
  };
  if (text.length > MAX_DATE_TEXT) fail();
  const f: Fields = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
  let pm: boolean | undefined;
  let hour12: number | undefined;
  let offset: number | undefined;
  let i = 0;
  const digits = (min: number, max: number): number => {
    let j = i;
    while (j < text.length && j - i < max && text[j]! >= '0' && text[j]! <= '9') j++;
    if (j - i < min) fail();
    const n = Number(text.slice(i, j));
    i = j;
    return n;
  };
  const word = (names: string[]): number => {
    const lower = text.slice(i).toLowerCase();
    const k = names.findIndex((n) => lower.startsWith(n.toLowerCase()));
    if (k < 0) fail();
    i += names[k]!.length;
    return k;
  };
  for (const p of parts) {
    if (p.kind === 'text') {
      if (!text.startsWith(p.text, i)) fail();
      i += p.text.length;
      continue;
    }
    const fixed = p.width === 2 ? 2 : undefined;
    switch (p.letter) {
      case 'y':
        f.year = p.width === 2 ? 2000 + digits(2, 2) : digits(4, 4);
        break;
      case 'M':
        f.month =
          p.width === 4 ? word(MONTHS) + 1 : p.width === 3 ? word(MONTHS.map((m) => m.slice(0, 3))) + 1 : digits(fixed ?? 1, 2);
        break;
      case 'd':
        f.day = digits(fixed ?? 1, 2);
        break;
      case 'E':
        word(p.width === 4 ? WEEKDAYS : WEEKDAYS.map((d) => d.slice(0, 3)));
        break;
      case 'H':
        f.hour = digits(fixed ?? 1, 2);
        break;
      case 'h':
        hour12 = digits(fixed ?? 1, 2);
        break;
      case 'm':
        f.minute = digits(fixed ?? 1, 2);
        break;
      case 's':
        f.second = digits(fixed ?? 1, 2);
        break;
      case 'S':
        f.ms = digits(3, 3);
        break;
      case 'a':
        pm = word(['AM', 'PM']) === 1;
        break;
      default: {
        const m = /^(Z|[+-]\d{2}(?::?\d{2})?)/.exec(text.slice(i, i + 6));
        if (!m) fail();
        offset = offsetMinutes(m![1]!);
        if (Number.isNaN(offset)) fail();
        i += m![1]!.length;
      }
    }
  }
  if (i !== text.length) fail();
  if (hour12 !== undefined) {
    if (hour12 < 1 || hour12 > 12) fail();
    f.hour = (hour12 % 12) + (pm ? 12 : 0);
  } else if (pm !== undefined && f.hour < 12 && pm) f.hour += 12;
  if (!validFields(f)) fail();
  return offset === undefined ? fromWallClock(f, zone) : utcOf(f) - offset * 60_000;
}

function patternProblem(v: unknown): string | undefined {
  if (v === null) return undefined;
  if (typeof v !== 'string') return `a date pattern must be a text, got ${describeValue(v)}`;
  return problemOf(() => compileDatePattern(v));
}

/** Literal patterns (argument 1) and zones (argument 2) are checked when the expression is parsed. */
const checkPatternAndZone = (index: number, value: unknown) =>
  index === 1 ? patternProblem(value) : index === 2 ? zoneProblem(value) : undefined;

export const DEFAULT_DATE_PATTERN = "yyyy-MM-dd'T'HH:mm:ssXXX";

export const DATE_FUNCTIONS: Record<string, Fn> = {
  now: {
    arity: [0],
    apply: (_args, cx) => {
      if (cx.now === undefined) throw new FunctionError('now() has no clock here (it is available while a job runs)');
      return cx.now;
    },
  },
  date: {
    arity: [1, 2, 3],
    checkLiteral: checkPatternAndZone,
    apply: ([v, pattern, zoneName]) => {
      const zone = zoneArg(zoneName);
      if (pattern === undefined || pattern === null) {
        if (typeof v === 'string') {
          const ms = parseIso(v.trim(), zone);
          if (ms !== undefined) return iso(ms);
        }
        return iso(instantOf(v, 'date'));
      }
      const problem = patternProblem(pattern);
      if (problem) throw new FunctionError(problem);
      return iso(parseWithPattern(textArg(v, 'date', 'the text to read'), pattern as string, zone));
    },
  },
  formatDate: {
    arity: [1, 2, 3],
    checkLiteral: checkPatternAndZone,
    apply: ([v, pattern, zoneName]) => {
      const zone = zoneArg(zoneName);
      const p = pattern === undefined || pattern === null ? DEFAULT_DATE_PATTERN : pattern;
      const problem = patternProblem(p);
      if (problem) throw new FunctionError(problem);
      return format(instantOf(v, 'formatDate'), p as string, zone);
    },
  },
};
