// A real API server stack for the Aether API server's integration tests: a fresh migrated database, the
// CRDs on the test kube-apiserver, two namespaces with ServiceAccounts whose tokens carry different RBAC,
// and the API server itself (in this process, acting with the admin kubeconfig as its ServiceAccount would).
import { RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import createClient, { type Client } from 'openapi-fetch';
import pg from 'pg';
import { createLogger } from '../../api/log.js';
import { applyCrds } from '../../e2e/api/crds.js';
import { kubeRequest } from '../../e2e/api/client.js';
import { deleteNamespace, ensureServiceAccount, freshNamespace, serviceAccountToken, testKubeConfig, waitFor } from '../../e2e/harness/kube.js';
import { freshDatabase } from '../../e2e/harness/testenv.js';
import { migrate } from '../../migrations/index.js';
import type { paths } from '../client/paths.js';
import { startApiServer, type RunningApiServer } from '../src/server.js';

export const silentLogger = createLogger({ name: 'api-server-test', level: process.env.AETHER_TEST_LOG_LEVEL ?? 'silent' });

/** The RBAC of the test identities: `editor` may do everything with RpaJobs and queue items and patch RpaWorkflows, `viewer` only read. */
const RULES = {
  editor: [
    { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs', 'rpaqueues/items'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: ['rpa.aether.dev'], resources: ['robotpools'], verbs: ['get', 'list'] },
    { apiGroups: ['rpa.aether.dev'], resources: ['rpaworkflows'], verbs: ['get', 'list', 'patch'] },
  ],
  viewer: [
    { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs', 'rpaqueues/items'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['rpa.aether.dev'], resources: ['robotpools', 'rpaworkflows'], verbs: ['get', 'list'] },
  ],
};

export type Identity = keyof typeof RULES;

export interface ApiServerTestEnv {
  kc: KubeConfig;
  db: pg.Pool;
  databaseUrl: string;
  server: RunningApiServer;
  /** Namespace A: the identities' own; namespace B: where they have no rights. */
  nsA: string;
  nsB: string;
  tokens: Record<Identity, string>;
  /** A typed client (openapi-fetch) with `token`. */
  client(token?: string): Client<paths>;
  stop(): Promise<void>;
}

/** Binds the Role `role` to the ServiceAccount `serviceAccount` (created when missing) in a RoleBinding of the same name. */
export async function bindRole(kc: KubeConfig, namespace: string, serviceAccount: string, role: string): Promise<void> {
  await ensureServiceAccount(kc, namespace, serviceAccount);
  await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: serviceAccount },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  });
}

async function grant(kc: KubeConfig, namespace: string, identity: Identity): Promise<void> {
  await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRole({ namespace, body: { metadata: { name: `aether-${identity}` }, rules: RULES[identity] } });
  await bindRole(kc, namespace, identity, `aether-${identity}`);
}

export async function setUpApiServerEnv(prefix: string): Promise<ApiServerTestEnv> {
  const kc = testKubeConfig();
  const databaseUrl = await freshDatabase(prefix);
  await migrate({ databaseUrl, logger: silentLogger });
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  await applyCrds(kc);
  const [nsA, nsB] = [await freshNamespace(kc, `${prefix}-a`), await freshNamespace(kc, `${prefix}-b`)];
  // A CRD just installed or replaced answers 429 until its storage is ready.
  for (const plural of ['rpajobs', 'rpaworkflows'])
    await waitFor(`${plural} served`, async () => ((await kubeRequest(kc, 'GET', `/apis/rpa.aether.dev/v1alpha1/namespaces/${nsA}/${plural}`)).status === 200 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  await grant(kc, nsA, 'editor');
  await grant(kc, nsA, 'viewer');
  const tokens = {
    editor: await serviceAccountToken(kc, nsA, 'editor'),
    viewer: await serviceAccountToken(kc, nsA, 'viewer'),
  };
  const server = await startApiServer({
    // Its own namespaces only: API servers of other test files share the cluster (their RpaTriggers are not its).
    config: { databaseUrl, host: '127.0.0.1', port: 0, authCacheMs: 2000, dbosSchema: 'dbos', watchNamespaces: [nsA, nsB] },
    kc,
    logger: silentLogger,
    keepAliveMs: 1000,
    recheckAccessMs: 500,
    triggerResyncMs: 500,
    triggerCacheMs: 200,
  });
  return {
    kc,
    db,
    databaseUrl,
    server,
    nsA,
    nsB,
    tokens,
    client: (token) => createClient<paths>({ baseUrl: server.url, ...(token !== undefined && { headers: { Authorization: `Bearer ${token}` } }) }),
    async stop() {
      await server.close();
      await db.end();
      await deleteNamespace(kc, nsA);
      await deleteNamespace(kc, nsB);
    },
  };
}

/** A minimal valid RpaJob spec (the workflow need not exist for the API server to accept the job). */
export const JOB_SPEC = { pool: 'default', workflowRef: { name: 'invoice' } };
