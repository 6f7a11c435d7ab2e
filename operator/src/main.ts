// The operator process: configuration from the environment, database migrations, then the operator
// (metrics/health server at once; controllers while leading) until SIGTERM, which drains reconciles,
// releases the lease and exits. `main.js migrate` applies the migrations and exits (a Helm hook Job).
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../api/log.js';
import { waitForDatabase } from '../../api/db/wait.js';
import { migrate } from '../../migrations/index.js';
import { ConfigError, loadConfig, type OperatorConfig } from './config.js';
import { buildOperator } from './operator.js';
import { startTracing } from './tracing.js';

async function main(argv: string[]): Promise<number> {
  let config: OperatorConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger({ name: 'aether-operator', level: config.logLevel });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  // A database that is away at start is waited for (bounded), not crash-looped on.
  await waitForDatabase(config.databaseUrl, {
    logger,
    settings: config.database,
    budgetMs: config.databaseStartupWaitMs,
  });
  await migrate({ databaseUrl: config.databaseUrl, logger });
  if (argv[0] === 'migrate') return 0;

  const kc = new KubeConfig();
  kc.loadFromDefault();
  const tracing = startTracing({ env: process.env });
  let exitCode = 0;
  const operator = buildOperator({
    config,
    kc,
    logger,
    tracer: tracing.tracer,
    onLostLeadership: () => {
      logger.error('lost leadership; exiting so that a clean process campaigns again');
      exitCode = 1;
      stop();
    },
  });
  let stopping: Promise<void> | undefined;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExit = r));
  function stop(): void {
    stopping ??= operator
      .stop()
      .then(() => tracing.shutdown())
      .then(
        () => resolveExit(exitCode),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolveExit(1);
        },
      );
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'received a shutdown signal');
    if (++signals > 1) resolveExit(1); // a second signal means: now
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await operator.start();
  logger.info(
    { identity: config.leaderElection.identity, namespaces: config.watchNamespaces, port: operator.manager.httpPort },
    'operator started',
  );
  return exited;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`aether-operator failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
