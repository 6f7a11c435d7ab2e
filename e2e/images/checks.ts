// Running the built images with an OCI runtime (runc by default) against the test PostgreSQL and API server (started by the
// harness): the robot answers /readyz and runs one RpaJob (Chromium, the test site, a Secret); the
// operator image migrates a database (the chart's migrations Job) and its controller becomes ready.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { applyCrds } from '../api/crds.js';
import { SITE_SLOT, openAccountParams, openAccountWorkflow } from '../../robot-image/src/engine/testing/workflows.js';
import { finishedStatus, submitJob } from '../../robot-image/src/agent/testing/robot-process.js';
import { startRobotTestBed } from '../../robot-image/src/agent/testing/test-bed.js';
import { kubeConfigFromFile } from '../harness/kubeconfig.js';
import { freePort } from '../harness/ports.js';
import { freshDatabase, kubeconfigPath } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';
import { confirmationNumber } from '../site/server.js';
import { runContainer, type Container, type OciRuntime } from './container.js';
import { exec } from './exec.js';
import { runtimeSpec, type RunOptions, type RuntimeSpec } from './runtime-spec.js';
import type { OciImageConfig } from './recipe.js';

const KUBECONFIG_IN_CONTAINER = '/etc/aether/kubeconfig';

export interface RunContext {
  runtime: OciRuntime;
  layout: string;
  workDir: string;
  logFile: string;
  /** uid:gid the images run as (their USER), owner of the kubeconfig copy. */
  user: { uid: number; gid: number };
}

/** Unpacks a tag into a bundle once per image; returns the spec umoci derived from the image config. */
async function unpack(ctx: RunContext, tag: string): Promise<{ bundle: string; spec: RuntimeSpec }> {
  const bundle = join(ctx.workDir, `bundle-${tag}`);
  rmSync(bundle, { recursive: true, force: true });
  await exec('umoci', ['unpack', '--image', `${ctx.layout}:${tag}`, bundle], { logFile: ctx.logFile });
  return { bundle, spec: JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as RuntimeSpec };
}

/** A copy of the test kubeconfig only the images' user can read, in a folder mounted read-only. */
function kubeconfigDir(ctx: RunContext): string {
  const dir = join(ctx.workDir, 'kube');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const file = join(dir, 'kubeconfig');
  copyFileSync(kubeconfigPath(), file);
  chownSync(file, ctx.user.uid, ctx.user.gid);
  chmodSync(file, 0o600);
  return dir;
}

function start(
  ctx: RunContext,
  bundle: string,
  base: RuntimeSpec,
  entrypoint: string[],
  id: string,
  opts: RunOptions,
): Container {
  writeFileSync(
    join(bundle, 'config.json'),
    JSON.stringify(runtimeSpec(base, entrypoint, { hostNetwork: true, ...opts }), null, 2),
  );
  return runContainer({ runtime: ctx.runtime, bundle, id, logFile: ctx.logFile });
}

function tail(c: Container, n = 30): string {
  return c.lines.slice(-n).join('\n');
}

async function waitReady(c: Container, port: number, what: string): Promise<void> {
  await waitFor(
    what,
    async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
    {
      timeoutMs: 120_000,
      intervalMs: 100,
      failFast: () => (c.exitCode() !== undefined ? `the container exited (${c.exitCode()}):\n${tail(c)}` : undefined),
    },
  );
}

/** Every process of the container runs as the image's user (never root). */
async function assertUser(c: Container, user: { uid: number; gid: number }): Promise<string> {
  const procs = await c.processIds();
  const wrong = procs.filter((p) => p.uid !== user.uid || p.gid !== user.gid);
  if (procs.length === 0 || wrong.length > 0)
    throw new Error(`container processes not all ${user.uid}:${user.gid}: ${JSON.stringify(procs)}`);
  return [...new Set(procs.map((p) => `${p.comm}=${p.uid}:${p.gid}`))].join(',');
}

export interface RobotResult {
  readyzMs: number;
  phase: string;
  jobMs: number;
  progress: string;
  processes: string;
  stopExit: number | null;
}

