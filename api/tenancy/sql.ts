// One function per statement group on the tenancy surface (migrations/sql/0007_tenancy.sql): the login role
// of a robot namespace, its row in aether.tenant_roles, its DBOS schema and its grants. Run by the schema
// owner (the operator), which needs CREATEROLE.
import pg from 'pg';
import type { Queryable } from '../queue/db.js';
import { withTransaction } from '../queue/db.js';
import { passwordDigest, scramVerifier } from './scram.js';
import type { TenantNames } from './names.js';

/** Arbitrary constant: the advisory lock class of tenant role changes (second key: the namespace). */
const TENANT_LOCK = 47_120_013;

export class TenantRoleConflictError extends Error {
  override readonly name = 'TenantRoleConflictError';
}

export interface EnsuredTenantRole {
  /** The role did not exist and was created. */
  created: boolean;
  /** The role's password was (re)set: new role, or the Secret's password changed. */
  passwordSet: boolean;
}

const ident = pg.escapeIdentifier;
const literal = pg.escapeLiteral;

/**
 * Makes the namespace's login role exist with this password, recorded in aether.tenant_roles, and its DBOS
 * schema exist (owned by the caller). Idempotent; writes only what differs. A role of that name that this
 * database did not create is refused (TenantRoleConflictError): it may belong to someone else.
 */
export async function ensureTenantRole(
  pool: pg.Pool,
  opts: { namespace: string; names: TenantNames; password: string },
): Promise<EnsuredTenantRole> {
  const { namespace, names, password } = opts;
  const digest = passwordDigest(password);
  return withTransaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [TENANT_LOCK, namespace]);
    const known = await tx.query<{ roleName: string; dbosSchema: string; passwordDigest: string }>(
      `select role_name as "roleName", dbos_schema as "dbosSchema", password_digest as "passwordDigest"
         from aether.tenant_roles where namespace = $1`,
      [namespace],
    );
    const row = known.rows[0];
    if (row && (row.roleName !== names.role || row.dbosSchema !== names.dbosSchema))
      throw new TenantRoleConflictError(`namespace ${namespace} is mapped to role ${row.roleName} (schema ${row.dbosSchema}), not ${names.role}`);
    const exists = (await tx.query('select 1 from pg_roles where rolname = $1', [names.role])).rowCount === 1;
    if (exists && !row)
      throw new TenantRoleConflictError(`a database role ${names.role} exists that is not a tenant role of this database: refusing to take it over`);
    const created = !exists;
    const passwordSet = created || row?.passwordDigest !== digest;
    // DDL takes no parameters: the verifier is base64 and '$:', quoted all the same. No clear-text password.
    if (created)
      await tx.query(
        `create role ${ident(names.role)} login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls password ${literal(scramVerifier(password))}`,
      );
    else if (passwordSet) await tx.query(`alter role ${ident(names.role)} password ${literal(scramVerifier(password))}`);
    await tx.query(`create schema if not exists ${ident(names.dbosSchema)}`);
    if (!row)
      await tx.query(`insert into aether.tenant_roles (role_name, namespace, dbos_schema, password_digest) values ($1, $2, $3, $4)`, [
        names.role,
        namespace,
        names.dbosSchema,
        digest,
      ]);
    else if (passwordSet)
      await tx.query(`update aether.tenant_roles set password_digest = $2, updated_at = now() where namespace = $1`, [namespace, digest]);
    return { created, passwordSet };
  });
}

/** (Re)grants the role exactly the robot code path's DML (aether.grant_tenant_access). Idempotent. */
export async function grantTenantAccess(db: Queryable, opts: { names: TenantNames }): Promise<void> {
  await db.query('select aether.grant_tenant_access($1, $2)', [opts.names.role, opts.names.dbosSchema]);
}

/** The DBOS schema of a namespace's robots, or null when it has no tenant role. */
export async function tenantDbosSchema(db: Queryable, opts: { namespace: string }): Promise<string | null> {
  const r = await db.query<{ dbosSchema: string }>(`select dbos_schema as "dbosSchema" from aether.tenant_roles where namespace = $1`, [opts.namespace]);
  return r.rows[0]?.dbosSchema ?? null;
}

/** Every tenant's DBOS schema (retention prunes each). */
export async function tenantDbosSchemas(db: Queryable): Promise<string[]> {
  const r = await db.query<{ dbosSchema: string }>(`select dbos_schema as "dbosSchema" from aether.tenant_roles order by namespace`);
  return r.rows.map((x) => x.dbosSchema);
}
