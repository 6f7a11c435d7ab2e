// Test support: what every robot end-to-end suite starts before its robots — a migrated database with a
// producer, the local test site, the RpaJob CRD, and a namespace holding the site's login Secret.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { createProducer, type Producer } from '../../../../api/queue/producer.js';
import { kubeConfigFromFile } from '../../../../e2e/harness/kubeconfig.js';
import { freshDatabase, kubeconfigPath } from '../../../../e2e/harness/testenv.js';
import { startTestSite, type TestSite } from '../../../../e2e/site/server.js';
import { migrate } from '../../../../migrations/index.js';
import { siteScopeAnnotations } from '../../engine/testing/credentials.js';
import type { CredentialUsage } from '../../../../api/v1alpha1/credential-scope.js';
import { installRpaJobCrd } from './rpajob-crd.js';

export interface RobotTestBed {
  kc: KubeConfig;
  dbUrl: string;
  db: pg.Pool;
  producer: Producer;
  site: TestSite;
  /** Stops the site, closes the pool and deletes the namespace. */
  stop(): Promise<void>;
}

export async function startRobotTestBed(opts: {
  databasePrefix: string;
  namespace: string;
  /** Site users (name -> password). */
  users: Record<string, string>;
  /** Data of the Secret `site-login` in the namespace. */
  loginSecret: Record<string, string>;
  /** What the Secret's credential-scope annotation allows on the test site (default: fill). */
  scopeUsages?: CredentialUsage[];
}): Promise<RobotTestBed> {
  const dbUrl = await freshDatabase(opts.databasePrefix);
  await migrate({ databaseUrl: dbUrl });
  const db = new pg.Pool({ connectionString: dbUrl, max: 3 });
  const producer = createProducer({ pool: db });
  const site = await startTestSite({ users: opts.users });
  const kc = kubeConfigFromFile(kubeconfigPath());
  await installRpaJobCrd(kc);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: opts.namespace } } });
  await core.createNamespacedSecret({
    namespace: opts.namespace,
    // Its owner lets robots type its values into the test site's pages (rpa.aether.dev/credential-scope).
    body: { metadata: { name: 'site-login', annotations: siteScopeAnnotations(site.url, opts.scopeUsages) }, stringData: opts.loginSecret },
  });
  return {
    kc,
    dbUrl,
    db,
    producer,
    site,
    async stop() {
      await site.stop();
      await db.end();
      await core.deleteNamespace({ name: opts.namespace }).catch(() => undefined);
    },
  };
}
