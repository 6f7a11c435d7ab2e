// Content digest of a workflow snapshot: sha256 over canonical JSON (object keys sorted, no whitespace),
// so the same workflow always gets the same digest whatever the key order it arrived in.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function workflowDigest(workflow: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(workflow)).digest('hex')}`;
}
