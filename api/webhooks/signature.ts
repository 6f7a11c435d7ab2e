// The HMAC signature of outbound notifications: the scheme of inbound webhooks (api-server/src/webhooks/signature.ts,
// checked equal in the unit test), here in api/ so the operator can use it:
//   X-Aether-Timestamp: <unix seconds>
//   X-Aether-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>
// The timestamp is signed with the body, so a receiver can refuse old requests (replays) by its age.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Aether-Signature';
export const TIMESTAMP_HEADER = 'X-Aether-Timestamp';
const PREFIX = 'sha256=';

/** `sha256=<hex>` of the timestamp and the exact body bytes. */
export function signWebhook(key: Uint8Array | string, timestamp: string, body: string | Uint8Array): string {
  const mac = createHmac('sha256', key);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return PREFIX + mac.digest('hex');
}

/** Whether `signature` is the one of this key, timestamp and body (constant-time comparison). */
export function verifyWebhook(key: Uint8Array | string, timestamp: string, body: string | Uint8Array, signature: string): boolean {
  const expected = Buffer.from(signWebhook(key, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
