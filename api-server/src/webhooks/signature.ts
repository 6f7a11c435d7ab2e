// The signature of an inbound webhook delivery (RpaTrigger), as pure functions. A sender signs
//   HMAC-SHA256(key, `${X-Aether-Timestamp}.${raw body}`)
// and sends it hex-encoded as `X-Aether-Signature: sha256=<hex>`, with `X-Aether-Timestamp` (unix seconds,
// the exact text that was signed) and `X-Aether-Delivery` (a unique id, 1-128 printable ASCII characters).
import { timingSafeEqual } from 'node:crypto';
import { webhookMac } from '../../../api/webhooks/signature.js';

export const HOOK_HEADERS = {
  timestamp: 'x-aether-timestamp',
  delivery: 'x-aether-delivery',
  signature: 'x-aether-signature',
} as const;

export const DELIVERY_ID_MAX_CHARS = 128;
const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
const DELIVERY_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Why a delivery is refused; the closed set a sender sees as `reason` (README, "Webhooks"). */
export const HOOK_REFUSALS = {
  /** X-Aether-Signature absent or not `sha256=` + 64 hex digits. */
  SignatureMissing: 401,
  /** X-Aether-Timestamp absent or not unix seconds. */
  TimestampInvalid: 401,
  /** X-Aether-Delivery absent, empty, longer than 128 characters or not printable ASCII. */
  DeliveryIdInvalid: 401,
  /** The signature does not verify, or there is no such trigger or key: the same answer for each. */
  SignatureMismatch: 401,
  /** Signed, but the timestamp is further from the server's clock than the trigger's toleranceSeconds. */
  TimestampOutsideTolerance: 401,
  /** This trigger already accepted this delivery id: nothing was done again. */
  DeliveryReplayed: 409,
  /** The trigger's queue or workflow does not exist (see its Ready condition). */
  TriggerNotReady: 409,
  /** The RpaJob name this delivery derives is taken by a job that is not this delivery's. */
  JobNameTaken: 409,
  /** The items do not fit the params of the queue's workflow. */
  Invalid: 422,
  /** The body is not JSON, or does not fit the trigger's target. */
  InvalidBody: 400,
  /** The body is over the size limit. */
  PayloadTooLarge: 413,
} as const;
export type HookRefusalReason = keyof typeof HOOK_REFUSALS;

/** A refused delivery: the HTTP status follows from the reason. */
export class HookRefusal extends Error {
  override readonly name = 'HookRefusal';
  readonly status: number;
  constructor(
    readonly reason: HookRefusalReason,
    message: string,
  ) {
    super(message);
    this.status = HOOK_REFUSALS[reason];
  }
}

/** The one answer for "no such trigger", "no key" and "wrong signature", so trigger names cannot be probed. */
export const signatureMismatch = () => new HookRefusal('SignatureMismatch', 'the signature does not verify for this trigger');

export interface HookHeaders {
  /** The timestamp as sent: the text that was signed. */
  timestampText: string;
  timestamp: number;
  deliveryId: string;
  /** The 32 bytes of the signature. */
  signature: Buffer;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function single(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v.trim() : undefined;
}

/** The signing headers of a request, checked for form only (no key needed); throws a HookRefusal. */
export function parseHookHeaders(headers: HeaderBag): HookHeaders {
  const sig = SIGNATURE_PATTERN.exec(single(headers, HOOK_HEADERS.signature) ?? '');
  if (sig === null) throw new HookRefusal('SignatureMissing', 'X-Aether-Signature must be sha256=<64 hex digits>');
  const timestampText = single(headers, HOOK_HEADERS.timestamp) ?? '';
  if (!TIMESTAMP_PATTERN.test(timestampText)) throw new HookRefusal('TimestampInvalid', 'X-Aether-Timestamp must be unix time in seconds');
  const deliveryId = single(headers, HOOK_HEADERS.delivery) ?? '';
  if (!DELIVERY_ID_PATTERN.test(deliveryId))
    throw new HookRefusal('DeliveryIdInvalid', `X-Aether-Delivery must be 1-${DELIVERY_ID_MAX_CHARS} printable ASCII characters without spaces`);
  return { timestampText, timestamp: Number(timestampText), deliveryId, signature: Buffer.from(sig[1]!, 'hex') };
}

const mac = webhookMac;

/** The X-Aether-Signature value of a body signed at `timestampText` (what a sender computes). */
export function signDelivery(key: Buffer, timestampText: string, body: Buffer): string {
  return `sha256=${mac(key, timestampText, body).toString('hex')}`;
}

/** True when `signature` is the HMAC of the timestamp and body under `key` (constant-time compare). */
export function signatureMatches(key: Buffer, timestampText: string, body: Buffer, signature: Buffer): boolean {
  const expected = mac(key, timestampText, body);
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

/** Why a signed timestamp is refused at `nowSeconds`, or undefined when it is within the tolerance. */
export function timestampProblem(timestamp: number, nowSeconds: number, toleranceSeconds: number): string | undefined {
  const skew = nowSeconds - timestamp;
  if (Math.abs(skew) <= toleranceSeconds) return undefined;
  return skew > 0
    ? `X-Aether-Timestamp is ${skew} s old; the trigger accepts ${toleranceSeconds} s`
    : `X-Aether-Timestamp is ${-skew} s in the future; the trigger accepts ${toleranceSeconds} s`;
}
