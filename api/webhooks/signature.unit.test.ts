import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseHookHeaders, signatureMatches, signDelivery } from '../../api-server/src/webhooks/signature.js';
import { signWebhook, verifyWebhook } from './signature.js';

describe('webhook signature', () => {
  const key = 'k3y';
  const body = '{"event":"JobSucceeded"}';

  it('is sha256= and the hex HMAC of timestamp "." body', () => {
    const hex = createHmac('sha256', key).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(key, '1700000000', body)).toBe(`sha256=${hex}`);
    // a known vector, so the scheme cannot drift unnoticed
    expect(signWebhook('secret', '0', '')).toBe(`sha256=${createHmac('sha256', 'secret').update('0.').digest('hex')}`);
  });

  it.each([
    ['the same inputs', key, '1700000000', body, true],
    ['another key', 'other', '1700000000', body, false],
    ['another timestamp', key, '1700000001', body, false],
    ['another body', key, '1700000000', `${body} `, false],
  ])('verifies %s: %s', (_what, k, ts, b, ok) => {
    expect(verifyWebhook(k, ts, b, signWebhook(key, '1700000000', body))).toBe(ok);
  });

  it('refuses a malformed or truncated signature without throwing', () => {
    const sig = signWebhook(key, '1', body);
    expect(verifyWebhook(key, '1', body, sig.slice(0, -1))).toBe(false);
    expect(verifyWebhook(key, '1', body, '')).toBe(false);
    expect(verifyWebhook(key, '1', body, sig.replace('sha256=', 'sha1='))).toBe(false);
  });

  it('signs bytes the same as the equal string', () => {
    expect(signWebhook(Buffer.from(key), '5', Buffer.from(body))).toBe(signWebhook(key, '5', body));
  });

  it("is the inbound webhooks' scheme: the API server accepts what the notification sender signs", () => {
    const key = Buffer.from('shared-key');
    const signed = signWebhook(key, '1700000000', body);
    expect(signed).toBe(signDelivery(key, '1700000000', Buffer.from(body)));
    const h = parseHookHeaders({ 'x-aether-signature': signed, 'x-aether-timestamp': '1700000000', 'x-aether-delivery': 'd-1' });
    expect(signatureMatches(key, h.timestampText, Buffer.from(body), h.signature)).toBe(true);
  });
});
