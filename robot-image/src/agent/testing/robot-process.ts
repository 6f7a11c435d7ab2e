// Test support: real robot processes (robot-image/src/main.ts as a child) and RpaJobs for them to run,
// created on the API server and enqueued with the queue producer as the operator would.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { workflowDigest } from '../../../../api/queue/digest.js';
import type { Producer } from '../../../../api/queue/producer.js';
import { isFinishedPhase } from '../../../../api/v1alpha1/names.js';
import type { WorkflowSpec } from '../../../../api/v1alpha1/workflow.js';
import { freePort } from '../../../../e2e/harness/ports.js';
import { waitFor } from '../../../../e2e/harness/wait.js';
import { RPAJOB } from '../reporter.js';
import { createRpaJob, readRpaJobStatus } from './rpajob-crd.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export interface RobotProcess {
  pod: string;
  /** Base URL of the robot's health server (/metrics, /healthz, /readyz). */
  url: string;
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Top-level step checkpoint names this process started for the run, in order (debug log). */
  stepsStarted(runUid: string): string[];
  /** True once this process logged that it started an attempt of the run. */
  startedAttempt(runUid: string): boolean;
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface RobotOptions {
  databaseUrl: string;
  pool: string;
  namespace: string;
  pod: string;
  kubeconfig: string;
  /** AETHER_TEST_CRASH_AFTER_STEP: SIGKILL itself right after this step's checkpoint. */
  crashAfterStep?: number;
  /** AETHER_NETWORK_ALLOW: the sites the robot may reach although they are on loopback (e.g. the test site's host:port). */
  allow: string[];
  env?: Record<string, string>;
}

interface LogLine {
  msg?: string;
  jobUid?: string;
  step?: string;
}

function parse(line: string): LogLine | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return null;
  }
}

/** Spawns a robot process and resolves once its /readyz answers 200. */
export async function startRobot(opts: RobotOptions): Promise<RobotProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'robot-image/src/main.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AETHER_DATABASE_URL: opts.databaseUrl,
      AETHER_POOL: opts.pool,
      AETHER_NAMESPACE: opts.namespace,
      AETHER_POD_NAME: opts.pod,
      AETHER_KUBECONFIG: opts.kubeconfig,
      AETHER_METRICS_HOST: '127.0.0.1',
      AETHER_METRICS_PORT: String(port),
      AETHER_LOG_LEVEL: 'debug',
      AETHER_RETRY_BACKOFF_BASE_SECONDS: '1',
      AETHER_SHUTDOWN_GRACE_SECONDS: '5',
      AETHER_NETWORK_ALLOW: JSON.stringify(opts.allow),
      ...(opts.crashAfterStep !== undefined && { AETHER_TEST_CRASH_AFTER_STEP: String(opts.crashAfterStep) }),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
  }
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve((exit = { code, signal }))),
  );
  const ofRun = (runUid: string) => lines.map(parse).filter((l): l is LogLine => l !== null && l.jobUid === runUid);

  const robot: RobotProcess = {
    pod: opts.pod,
    url: `http://127.0.0.1:${port}`,
    child,
    lines,
    exited,
    stepsStarted: (runUid) => ofRun(runUid).flatMap((l) => (l.msg === 'step started' && l.step ? [l.step] : [])),
    startedAttempt: (runUid) => ofRun(runUid).some((l) => l.msg === 'started the attempt'),
    async kill() {
      if (!exit) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 20_000) {
      if (exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(
      `robot ${opts.pod} to be ready`,
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 200,
        failFast: () => (exit ? `robot exited (${JSON.stringify(exit)}):\n${lines.slice(-30).join('\n')}` : undefined),
      },
    );
  } catch (err) {
    await robot.kill();
    throw err;
  }
  return robot;
}

export interface JobSubmission {
  kc: KubeConfig;
  producer: Producer;
  namespace: string;
  pool: string;
  name: string;
  workflow: WorkflowSpec;
  params?: Record<string, unknown>;
  /** slot -> Secret name */
  credentials?: Record<string, { secretName: string }>;
  maxAttempts?: number;
  activeDeadlineSeconds?: number;
  /** spec.retry.from */
  retryFrom?: 'failedStep' | 'start';
}

/**
 * Creates the RpaJob and enqueues its run the way the operator does (the deadline counts from the
 * RpaJob's creationTimestamp). Returns the RpaJob's UID, which is the run's.
 */
export async function submitJob(s: JobSubmission): Promise<string> {
  const params = s.params ?? {};
  const credentials = s.credentials ?? {};
  const maxAttempts = s.maxAttempts ?? 2;
  const { uid } = await createRpaJob(s.kc, s.namespace, s.name, {
    pool: s.pool,
    workflow: s.workflow,
    params,
    credentials,
    maxAttempts,
    ...(s.activeDeadlineSeconds !== undefined && { activeDeadlineSeconds: s.activeDeadlineSeconds }),
    ...(s.retryFrom !== undefined && { retry: { from: s.retryFrom } }),
  });
  let deadline: string | null = null;
  if (s.activeDeadlineSeconds !== undefined) {
    const obj = (await s.kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ ...RPAJOB, namespace: s.namespace, name: s.name })) as { metadata: { creationTimestamp: string } };
    deadline = new Date(Date.parse(obj.metadata.creationTimestamp) + s.activeDeadlineSeconds * 1000).toISOString();
  }
  const res = await s.producer.enqueue({
    payload: {
      version: 1,
      uid,
      namespace: s.namespace,
      name: s.name,
      pool: s.pool,
      workflow: s.workflow,
      workflowDigest: workflowDigest(s.workflow),
      params,
      credentials,
      maxAttempts,
      ...(s.retryFrom !== undefined && { retryFrom: s.retryFrom }),
      deadline,
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    },
  });
  if (!res.enqueued) throw new Error(`run ${uid} was not enqueued`);
  return uid;
}

/** Waits until the RpaJob reaches a finished phase; returns its status. */
export function finishedStatus(kc: KubeConfig, namespace: string, name: string, timeoutMs = 150_000): Promise<Record<string, unknown>> {
  return waitFor(
    `RpaJob ${name} to finish`,
    async () => {
      const s = await readRpaJobStatus(kc, namespace, name);
      return s && isFinishedPhase(String(s.phase)) ? s : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** A robot's log lines, for the message of a failed expectation. */
export function tail(robot: RobotProcess, n = 40): string {
  return `--- ${robot.pod} ---\n${robot.lines.slice(-n).join('\n')}`;
}
