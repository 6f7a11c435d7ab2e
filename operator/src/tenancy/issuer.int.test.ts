// The tenancy issuer against a real API server and PostgreSQL: it never overwrites a Secret it does not
// manage, issues one that works, keeps it on later passes, and issues a new password when it is deleted.
// (The test server trusts every login, so passwords are checked against the role's stored SCRAM verifier.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { tenantNames } from '../../../api/tenancy/names.js';
import { scramVerifier } from '../../../api/tenancy/scram.js';
import { setUpEnv, silentLogger, tearDownEnv, type TestEnv } from '../testing/operator-env.js';
import { makeClients } from '../controllers/kube.js';
import { createTenantIssuer, ForeignSecretError, type TenantIssuer } from './issuer.js';

const SECRET = 'aether-robot-database';

describe('tenant issuer', () => {
  let env: TestEnv;
  let issuer: TenantIssuer;
  const prefix = `i${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    env = await setUpEnv('issuer');
    issuer = createTenantIssuer({ core: makeClients(env.kc).core, db: env.db, databaseUrl: env.databaseUrl, secretName: SECRET, rolePrefix: prefix, recheckMs: 0, logger: silentLogger });
  });
  afterAll(async () => {
    const role = pg.escapeIdentifier(tenantNames(env.namespace, { rolePrefix: prefix }).role);
    await env?.db.query(`drop owned by ${role}; drop role ${role}`).catch(() => undefined);
    await tearDownEnv(env);
  });

  const read = () => env.core.readNamespacedSecret({ name: SECRET, namespace: env.namespace });
  const urlOf = async () => Buffer.from((await read()).data!.url!, 'base64').toString('utf8');
  const canLogIn = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      return (await c.query('select current_user as u')).rows[0].u as string;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  /** Whether the role's stored SCRAM verifier is the one of this password (the test server trusts every login). */
  const verifierMatches = async (role: string, password: string) => {
    const stored = (await env.db.query<{ p: string }>('select rolpassword as p from pg_authid where rolname = $1', [role])).rows[0]!.p;
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
    return scramVerifier(password, { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64') }) === stored;
  };

  it('refuses a foreign Secret, then issues, keeps and re-issues its own', async () => {
    await env.core.createNamespacedSecret({ namespace: env.namespace, body: { metadata: { name: SECRET }, stringData: { url: 'postgres://someone@else/db' } } });
    await expect(issuer.ensure(env.namespace)).rejects.toThrow(ForeignSecretError);
    expect(Buffer.from((await read()).data!.url!, 'base64').toString('utf8')).toBe('postgres://someone@else/db');
    await env.core.deleteNamespacedSecret({ name: SECRET, namespace: env.namespace });

    await issuer.ensure(env.namespace);
    const first = await urlOf();
    const role = tenantNames(env.namespace, { rolePrefix: prefix }).role;
    expect(await canLogIn(first)).toBe(role);
    expect(await verifierMatches(role, decodeURIComponent(new URL(first).password))).toBe(true);
    const version = (await read()).metadata!.resourceVersion;
    await issuer.ensure(env.namespace);
    expect((await read()).metadata!.resourceVersion).toBe(version); // nothing to change: no write

    // Deleted (rotation): a new password; the old URL no longer logs in.
    await env.core.deleteNamespacedSecret({ name: SECRET, namespace: env.namespace });
    await issuer.ensure(env.namespace);
    const second = await urlOf();
    expect(new URL(second).password).not.toBe(new URL(first).password);
    expect(await canLogIn(second)).toBe(role);
    expect(await verifierMatches(role, decodeURIComponent(new URL(second).password))).toBe(true);
    expect(await verifierMatches(role, decodeURIComponent(new URL(first).password))).toBe(false);
  });
});
