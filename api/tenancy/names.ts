// Names of a robot namespace's database objects: its login role and its DBOS schema. Namespaces are DNS
// labels (a-z, 0-9, '-', at most 63 characters), PostgreSQL identifiers at most 63 bytes; a name that would
// be longer keeps a prefix and a hash. Every SQL use still quotes them (%I, pg escapeIdentifier).
import { createHash } from 'node:crypto';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1). */
const IDENT_MAX = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Chart value database.tenantRolePrefix: distinct per Aether install that shares a PostgreSQL cluster. */
export const ROLE_PREFIX = /^[a-z_][a-z0-9_]{0,29}$/;
export const DEFAULT_ROLE_PREFIX = 'rpa_robot';

export interface TenantNames {
  /** The namespace's login role. */
  role: string;
  /** The schema holding the namespace's DBOS system tables. */
  dbosSchema: string;
}

function bounded(base: string, key: string): string {
  if (Buffer.byteLength(base) <= IDENT_MAX) return base;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  return `${base.slice(0, IDENT_MAX - hash.length - 1)}_${hash}`;
}

export function tenantNames(namespace: string, opts: { rolePrefix?: string } = {}): TenantNames {
  const prefix = opts.rolePrefix ?? DEFAULT_ROLE_PREFIX;
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new TypeError(`not a namespace name: ${JSON.stringify(namespace)}`);
  if (!ROLE_PREFIX.test(prefix)) throw new TypeError(`not a role prefix (a-z, 0-9, _; at most 30): ${JSON.stringify(prefix)}`);
  // '-' -> '_' is one-to-one: namespaces have no '_'.
  const ident = namespace.replaceAll('-', '_');
  return { role: bounded(`${prefix}_${ident}`, `${prefix}/${namespace}`), dbosSchema: bounded(`dbos_${ident}`, namespace) };
}
