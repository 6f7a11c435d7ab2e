// The API server process: configuration from the environment, the database waited for, then HTTP until
// SIGTERM/SIGINT. Kubernetes access is the pod's ServiceAccount (or the local kubeconfig).
import { KubeConfig } from '@kubernetes/client-node';
import { waitForDatabase } from '../../api/db/wait.js';
import { createLogger } from '../../api/log.js';
import { ConfigError, loadConfig, type ApiServerConfig } from './config.js';
import { startApiServer } from './server.js';

async function main(): Promise<number> {
  let config: ApiServerConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger({ name: 'aether-api-server', level: config.logLevel });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  await waitForDatabase(config.databaseUrl, { logger, settings: config.database, budgetMs: config.databaseStartupWaitMs });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const server = await startApiServer({ config, kc, logger });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('stopping');
  await server.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`aether-api-server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
