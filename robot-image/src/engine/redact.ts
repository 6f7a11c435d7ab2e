// Last line of defence: whatever a step records (output, error message, storage state), any
// credential value this job has read is cut out before it reaches a checkpoint.

export const REDACTED = '[redacted]';
/** Shorter values would redact ordinary text ("1", "no"); such secrets are not secrets. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of a secret in every string of a JSON-like value. */
export function redactSecrets<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  return walk(value, (s) => redactString(s, list)) as T;
}

export function redactString(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets)
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

function walk(v: unknown, fn: (s: string) => string): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, fn));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[fn(k)] = walk(x, fn);
    return out;
  }
  return v;
}
