// The robot process: configuration from the environment, then the agent until SIGTERM.
import { waitForDatabase } from '../../api/db/wait.js';
import { createLogger } from '../../api/log.js';
import { startAgent } from './agent/agent.js';
import { ConfigError, loadConfig } from './agent/config.js';
import { BrowserUnavailableError } from './browser/discover.js';
import { RedactorSet } from './engine/redact.js';
import { RobotFencedError } from './queue/lease.js';

/** The robot stopped working on its jobs because it lost them or could not record them (queue/lease.ts). */
const EXIT_FENCED = 3;

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // Every log line passes the redactors of the jobs running now (their credentials and masked outputs).
  const liveSecrets = new RedactorSet();
  const logger = createLogger({
    name: 'robot',
    level: config.logLevel,
    filter: (line) => liveSecrets.string(line),
  }).child({
    pool: config.pool,
    namespace: config.namespace,
    pod: config.podName,
  });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  let agent;
  try {
    // A database that is away at start is waited for (bounded), not crash-looped on.
    await waitForDatabase(config.databaseUrl, {
      logger,
      settings: config.database,
      budgetMs: config.databaseStartupWaitMs,
    });
    agent = await startAgent(config, { logger, env: process.env, liveSecrets });
  } catch (err) {
    logger.fatal({ err }, 'robot could not start');
    return 1;
  }

  const stopped = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'received a shutdown signal');
      agent.stop().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  // A queue runner that dies on its own makes /healthz fail; exiting lets the kubelet restart us sooner.
  const died = agent.done.then(
    () => new Promise<number>(() => {}),
    async (err: unknown) => {
      if (err instanceof RobotFencedError) {
        // Its jobs are (or will be, once the sweeper sees the lease expire) another robot's: stop the
        // browser work now and write nothing; Kubernetes restarts the container.
        logger.fatal({ reason: err.reason, err: err.message }, 'robot fenced: stopped its browser work; exiting');
        await Promise.race([agent.abort().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
        return EXIT_FENCED;
      }
      if (err instanceof BrowserUnavailableError)
        logger.fatal({ err: err.message }, 'the browser cannot start: stopped taking jobs');
      else logger.fatal({ err }, 'the queue runner died');
      await agent.stop().catch(() => undefined);
      return 1;
    },
  );
  return Promise.race([stopped, died]);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`robot crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
