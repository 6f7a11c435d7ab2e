// Provisioning of one robot namespace's database access, in order: its login role (and the row mapping it
// to the namespace), its DBOS schema migrated by the owner, then its grants (which need DBOS's tables to
// exist). Idempotent and level-based: run it again and it only fixes what differs.
import type pg from 'pg';
import { migrateDbosSchema } from '../../migrations/dbos.js';
import { tenantNames, type TenantNames } from './names.js';
import { ensureTenantRole, grantTenantAccess, type EnsuredTenantRole } from './sql.js';

export interface ProvisionedTenant extends EnsuredTenantRole {
  names: TenantNames;
  /** The owner's URL with the namespace's role and password: what its robots connect with. */
  url: string;
}

/** The URL a namespace's robots use: the owner's host, port, database and options, the tenant's user. */
export function tenantUrl(ownerUrl: string, role: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = encodeURIComponent(role);
  u.password = encodeURIComponent(password);
  return u.toString();
}

export async function provisionTenant(opts: {
  pool: pg.Pool;
  /** The owner's URL (DBOS migrates over its own connection). */
  databaseUrl: string;
  namespace: string;
  password: string;
  rolePrefix?: string;
}): Promise<ProvisionedTenant> {
  const names = tenantNames(opts.namespace, opts.rolePrefix !== undefined ? { rolePrefix: opts.rolePrefix } : {});
  const ensured = await ensureTenantRole(opts.pool, { namespace: opts.namespace, names, password: opts.password });
  await migrateDbosSchema({ databaseUrl: opts.databaseUrl, schema: names.dbosSchema });
  await grantTenantAccess(opts.pool, { names });
  return { ...ensured, names, url: tenantUrl(opts.databaseUrl, names.role, opts.password) };
}
