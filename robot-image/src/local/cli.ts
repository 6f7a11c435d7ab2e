// The `aether` command: parses the command line, runs, and turns the result into an exit code.
// Signals are handled here, at the edge: the first Ctrl-C stops the run so it can be resumed, a second
// one exits at once.
import { parseArgs, UsageError, USAGE } from './args.js';
import { ARTIFACTS_USAGE } from './artifacts-usage.js';
import { EnvironmentError, ensureBrowser } from './environment.js';
import { ManifestError } from './manifests.js';
import { EXIT, planRun } from './plan.js';
import { parseServeArgs, SERVE_USAGE } from './serve-cli.js';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'artifacts') return artifacts(argv.slice(1));
  if (argv[0] === 'serve') return serve(argv.slice(1));
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return usageError(err, USAGE);
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  // Work that outlives a stopped run (a step still finishing, DBOS noticing its database is gone) must
  // not crash the process while it cleans up; it is in the log file.
  process.on('unhandledRejection', () => undefined);
  // Libraries' deprecation notices are for their maintainers, not for the user of a command.
  process.noDeprecation = true;
  let interrupts = 0;
  try {
    const plan = planRun(args, { cwd: process.cwd(), env: process.env });
    // Before anything starts or is queued: a job without a browser could only fail.
    const chromiumPath = await ensureBrowser({
      env: process.env,
      ...(args.chromiumPath !== undefined && { explicitPath: args.chromiumPath }),
      say: (line) => process.stderr.write(`aether: ${line}\n`),
    });
    // The robot (DBOS, Playwright, graphile-worker) loads only for a valid input.
    const { runLocal } = await import('./run.js');
    return await runLocal({ ...plan, chromiumPath }, args, {
      stdout: (t) => process.stdout.write(t),
      stderr: {
        write: (t) => process.stderr.write(t),
        isTTY: process.stderr.isTTY === true,
        columns: process.stderr.columns,
      },
      cwd: process.cwd(),
      env: process.env,
      onInterrupt: (fn) => {
        const handler = () => {
          interrupts += 1;
          if (interrupts > 1) process.exit(EXIT.interrupted);
          process.stderr.write('\nstopping (Ctrl-C again to quit at once)…\n');
          fn();
        };
        process.on('SIGINT', handler);
        process.on('SIGTERM', handler);
        return () => {
          process.off('SIGINT', handler);
          process.off('SIGTERM', handler);
        };
      },
    });
  } catch (err) {
    if (err instanceof ManifestError) {
      process.stderr.write(`aether: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof EnvironmentError) {
      process.stderr.write(`aether: ${err.message}\n`);
      return EXIT.environment;
    }
    process.stderr.write(`aether: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

/** Every problem of a command line, then the command's usage. */
function usageError(err: UsageError, usage: string): number {
  process.stderr.write(`${err.problems.map((p) => `aether: ${p}`).join('\n')}\n\n${usage}\n`);
  return EXIT.usage;
}

/** Serves a demo site until SIGINT/SIGTERM. */
async function serve(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return EXIT.ok;
  }
  let args;
  try {
    args = parseServeArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return usageError(err, SERVE_USAGE);
  }
  const { startDemoSite } = await import('./site.js');
  let site;
  try {
    site = await startDemoSite(args);
  } catch (err) {
    process.stderr.write(`aether: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.environment;
  }
  const where = args.host && args.host !== '127.0.0.1' ? ` (listening on ${args.host})` : '';
  process.stderr.write(`serving ${args.dir} at ${site.url}${where}; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await site.stop();
  return EXIT.ok;
}

async function artifacts(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${ARTIFACTS_USAGE}\n`);
    return EXIT.ok;
  }
  const { parseArtifactsArgs, runArtifactsCommand } = await import('./artifacts-cli.js');
  try {
    const args = parseArtifactsArgs(argv);
    return await runArtifactsCommand(args, {
      stdout: (b) => process.stdout.write(b),
      stderr: (t) => process.stderr.write(t),
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (err) {
    if (err instanceof UsageError) return usageError(err, ARTIFACTS_USAGE);
    process.stderr.write(`aether: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`aether crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
