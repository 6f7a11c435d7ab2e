// Test support for the operator's integration tests: the CRDs on the test API server, a migrated fresh
// database, a namespace, and operators running in this process against them (no mocks: the real API
// server and PostgreSQL of the integration project's global setup).
import { Writable } from 'node:stream';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import pg from 'pg';
import { createLogger, type Logger } from '../../../api/log.js';
import { applyCrds } from '../../../e2e/api/crds.js';
import { freshNamespace, testKubeConfig } from '../../../e2e/harness/kubeclient.js';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { migrate } from '../../../migrations/index.js';
import { loadConfig } from '../config.js';
import { API, PLURALS, type AetherKind } from '../controllers/names.js';
import { buildOperator, type Operator, type OperatorOptions } from '../operator.js';

// AETHER_TEST_LOG_LEVEL=warn (or debug) shows the test operators' logs on stderr.
export const silentLogger: Logger = process.env.AETHER_TEST_LOG_LEVEL
  ? createLogger({ name: 'test-operator', level: process.env.AETHER_TEST_LOG_LEVEL as 'warn', destination: process.stderr })
  : createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

export interface TestEnv {
  kc: KubeConfig;
  namespace: string;
  databaseUrl: string;
  db: pg.Pool;
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

export async function setUpEnv(prefix: string): Promise<TestEnv> {
  const kc = testKubeConfig();
  await applyCrds(kc);
  const databaseUrl = await freshDatabase(prefix.replace(/-/g, '_'));
  await migrate({ databaseUrl });
  const namespace = await freshNamespace(kc, prefix);
  return {
    kc,
    namespace,
    databaseUrl,
    db: new pg.Pool({ connectionString: databaseUrl, max: 3 }),
    custom: kc.makeApiClient(CustomObjectsApi),
    core: kc.makeApiClient(CoreV1Api),
  };
}

export async function tearDownEnv(env: TestEnv | undefined): Promise<void> {
  if (!env) return;
  await env.db.end();
  await env.core.deleteNamespace({ name: env.namespace }).catch(() => undefined);
}

/** The robot image of the tests' RobotPools (nodesim runs it; the operator's allow-list admits it). */
export const TEST_ROBOT_IMAGE = 'aether.dev/robot:test';

/** An operator watching the test namespace; no leader election unless asked. */
export async function startTestOperator(
  env: TestEnv,
  opts: Partial<Omit<OperatorOptions, 'config' | 'kc'>> & { extraEnv?: Record<string, string> } = {},
): Promise<Operator> {
  const config = loadConfig({
    AETHER_DATABASE_URL: env.databaseUrl,
    AETHER_WATCH_NAMESPACE: env.namespace,
    AETHER_LEADER_ELECTION: 'false',
    AETHER_METRICS_HOST: '127.0.0.1',
    AETHER_METRICS_PORT: '0',
    AETHER_OPERATOR_NAMESPACE: env.namespace,
    // The image the tests' RobotPools run: the one the RobotPool allow-list admits.
    AETHER_ROBOT_IMAGE: TEST_ROBOT_IMAGE,
    ...opts.extraEnv,
  });
  const { extraEnv: _unused, ...rest } = opts;
  const operator = buildOperator({ config, kc: env.kc, logger: silentLogger, ...rest });
  await operator.start();
  return operator;
}

export function objectPath(kind: AetherKind, namespace: string, name: string) {
  return { ...API, plural: PLURALS[kind], namespace, name };
}

export async function createObject(env: TestEnv, kind: AetherKind, name: string, spec: unknown, metadata: Record<string, unknown> = {}): Promise<KubernetesObject & { metadata: { uid: string } }> {
  return (await env.custom.createNamespacedCustomObject({
    ...API,
    plural: PLURALS[kind],
    namespace: env.namespace,
    body: { apiVersion: `${API.group}/${API.version}`, kind, metadata: { name, ...metadata }, spec },
  })) as KubernetesObject & { metadata: { uid: string } };
}

export interface AnyObject {
  metadata: { name: string; uid: string; finalizers?: string[]; annotations?: Record<string, string>; generation?: number };
  spec: Record<string, unknown>;
  status?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function getObject(env: TestEnv, kind: AetherKind, name: string): Promise<AnyObject | undefined> {
  try {
    return (await env.custom.getNamespacedCustomObject(objectPath(kind, env.namespace, name))) as AnyObject;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Waits until the object satisfies `ok`; returns it. */
export function waitForObject(env: TestEnv, kind: AetherKind, name: string, what: string, ok: (o: AnyObject) => boolean, timeoutMs = 30_000): Promise<AnyObject> {
  return waitFor(`${kind} ${name}: ${what}`, async () => {
    const o = await getObject(env, kind, name);
    return o && ok(o) ? o : undefined;
  }, { timeoutMs, intervalMs: 100 });
}

export function waitForGone(env: TestEnv, kind: AetherKind, name: string, timeoutMs = 30_000): Promise<true> {
  return waitFor(`${kind} ${name} to be gone`, async () => ((await getObject(env, kind, name)) ? undefined : true), { timeoutMs, intervalMs: 100 });
}

export async function eventsFor(env: TestEnv, name: string): Promise<Array<{ reason: string; message: string; count: number; type: string }>> {
  const list = await env.core.listNamespacedEvent({ namespace: env.namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1, type: e.type ?? '' }));
}

/** The value of a counter in an operator's registry, for one label set. */
export async function counterValue(operator: Operator, name: string, labels: Record<string, string>): Promise<number> {
  const metric = operator.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

export const NOOP_WORKFLOW = { steps: [{ id: 'noop', action: 'setVariable', name: 'done', value: 'yes' }] };
