// The operator process. Part 1: configuration, logging, metrics/health, leader election and orderly
// shutdown; the controllers are wired in here in part 2.
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../api/log.js';
import { ConfigError, loadConfig, type OperatorConfig } from './config.js';
import { Manager } from './runtime/manager.js';
import { OperatorMetrics } from './runtime/metrics.js';

export function buildManager(config: OperatorConfig, kc: KubeConfig): Manager {
  const logger = createLogger({ name: 'aether-operator', level: config.logLevel });
  const metrics = new OperatorMetrics();
  const manager = new Manager({
    kc,
    logger,
    metrics,
    http: config.http,
    leaderElection: config.leaderElection.enabled
      ? { namespace: config.operatorNamespace, leaseName: config.leaderElection.leaseName, identity: config.leaderElection.identity }
      : undefined,
    onLostLeadership: () => {
      logger.error('lost leadership; exiting so that a clean process campaigns again');
      process.exitCode = 1;
      void manager.shutdown().finally(() => process.exit(1));
    },
  });
  // Part 2 adds informers and controllers (RpaJob, RpaWorkflow, RobotPool, RpaSchedule) and the sweeper here.
  return manager;
}

async function main(): Promise<void> {
  let config: OperatorConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const manager = buildManager(config, kc);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(1); // a second signal means: now
    void manager.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    void signal;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await manager.start();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`aether-operator failed to start: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
}
