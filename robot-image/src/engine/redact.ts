// Last line of defence: every string that leaves a robot (checkpoints, the workflow result, run rows,
// status patches, log lines, heal records, span attributes) goes through a Redactor that knows every
// credential value bound to the job and the outputs a step asked to mask, in the forms such a value
// usually takes on its way out: as is, URL- and form-encoded, base64 / base64url (also as a piece of a
// longer base64 text, e.g. `Basic base64(user:password)`), JSON-string-escaped and HTML-escaped.
//
// A value shorter than MIN_SECRET_LENGTH is not searched: cutting every "no" or "1" out of a page
// would mangle ordinary text, and a credential that short is no secret. `add` returns such values so
// the caller can warn (by slot name, never the value). Base64 pieces shorter than MIN_ENCODED_LENGTH
// are not searched either: short base64 runs occur by chance in any long base64 text.
// Pure: no I/O; one instance per job (the agent keeps a process-wide set for log lines).

export const REDACTED = '[redacted]';
/** What a `mask.output` value becomes wherever it would have gone. */
export const MASKED = '[masked]';
/** Values shorter than this (in UTF-16 code units) are not searched. */
export const MIN_SECRET_LENGTH = 4;
/**
 * Copies of a masked output shorter than this are not searched: a masked "info" or "true" would
 * otherwise rewrite the structure of every log line. (The output itself is `[masked]` at any length.)
 */
export const MIN_MASKED_COPY_LENGTH = 6;
/** Base64 pieces of a value shorter than this are not searched. */
export const MIN_ENCODED_LENGTH = 8;

const HTML_ESCAPES: Array<[RegExp, string, string]> = [
  [/&/g, '&amp;', '&#38;'],
  [/</g, '&lt;', '&#60;'],
  [/>/g, '&gt;', '&#62;'],
  [/"/g, '&quot;', '&#34;'],
  [/'/g, '&#39;', '&#x27;'],
];

function htmlEscapes(v: string): string[] {
  let named = v;
  let numeric = v;
  for (const [re, a, b] of HTML_ESCAPES) {
    named = named.replace(re, a);
    numeric = numeric.replace(re, b);
  }
  // Browsers and templating libraries differ on the apostrophe: &#39; (named set above) or &#x27;.
  return [named, numeric, named.replace(/&#39;/g, '&#x27;'), named.replace(/&#39;/g, '&apos;')];
}

const jsonEscaped = (v: string): string => JSON.stringify(v).slice(1, -1);
const toUrlSafe = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_');

/**
 * Base64 of the value standing alone (with and without padding), and the three pieces that appear
 * whatever the value's offset inside a longer base64 text: bytes from s (s = 0, 1, 2) to the last whole
 * group of three.
 */
function base64Forms(v: string): string[] {
  const bytes = Buffer.from(v, 'utf8');
  const whole = bytes.toString('base64');
  const alone = [whole, whole.replace(/=+$/, '')];
  const pieces: string[] = [];
  for (let s = 0; s < 3; s++) {
    const len = Math.floor((bytes.length - s) / 3) * 3;
    if (len > 0) pieces.push(bytes.subarray(s, s + len).toString('base64'));
  }
  const long = pieces.filter((f) => f.length >= MIN_ENCODED_LENGTH);
  return [...alone, ...long].flatMap((f) => [f, toUrlSafe(f)]);
}

/** Every form of a value that is searched (the value itself first). Empty for a value too short. */
export function encodingsOf(value: string): string[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  const uri = encodeURIComponent(value);
  const textual = [
    value,
    uri,
    uri.replace(/%20/g, '+'),
    new URLSearchParams({ v: value }).toString().slice(2),
    encodeURI(value),
    ...htmlEscapes(value),
  ];
  // Each textual form may itself sit inside a JSON string (a log line, a JSON body), once or twice.
  const forms = new Set<string>();
  for (const f of textual) {
    forms.add(f);
    forms.add(jsonEscaped(f));
    forms.add(jsonEscaped(jsonEscaped(f)));
  }
  for (const f of base64Forms(value)) forms.add(f);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Redactor {
  /** form -> what replaces it. */
  readonly #forms = new Map<string, string>();
  #pattern: RegExp | null = null;
  #dirty = false;

  /**
   * Learns values to cut out (with `replacement`, default `[redacted]`). Returns the values too short
   * to be searched, for the caller to warn about.
   */
  add(values: Iterable<string>, replacement: string = REDACTED): string[] {
    const tooShort: string[] = [];
    for (const v of values) {
      if (typeof v !== 'string' || v.length === 0) continue;
      const forms = encodingsOf(v);
      if (forms.length === 0) {
        tooShort.push(v);
        continue;
      }
      for (const f of forms) {
        if (this.#forms.get(f) === REDACTED) continue; // a credential's marker wins over a mask's
        if (this.#forms.get(f) !== replacement) {
          this.#forms.set(f, replacement);
          this.#dirty = true;
        }
      }
    }
    return tooShort;
  }

  /** Learns every string leaf of a JSON-like value (not its keys: column names are no secret), e.g. a masked step output. */
  addValue(value: unknown, replacement: string = MASKED): void {
    const strings: string[] = [];
    visit(value, (s) => {
      if (s.length >= MIN_MASKED_COPY_LENGTH) strings.push(s);
    });
    this.add(strings, replacement);
  }

  /** How many forms are searched. */
  get size(): number {
    return this.#forms.size;
  }

  #regex(): RegExp | null {
    if (this.#dirty || (this.#pattern === null && this.#forms.size > 0)) {
      // Longest first, so a form that contains another (base64 whole vs. its piece) is cut as a whole.
      const forms = [...this.#forms.keys()].sort((a, b) => b.length - a.length);
      this.#pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
      this.#dirty = false;
    }
    return this.#pattern;
  }

  /** True when the text holds any known value in any searched form. */
  contains(s: string): boolean {
    const re = this.#regex();
    if (!re) return false;
    re.lastIndex = 0;
    const found = re.test(s);
    re.lastIndex = 0;
    return found;
  }

  string(s: string): string {
    const re = this.#regex();
    if (!re) return s;
    re.lastIndex = 0;
    return s.replace(re, (m) => this.#forms.get(m) ?? REDACTED);
  }

  /** A copy of a JSON-like value with every string (keys included) redacted. */
  value<T>(v: T): T {
    if (this.#forms.size === 0) return v;
    return walk(v, (s) => this.string(s)) as T;
  }
}

function walk(v: unknown, fn: (s: string) => string): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, fn));
  if (v && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[fn(k)] = walk(x, fn);
    return out;
  }
  return v;
}

function visit(v: unknown, fn: (s: string) => void): void {
  if (typeof v === 'string') fn(v);
  else if (Array.isArray(v)) for (const x of v) visit(x, fn);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) visit(x, fn);
}

/** Several jobs' redactors as one: what a process-wide sink (the log stream) runs every line through. */
export class RedactorSet {
  readonly #members = new Set<Redactor>();

  /** Adds a job's redactor; the returned function removes it again. */
  join(r: Redactor): () => void {
    this.#members.add(r);
    return () => this.#members.delete(r);
  }

  string(s: string): string {
    let out = s;
    for (const r of this.#members) out = r.string(out);
    return out;
  }
}
