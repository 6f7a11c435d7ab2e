// The HMAC signature of webhooks, both ways: outbound notifications (the operator) and inbound RpaTrigger
// deliveries (api-server/src/webhooks/signature.ts checks them with webhookMac):
//   X-Aether-Timestamp: <unix seconds>
//   X-Aether-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>
// The timestamp is signed with the body, so a receiver can refuse old requests (replays) by its age.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Aether-Signature';
export const TIMESTAMP_HEADER = 'X-Aether-Timestamp';
const PREFIX = 'sha256=';

/** The raw HMAC-SHA256 of the timestamp text, a dot and the exact body bytes. */
export function webhookMac(key: Uint8Array | string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${timestamp}.`).update(body).digest();
}

/** `sha256=<hex>` of the timestamp and the exact body bytes. */
export function signWebhook(key: Uint8Array | string, timestamp: string, body: string | Uint8Array): string {
  return PREFIX + webhookMac(key, timestamp, body).toString('hex');
}

/** Whether `signature` is the one of this key, timestamp and body (constant-time comparison). */
export function verifyWebhook(key: Uint8Array | string, timestamp: string, body: string | Uint8Array, signature: string): boolean {
  const expected = Buffer.from(signWebhook(key, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
