// Issues each robot namespace its own database access (issue 13.3): a login role that sees only that
// namespace's rows, the namespace's DBOS schema, and a Secret in the namespace holding the role's URL, which
// the namespace's robot Deployments read. Level-based: ensure(namespace) reads the Secret and the database
// and fixes what differs; a deleted Secret is issued again (with a new password), a Secret whose password
// was changed by hand re-sets the role's password. The Secret carries the operator's labels; a Secret of
// the same name that is not the operator's is never overwritten.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { migrateDbosSchema } from '../../../migrations/dbos.js';
import { tenantNames, type TenantNames } from '../../../api/tenancy/names.js';
import { ensureTenantRole, grantTenantAccess } from '../../../api/tenancy/sql.js';
import { tenantUrl } from '../../../api/tenancy/provision.js';
import { isNotFound } from '../runtime/api-errors.js';
import { LABELS, MANAGER } from '../controllers/names.js';

/** Keys of the issued Secret. */
export const ISSUED_SECRET_KEYS = { url: 'url', username: 'username', password: 'password', dbosSchema: 'dbosSchema' } as const;
const COMPONENT = 'robot-database';

export interface TenantIssuerOptions {
  core: CoreV1Api;
  /** The owner's pool (needs CREATEROLE). */
  db: pg.Pool;
  /** The owner's URL: DBOS migrates over it, and robots' URLs are built from it. */
  databaseUrl: string;
  /** Name of the Secret issued in each robot namespace. */
  secretName: string;
  rolePrefix: string;
  /** How long an ensured namespace is not checked again. Default 60 s. */
  recheckMs?: number;
  now?: () => number;
  logger: Logger;
}

export interface TenantIssuer {
  /** Makes the namespace's role, DBOS schema, grants and Secret exist and agree. Concurrent calls share one pass. */
  ensure(namespace: string): Promise<void>;
  /** Forgets what was checked (the next ensure reads everything again). */
  invalidate(namespace?: string): void;
}

export class ForeignSecretError extends Error {
  override readonly name = 'ForeignSecretError';
}

const decode = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

function isOurs(secret: V1Secret): boolean {
  return secret.metadata?.labels?.[LABELS.managedBy] === MANAGER && secret.metadata?.labels?.[LABELS.component] === COMPONENT;
}

/** A password worth keeping: one the operator could have issued (long, URL-safe). */
function usablePassword(p: string | undefined): p is string {
  return p !== undefined && /^[A-Za-z0-9_-]{24,128}$/.test(p);
}

export function createTenantIssuer(opts: TenantIssuerOptions): TenantIssuer {
  const now = opts.now ?? Date.now;
  const recheckMs = opts.recheckMs ?? 60_000;
  const checkedUntil = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
  /** DBOS schemas migrated by this process (once each; a restart migrates again, e.g. after a DBOS upgrade). */
  const migrated = new Set<string>();
  const log = opts.logger.child({ component: 'tenancy' });

  function desiredSecret(namespace: string, names: TenantNames, password: string, existing: V1Secret | null): V1Secret {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: opts.secretName,
        namespace,
        ...(existing?.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
        labels: { ...existing?.metadata?.labels, [LABELS.partOf]: 'aether', [LABELS.component]: COMPONENT, [LABELS.managedBy]: MANAGER },
        ...(existing?.metadata?.annotations ? { annotations: existing.metadata.annotations } : {}),
      },
      stringData: {
        [ISSUED_SECRET_KEYS.url]: tenantUrl(opts.databaseUrl, names.role, password),
        [ISSUED_SECRET_KEYS.username]: names.role,
        [ISSUED_SECRET_KEYS.password]: password,
        [ISSUED_SECRET_KEYS.dbosSchema]: names.dbosSchema,
      },
    };
  }

  function upToDate(existing: V1Secret, want: V1Secret): boolean {
    return Object.entries(want.stringData ?? {}).every(([k, v]) => decode(existing.data?.[k]) === v);
  }

  async function pass(namespace: string): Promise<void> {
    const names = tenantNames(namespace, { rolePrefix: opts.rolePrefix });
    const existing = await opts.core.readNamespacedSecret({ name: opts.secretName, namespace }).catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    if (existing && !isOurs(existing))
      throw new ForeignSecretError(
        `Secret ${namespace}/${opts.secretName} exists and is not managed by ${MANAGER}: delete or rename it so the operator can issue the namespace's database role there`,
      );
    const kept = decode(existing?.data?.[ISSUED_SECRET_KEYS.password]);
    const password = usablePassword(kept) ? kept : randomBytes(32).toString('base64url');
    // The role first: a Secret never names a role that cannot log in yet.
    const role = await ensureTenantRole(opts.db, { namespace, names, password });
    if (!migrated.has(names.dbosSchema)) {
      await migrateDbosSchema({ databaseUrl: opts.databaseUrl, schema: names.dbosSchema });
      await grantTenantAccess(opts.db, { names });
      migrated.add(names.dbosSchema);
    } else if (role.created) await grantTenantAccess(opts.db, { names });
    const want = desiredSecret(namespace, names, password, existing);
    if (!existing) {
      await opts.core.createNamespacedSecret({ namespace, body: want });
      log.info({ namespace, role: names.role, secret: opts.secretName }, 'issued the namespace its database role');
    } else if (!upToDate(existing, want)) {
      await opts.core.replaceNamespacedSecret({ name: opts.secretName, namespace, body: want });
      log.info({ namespace, role: names.role, secret: opts.secretName }, 'updated the namespace database Secret');
    }
    if (role.created || role.passwordSet) log.info({ namespace, role: names.role, created: role.created }, 'set the namespace database role password');
  }

  return {
    ensure(namespace) {
      if ((checkedUntil.get(namespace) ?? 0) > now()) return Promise.resolve();
      const running = inFlight.get(namespace);
      if (running) return running;
      const p = pass(namespace)
        .then(() => void checkedUntil.set(namespace, now() + recheckMs))
        .finally(() => inFlight.delete(namespace));
      inFlight.set(namespace, p);
      return p;
    },
    invalidate(namespace) {
      if (namespace === undefined) checkedUntil.clear();
      else checkedUntil.delete(namespace);
    },
  };
}
