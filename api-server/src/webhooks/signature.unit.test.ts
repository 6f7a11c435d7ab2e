import { HookRefusal, parseHookHeaders, signatureMatches, signDelivery, timestampProblem } from './signature.js';

const KEY = Buffer.from('s3cret-key');
const BODY = Buffer.from('{"invoice":"A-1"}');

function headers(over: Record<string, string | undefined> = {}) {
  const ts = '1700000000';
  return {
    'x-aether-timestamp': ts,
    'x-aether-delivery': 'd-1',
    'x-aether-signature': signDelivery(KEY, ts, BODY),
    ...over,
  };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof HookRefusal) return `${err.status} ${err.reason}`;
    throw err;
  }
  return 'accepted';
}

describe('webhook signatures', () => {
  it('signs timestamp + "." + body with HMAC-SHA256, hex (the documented openssl recipe)', () => {
    // printf '%s' '1700000000.{"invoice":"A-1"}' | openssl dgst -sha256 -hmac 's3cret-key'
    expect(signDelivery(KEY, '1700000000', BODY)).toBe('sha256=f9229427660fb7e19dfc0a88a9585088e1e1da921e36a8b1cac791d20d6af541');
  });

  it('verifies the right signature and refuses any change of key, timestamp or body', () => {
    const h = parseHookHeaders(headers());
    expect(signatureMatches(KEY, h.timestampText, BODY, h.signature)).toBe(true);
    expect(signatureMatches(Buffer.from('other'), h.timestampText, BODY, h.signature)).toBe(false);
    expect(signatureMatches(KEY, '1700000001', BODY, h.signature)).toBe(false);
    expect(signatureMatches(KEY, h.timestampText, Buffer.from('{"invoice":"A-2"}'), h.signature)).toBe(false);
  });

  it.each([
    ['no signature', { 'x-aether-signature': undefined }, '401 SignatureMissing'],
    ['a signature without sha256=', { 'x-aether-signature': 'a'.repeat(64) }, '401 SignatureMissing'],
    ['a short signature', { 'x-aether-signature': 'sha256=abcd' }, '401 SignatureMissing'],
    ['no timestamp', { 'x-aether-timestamp': undefined }, '401 TimestampInvalid'],
    ['a date as timestamp', { 'x-aether-timestamp': '2026-12-06T10:00:00Z' }, '401 TimestampInvalid'],
    ['milliseconds beyond 12 digits', { 'x-aether-timestamp': '1700000000000' }, '401 TimestampInvalid'],
    ['no delivery id', { 'x-aether-delivery': undefined }, '401 DeliveryIdInvalid'],
    ['a delivery id of 129 characters', { 'x-aether-delivery': 'x'.repeat(129) }, '401 DeliveryIdInvalid'],
    ['a delivery id with a space', { 'x-aether-delivery': 'a b' }, '401 DeliveryIdInvalid'],
    ['a delivery id of 128 characters', { 'x-aether-delivery': 'x'.repeat(128) }, 'accepted'],
    ['upper-case hex', { 'x-aether-signature': signDelivery(KEY, '1700000000', BODY).toUpperCase().replace('SHA256=', 'sha256=') }, 'accepted'],
  ])('%s: %s', (_what, over, expected) => {
    expect(refusal(() => parseHookHeaders(headers(over)))).toBe(expected);
  });

  it('takes a repeated header as missing (a proxy joining two values must not pass)', () => {
    expect(refusal(() => parseHookHeaders({ ...headers(), 'x-aether-delivery': ['a', 'b'] }))).toBe('401 DeliveryIdInvalid');
  });

  it.each([
    [1000, 1000, 300, undefined],
    [1000, 1300, 300, undefined],
    [1000, 700, 300, undefined],
    [1000, 1301, 300, 'X-Aether-Timestamp is 301 s old; the trigger accepts 300 s'],
    [1000, 699, 300, 'X-Aether-Timestamp is 301 s in the future; the trigger accepts 300 s'],
    [0, 3601, 3600, 'X-Aether-Timestamp is 3601 s old; the trigger accepts 3600 s'],
  ])('timestamp %d at %d with tolerance %d', (ts, now, tolerance, expected) => {
    expect(timestampProblem(ts, now, tolerance)).toBe(expected);
  });
});
