import fc from 'fast-check';
import { encodingsOf, MASKED, MIN_SECRET_LENGTH, REDACTED, Redactor, RedactorSet } from './redact.js';

const SECRET = 'p@ss w/rd+"<&>\'é';

/** The forms a value takes on its way out, as the code that would carry it produces them. */
function carriers(v: string): Array<[string, string]> {
  const b64 = Buffer.from(v).toString('base64');
  return [
    ['raw', v],
    ['encodeURIComponent', encodeURIComponent(v)],
    ['form (URLSearchParams)', new URLSearchParams({ q: v }).toString().slice(2)],
    ['form (+ for space)', encodeURIComponent(v).replace(/%20/g, '+')],
    ['base64', b64],
    ['base64 unpadded', b64.replace(/=+$/, '')],
    ['base64url', Buffer.from(v).toString('base64url')],
    ['basic auth', Buffer.from(`alice:${v}`).toString('base64')],
    ['basic auth, 4 bytes before', Buffer.from(`ali:${v}`).toString('base64')],
    ['basic auth, 2 bytes before', Buffer.from(`a:${v}`).toString('base64')],
    ['JSON string', JSON.stringify(v)],
    ['JSON in JSON', JSON.stringify(JSON.stringify({ token: v }))],
    ['HTML', v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')],
    ['HTML (hex apostrophe)', v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;')],
    ['log line', JSON.stringify({ msg: 'failed', err: `GET https://x.test/?t=${encodeURIComponent(v)} 500` })],
  ];
}

describe('Redactor', () => {
  it.each([
    ['plain text', ['hunter22'], 'plain text'],
    ['pw=hunter22;', ['hunter22'], `pw=${REDACTED};`],
    ['hunter22hunter22', ['hunter22'], REDACTED + REDACTED],
    ['abc', ['ab'], 'abc'],
    ['token-LONGER and token', ['token', 'token-LONGER'], `${REDACTED} and ${REDACTED}`],
  ])('%j with %j -> %j', (input, secrets, out) => {
    const r = new Redactor();
    r.add(secrets);
    expect(r.string(input)).toBe(out);
  });

  it.each(carriers(SECRET))('cuts the value out of its %s form', (_form, text) => {
    const r = new Redactor();
    r.add([SECRET]);
    const out = r.string(`before ${text} after`);
    expect(r.contains(out)).toBe(false);
    expect(out).toContain(REDACTED);
    for (const [, form] of carriers(SECRET).slice(0, 7)) expect(out.includes(form)).toBe(false);
  });

  it('leaves text without the value alone, and values too short unsearched (returned for a warning)', () => {
    const r = new Redactor();
    const tooShort = r.add(['abc', 'tok-123456']);
    expect(tooShort).toEqual(['abc']);
    expect(r.string('abc and tok and 123456')).toBe('abc and tok and 123456');
    expect(r.string('x tok-123456 y')).toBe(`x ${REDACTED} y`);
    expect(encodingsOf('a'.repeat(MIN_SECRET_LENGTH - 1))).toEqual([]);
  });

  it('redacts every string of a JSON value, keys included, leaving other values alone', () => {
    const r = new Redactor();
    r.add(['hunter22']);
    const v = { a: ['x hunter22', { hunter22: 1 }, true], s: 'aHVudGVyMjI=', n: 3, b: null };
    expect(r.value(v)).toEqual({ a: [`x ${REDACTED}`, { [REDACTED]: 1 }, true], s: REDACTED, n: 3, b: null });
  });

  it('marks masked outputs as [masked]; a credential keeps [redacted]', () => {
    const r = new Redactor();
    r.add(['shared-value']);
    r.addValue({ balance: '1,234.56 EUR', also: 'shared-value', n: 5, short: 'info' });
    expect(r.string('balance 1,234.56 EUR')).toBe(`balance ${MASKED}`);
    expect(r.string('{"level":"info"}')).toBe('{"level":"info"}');
    expect(r.string('shared-value')).toBe(REDACTED);
  });

  it('a set of redactors applies each member until it leaves', () => {
    const set = new RedactorSet();
    const a = new Redactor();
    a.add(['alpha-secret']);
    const leave = set.join(a);
    expect(set.string('alpha-secret')).toBe(REDACTED);
    leave();
    expect(set.string('alpha-secret')).toBe('alpha-secret');
  });

  it('property: no value of length >= the minimum survives in any carrier form', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 40, unit: 'grapheme' }),
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        (secret, before, after) => {
          fc.pre(!REDACTED.includes(secret));
          const r = new Redactor();
          r.add([secret]);
          for (const [form, text] of carriers(secret)) {
            // Base64 pieces shorter than the minimum are not searched: skip values that only have those.
            if (form.startsWith('basic') && secret.length < 8) continue;
            const out = r.string(before + text + after);
            expect([form, out.includes(secret) || out.includes(text)]).toEqual([form, false]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a text holding no form of any value comes back unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 16 }), { maxLength: 4 }), fc.string(), (secrets, text) => {
        const r = new Redactor();
        r.add(secrets);
        const holds = secrets.some((s) => encodingsOf(s).some((f) => text.includes(f)));
        expect([holds, r.string(text) === text]).toEqual([holds, !holds]);
      }),
      { numRuns: 300 },
    );
  });
});
