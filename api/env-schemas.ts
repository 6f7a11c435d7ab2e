// Environment-variable schemas shared by the operator's and the API server's configuration (both read
// variables the Helm chart sets, some of them the same, e.g. AETHER_WATCH_NAMESPACE).
import { z } from 'zod';

/** A comma-separated list; blanks dropped. */
export const envList = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

/** A DNS-1123 label: a namespace or object name. */
export const dns1123Label = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase DNS label (a-z, 0-9, -)')
  .max(63);

/** AETHER_WATCH_NAMESPACE: the namespaces an Aether component serves; empty = all. */
export const WATCH_NAMESPACE_ENV = envList.default([]);

/** The problem with a parsed AETHER_WATCH_NAMESPACE, if any of its entries is not a namespace name. */
export function watchNamespaceProblem(namespaces: readonly string[]): string | undefined {
  const bad = namespaces.filter((n) => !dns1123Label.safeParse(n).success);
  return bad.length ? `AETHER_WATCH_NAMESPACE: not namespace names: ${bad.join(', ')}` : undefined;
}
