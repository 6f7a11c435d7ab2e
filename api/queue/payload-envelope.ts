// A cheap check of a queue payload's fields other than the workflow, for the consumer's hot path: true only
// when every field is present in the form the producer stores (parsed, defaults filled in) and valid by the
// same rules as the QueuePayload schema. It may say false for a valid payload (an absent default, a
// deadline it leaves to zod): the caller then checks it with zod. It must never say true for one zod rejects.
import { z } from 'zod';
import { PRIORITY_MAX, PRIORITY_MIN, PRIORITY_NAMES } from './priority.js';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const WORKFLOW_DIGEST = /^sha256:[0-9a-f]{64}$/;
export const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const GUID = z.regexes.guid;
const deadlineSchema = z.iso.datetime({ offset: true });

const ENVELOPE_KEYS = new Set([
  'version',
  'uid',
  'namespace',
  'name',
  'pool',
  'workflow',
  'workflowRef',
  'workflowDigest',
  'params',
  'credentials',
  'priority',
  'maxAttempts',
  'maxCrashes',
  'retryFrom',
  'deadline',
  'traceparent',
]);
const REQUIRED_KEYS = 12; // all but workflowRef, traceparent, maxCrashes and retryFrom (absent from payloads queued before them)
const OPTIONAL_KEYS = new Set(['workflowRef', 'traceparent', 'maxCrashes', 'retryFrom']);
const BINDING_KEYS = new Set(['secretName', 'keys']);

type Plain = Record<string, unknown>;

/** A JSON object as zod's object and record schemas accept it (no array, no class instance). */
function isPlainObject(v: unknown): v is Plain {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

const isName = (v: unknown, max: number, re: RegExp) => typeof v === 'string' && v.length >= 1 && v.length <= max && re.test(v);
const isDnsLabel = (v: unknown) => isName(v, 63, DNS_LABEL);
const isDnsSubdomain = (v: unknown) => isName(v, 253, DNS_SUBDOMAIN);
const isKeyName = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 253;

function isPriority(v: unknown): boolean {
  if (typeof v === 'string') return Object.hasOwn(PRIORITY_NAMES, v);
  return Number.isSafeInteger(v) && (v as number) >= PRIORITY_MIN && (v as number) <= PRIORITY_MAX;
}

function isBinding(v: unknown): boolean {
  if (!isPlainObject(v) || !isDnsSubdomain(v.secretName)) return false;
  for (const k in v) if (!BINDING_KEYS.has(k)) return false;
  if (v.keys === undefined) return !Object.hasOwn(v, 'keys');
  if (!isPlainObject(v.keys)) return false;
  for (const k in v.keys) if (!isKeyName(k) || !isKeyName(v.keys[k])) return false;
  return true;
}

/** True when `raw` is a stored payload whose non-workflow fields are all valid (the workflow is not looked at). */
export function isCanonicalEnvelope(raw: unknown): raw is Plain {
  if (!isPlainObject(raw)) return false;
  let required = 0;
  for (const k in raw) {
    if (!ENVELOPE_KEYS.has(k)) return false;
    if (!OPTIONAL_KEYS.has(k)) required++;
  }
  if (required !== REQUIRED_KEYS) return false;
  if (raw.version !== 1) return false;
  if (typeof raw.uid !== 'string' || !GUID.test(raw.uid)) return false;
  if (!isDnsLabel(raw.namespace) || !isDnsSubdomain(raw.name) || !isDnsSubdomain(raw.pool)) return false;
  if (typeof raw.workflowDigest !== 'string' || !WORKFLOW_DIGEST.test(raw.workflowDigest)) return false;
  if (raw.workflowRef !== undefined) {
    const ref = raw.workflowRef;
    if (!isPlainObject(ref) || !isDnsSubdomain(ref.name)) return false;
    for (const k in ref) if (k !== 'name') return false;
  } else if (Object.hasOwn(raw, 'workflowRef')) return false;
  if (!isPlainObject(raw.params) || Object.hasOwn(raw.params, '__proto__')) return false;
  const credentials = raw.credentials;
  if (!isPlainObject(credentials) || Object.hasOwn(credentials, '__proto__')) return false;
  for (const k in credentials) if (!isBinding(credentials[k])) return false;
  if (!isPriority(raw.priority)) return false;
  const maxAttempts = raw.maxAttempts;
  if (!Number.isSafeInteger(maxAttempts) || (maxAttempts as number) < 1 || (maxAttempts as number) > 100) return false;
  if (Object.hasOwn(raw, 'maxCrashes')) {
    const maxCrashes = raw.maxCrashes;
    if (!Number.isSafeInteger(maxCrashes) || (maxCrashes as number) < 1 || (maxCrashes as number) > 100) return false;
  }
  if (Object.hasOwn(raw, 'retryFrom') && raw.retryFrom !== 'failedStep' && raw.retryFrom !== 'start') return false;
  if (raw.deadline !== null && !deadlineSchema.safeParse(raw.deadline).success) return false;
  if (raw.traceparent !== undefined) {
    if (typeof raw.traceparent !== 'string' || !TRACEPARENT.test(raw.traceparent)) return false;
  } else if (Object.hasOwn(raw, 'traceparent')) return false;
  return true;
}
