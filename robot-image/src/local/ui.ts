// `aether run --ui`: the web console of this run, loaded only when asked for (the API server's app is not
// part of a plain run's start-up). The robot's status patches go to the terminal and to the console, as
// in a cluster they go to the RpaJob's status that the console watches.
import { spawn } from 'node:child_process';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { startLocalConsole, type LocalConsole } from '../../../api-server/src/console-local.js';
import { workflowDigest } from '../../../api/queue/digest.js';
import { workflowKeyOf } from '../agent/healing.js';
import type { StatusReporter } from '../agent/reporter.js';
import type { ResolvedJob } from './manifests.js';

export interface RunConsole {
  url: string;
  /** The terminal's reporter, teed into the console's view of the RpaJob status. */
  reporter(inner: StatusReporter): StatusReporter;
  close(): Promise<void>;
}

export async function startRunConsole(opts: {
  db: pg.Pool;
  job: ResolvedJob;
  uid: string;
  cancel: () => Promise<void>;
  logger: Logger;
  port?: number;
}): Promise<RunConsole> {
  const { job } = opts;
  // Where the robot files the run's heal events: as the payload names the workflow (localPayload).
  const ref = job.job.spec.workflowRef;
  const healingKey = workflowKeyOf({ namespace: job.namespace, workflowDigest: workflowDigest(job.workflow), ...(ref && { workflowRef: { name: ref.name } }) }).name;
  const workflows: Record<string, { spec: Record<string, unknown>; healingKey?: string }> = {
    [job.workflowName]: { spec: job.workflow as unknown as Record<string, unknown>, healingKey },
  };
  for (const [name, c] of Object.entries(job.calls)) workflows[name] ??= { spec: c.spec as unknown as Record<string, unknown> };
  const console: LocalConsole = await startLocalConsole({
    source: {
      db: opts.db,
      namespace: job.namespace,
      job: {
        metadata: {
          name: job.name,
          ...(job.job.metadata.labels && { labels: job.job.metadata.labels }),
          ...(job.job.metadata.annotations && { annotations: job.job.metadata.annotations }),
        },
        spec: job.job.spec as unknown as Record<string, unknown>,
      },
      workflows,
      uid: () => opts.uid,
      cancel: opts.cancel,
    },
    logger: opts.logger,
    ...(opts.port !== undefined && { port: opts.port }),
  });
  return {
    url: console.url,
    reporter: (inner) => ({
      forJob(ref, o) {
        const r = inner.forJob(ref, o);
        return {
          update(patch) {
            r.update(patch);
            console.kube.status.apply(patch as Record<string, unknown>);
          },
          flush: () => r.flush(),
          get gone() {
            return r.gone;
          },
        };
      },
      drain: (ms) => inner.drain(ms),
    }),
    close: () => console.close(),
  };
}

/** The platform's "open this URL" command. */
export function openCommand(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'open';
  if (platform === 'win32') return 'explorer';
  return 'xdg-open';
}

/** Opens `url` in the default browser; says so when that cannot be done (no browser is assumed). */
export function openInBrowser(url: string, say: (t: string) => void): void {
  const cmd = openCommand(process.platform);
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', (e) => say(`--open: ${cmd} failed (${e.message}); open the URL above`));
  child.unref();
}