export async function checkRobot(ctx: RunContext, tag: string, config: OciImageConfig): Promise<RobotResult> {
  const { bundle, spec } = await unpack(ctx, tag);
  const ns = `images-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(10).toString('hex')}`;
  const bed = await startRobotTestBed({
    databasePrefix: 'images',
    namespace: ns,
    users: { alice: password },
    loginSecret: { username: 'alice', password, token: `tok-${randomBytes(10).toString('hex')}` },
  });
  const port = await freePort();
  const pod = 'robot-image-0';
  let robot: Container | undefined;
  try {
    const t0 = Date.now();
    robot = start(ctx, bundle, spec, config.Entrypoint ?? [], `aether-robot-${process.pid}`, {
      hostname: pod,
      readOnlyMounts: [{ source: kubeconfigDir(ctx), destination: '/etc/aether' }],
      env: {
        AETHER_DATABASE_URL: bed.dbUrl,
        AETHER_POOL: 'images',
        AETHER_NAMESPACE: ns,
        AETHER_POD_NAME: pod,
        AETHER_KUBECONFIG: KUBECONFIG_IN_CONTAINER,
        AETHER_METRICS_HOST: '127.0.0.1',
        AETHER_METRICS_PORT: String(port),
        AETHER_RETRY_BACKOFF_BASE_SECONDS: '1',
        AETHER_SHUTDOWN_GRACE_SECONDS: '5',
        // The test site is on loopback, which robots refuse unless their pool allows it (spec.network.allow).
        AETHER_NETWORK_ALLOW: JSON.stringify([new URL(bed.site.url).host]),
      },
    });
    await waitReady(robot, port, 'the robot container to answer /readyz');
    const readyzMs = Date.now() - t0;
    const processes = await assertUser(robot, ctx.user);

    const workflow = openAccountWorkflow();
    const params = openAccountParams(bed.site.url);
    const t1 = Date.now();
    await submitJob({
      kc: bed.kc,
      producer: bed.producer,
      namespace: ns,
      pool: 'images',
      name: 'image-job',
      workflow,
      params,
      credentials: { [SITE_SLOT]: { secretName: 'site-login' } },
      maxAttempts: 1,
    });
    const status = await finishedStatus(bed.kc, ns, 'image-job', 180_000);
    const jobMs = Date.now() - t1;
    const expected = confirmationNumber('alice', {
      fullName: 'Ada Lovelace',
      email: 'ada@example.org',
      plan: 'enterprise',
      terms: true,
      notes: 'Analytical engine',
    });
    const outputs = (status.outputs ?? {}) as Record<string, unknown>;
    if (status.phase === 'Succeeded' && outputs.confirmation !== expected) {
      throw new Error(`the job succeeded with confirmation ${String(outputs.confirmation)}, expected ${expected}`);
    }
    if (status.robot !== pod) throw new Error(`the job was run by ${String(status.robot)}, not the container (${pod})`);
    const stopExit = await robot.stop();
    robot = undefined;
    return { readyzMs, phase: String(status.phase), jobMs, progress: String(status.progress), processes, stopExit };
  } catch (err) {
    if (robot) throw new Error(`${(err as Error).message}\n--- robot container ---\n${tail(robot)}`, { cause: err });
    throw err;
  } finally {
    await robot?.stop();
    await bed.stop();
  }
}

export interface OperatorResult {
  migrateExit: number | null;
  tables: number;
  readyzMs: number;
  processes: string;
  stopExit: number | null;
}

/** The chart's migrations Job (migrate command) and the controller, both from the operator image. */
export async function checkOperator(
  ctx: RunContext,
  tag: string,
  config: OciImageConfig,
  migrateCmd: string[],
): Promise<OperatorResult> {
  const { bundle, spec } = await unpack(ctx, tag);
  const databaseUrl = await freshDatabase('images_op');
  const migrate = start(ctx, bundle, spec, config.Entrypoint ?? [], `aether-migrate-${process.pid}`, {
    cmd: migrateCmd,
    env: { DATABASE_URL: databaseUrl },
  });
  const migrateExit = await migrate.exited;
  await migrate.stop();
  if (migrateExit !== 0) throw new Error(`migrate exited with ${migrateExit}:\n${tail(migrate)}`);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const tables = Number(
    (await db.query(`select count(*) from information_schema.tables where table_schema = 'aether'`)).rows[0].count,
  );
  await db.end();
  if (tables === 0) throw new Error('migrate exited 0 but made no table in schema aether');

  const kc = kubeConfigFromFile(kubeconfigPath());
  await applyCrds(kc);
  const port = await freePort();
  const ns = 'default';
  const t0 = Date.now();
  const op = start(ctx, bundle, spec, config.Entrypoint ?? [], `aether-operator-${process.pid}`, {
    hostname: 'aether-operator-0',
    readOnlyMounts: [{ source: kubeconfigDir(ctx), destination: '/etc/aether' }],
    env: {
      AETHER_DATABASE_URL: databaseUrl,
      KUBECONFIG: KUBECONFIG_IN_CONTAINER,
      AETHER_WATCH_NAMESPACE: ns,
      AETHER_OPERATOR_NAMESPACE: ns,
      AETHER_LEADER_ELECTION: 'false',
      AETHER_METRICS_HOST: '127.0.0.1',
      AETHER_METRICS_PORT: String(port),
      AETHER_ROBOT_SERVICE_ACCOUNT: 'aether-robot',
      AETHER_ROBOT_DATABASE_SECRET_NAME: 'db',
      AETHER_ROBOT_DATABASE_SECRET_KEY: 'url',
    },
  });
  try {
    await waitReady(op, port, 'the operator container to answer /readyz');
    const readyzMs = Date.now() - t0;
    const processes = await assertUser(op, ctx.user);
    const stopExit = await op.stop();
    return { migrateExit, tables, readyzMs, processes, stopExit };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- operator container ---\n${tail(op)}`, { cause: err });
  } finally {
    await op.stop();
  }
}
