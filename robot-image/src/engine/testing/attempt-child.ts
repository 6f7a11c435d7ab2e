// A robot process in miniature, for crash tests: runs one attempt from a JSON description in
// AETHER_ATTEMPT and prints `RESULT <json>`. With crashAfterStep it SIGKILLs itself on the way.
import { createHash, randomBytes } from 'node:crypto';
import { createLogger } from '../../../../api/log.js';
import { BrowserHost } from '../../browser/host.js';
import { configureDurable } from '../../durable/runtime.js';
import { compileEgressPolicy } from '../../egress/decide.js';
import { createEngine } from '../engine.js';
import { siteCredential } from './credentials.js';
import pg from 'pg';
import { DEFAULT_ARTIFACT_CAPS } from '../../../../api/v1alpha1/artifacts.js';
import { jobArtifacts } from '../../artifacts/store.js';

interface ChildAttempt {
  dbUrl: string;
  runUid: string;
  attempt: number;
  workflow: import('../../../../api/v1alpha1/workflow.js').WorkflowSpec;
  /** The RpaWorkflows its `call` steps run, by name (the queue payload's `calls`). */
  calls?: import('../call.js').Callees;
  params: Record<string, unknown>;
  credentials: Record<string, Record<string, string>>;
  crashAfterStep?: number;
  /** The pool's egress exceptions (the test site is on loopback). */
  allow?: string[];
  /** The namespace's checkpoint key, base64 (sessions are checkpointed sealed with it). */
  sessionKey?: string;
  /** The job's artifacts: stored in aether.artifacts of this (migrated) database, for a run of this namespace. */
  artifacts?: { dbUrl: string; namespace: string };
}

const spec = JSON.parse(process.env.AETHER_ATTEMPT ?? '{}') as ChildAttempt;
const logger = createLogger({ name: 'attempt-child', level: 'warn', destination: process.stderr });
const durable = configureDurable({
  appName: 'aether-robot',
  systemDatabaseUrl: spec.dbUrl,
  executorId: `child-${process.pid}-${randomBytes(3).toString('hex')}`,
  applicationVersion: 'engine-test',
  logger,
});
const host = new BrowserHost({ logger });
const engine = createEngine({ durable, browser: host, logger, egress: compileEgressPolicy({ allow: spec.allow ?? [] }) });
await durable.launch();
const ran: string[] = [];
const artifactsDb = spec.artifacts && new pg.Pool({ connectionString: spec.artifacts.dbUrl, max: 2 });
const result = await engine.runAttempt({
  runUid: spec.runUid,
  attempt: spec.attempt,
  workflow: spec.workflow,
  ...(spec.calls && { calls: spec.calls }),
  params: spec.params,
  credentials: async (slot) => {
    const v = spec.credentials[slot];
    if (!v) throw new Error(`no credential slot ${slot}`);
    // The Secret's scope: typing into the pages of the test site the workflow opens.
    return siteCredential(v, String(spec.params.baseUrl));
  },
  progress: (_k, _n, stepId) => ran.push(stepId),
  crashAfterStep: spec.crashAfterStep,
  ...(spec.sessionKey && { sessionKey: Buffer.from(spec.sessionKey, 'base64') }),
  ...(artifactsDb && {
    files: jobArtifacts({ db: artifactsDb, runUid: spec.runUid, namespace: spec.artifacts!.namespace, caps: DEFAULT_ARTIFACT_CAPS }),
  }),
});
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const summary = {
  ...result,
  ran,
  ...('screenshots' in result
    ? { screenshots: Object.fromEntries(Object.entries(result.screenshots).map(([k, b]) => [k, sha(b)])) }
    : {}),
  ...('screenshot' in result && result.screenshot ? { screenshot: sha(result.screenshot) } : {}),
};
process.stdout.write(`RESULT ${JSON.stringify(summary)}\n`);
await durable.shutdown();
await host.close();
await artifactsDb?.end();
process.exit(0);
