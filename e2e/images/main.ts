// `npm run images`: builds the robot and operator images for real, without Docker or a registry, and
// runs them. The recipe is read from robot-image/Dockerfile and operator/Dockerfile:
//   1. base layer: a Debian root file system (mmdebstrap, Debian's packages) with the official Node.js
//      binary and the final stage's RUN steps, cached under ~/.cache/aether/images by its inputs;
//   2. application layers: the build stages followed on this machine (tsc; npm ci --omit=dev, cached by
//      the lock file), then one layer per COPY of the final stage;
//   3. an OCI image layout assembled with umoci (~/.cache/aether/images/oci, tags robot and operator);
//   4. the test PostgreSQL and API server started by the harness; the robot image run with runc as its
//      non-root USER, on the host network: /readyz, then one RpaJob (Chromium, test site, a Secret);
//      the operator image's migrate command and controller run the same way.
// Prints progress on stderr and a final `RESULT images ...` line on stdout; exits 0 only if all is ok.
// Needs root (mmdebstrap --mode=root, runc). Not part of `npm test`: a cold run takes many minutes.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServices, stopServices } from '../harness/services.js';
import { buildAppLayers } from './app.js';
import { deleteLiveContainers, type OciRuntime } from './container.js';
import { checkOperator, checkRobot, type OperatorResult, type RobotResult, type RunContext } from './checks.js';
import { assembleImage, fileSize, imageSize } from './oci.js';
import { aptInstalls, imageConfig, numericUser, readRecipe, type ImageRecipe, type OciImageConfig } from './recipe.js';
import { baseLayerKey, baseTarPath, ensureBaseLayer } from './rootfs.js';
import { ensureTools } from './tools.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'aether', 'images');
const layout = join(cacheDir, 'oci');
const workDir = join(cacheDir, 'work');
const logFile = join(workDir, 'images.log');
const t0 = Date.now();
// runc by default: crun 1.8 (Debian 12) refuses a hybrid cgroup v1/v2 host ("cgroups in hybrid mode not
// supported, drop all controllers from cgroupv2"); AETHER_OCI_RUNTIME=crun picks it where it works.
const runtime = (process.env.AETHER_OCI_RUNTIME || 'runc') as OciRuntime;

const say = (msg: string) => console.error(`images: ${msg} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
const mb = (n: number) => `${(n / 1e6).toFixed(1)}MB`;

interface Built {
  name: string;
  recipe: ImageRecipe;
  config: OciImageConfig;
  ok: boolean;
  error?: string;
  seconds?: number;
  compressed?: number;
  uncompressed?: number;
}

async function build(name: string, dockerfile: string): Promise<Built> {
  const recipe = readRecipe(readFileSync(join(repoRoot, dockerfile), 'utf8'));
  const config = imageConfig(recipe);
  const started = Date.now();
  const built: Built = { name, recipe, config, ok: false };
  try {
    const packages = recipe.final.runs.flatMap(aptInstalls);
    say(
      `${name}: ${dockerfile} -> node ${recipe.base.nodeVersion}, debian ${recipe.base.suite}${recipe.base.slim ? '-slim' : ''}, apt: ${packages.join(' ') || '(none)'}`,
    );
    say(`${name}: building the application layers (tsc, npm ci --omit=dev)`);
    const appLayers = await buildAppLayers({ recipe, repoRoot, workDir: join(workDir, name), cacheDir, logFile });
    say(
      `${name}: ${appLayers.length} application layers: ${appLayers.map((l) => `${l.createdBy} (${mb(fileSize(l.tar))})`).join(', ')}`,
    );
    const { baseReused } = await assembleImage({
      layout,
      tag: name,
      baseTag: `base-${name}-${baseLayerKey(recipe)}`,
      baseTar: async () => {
        say(`${name}: making the Debian root file system with mmdebstrap (cached after this run)`);
        const base = await ensureBaseLayer(name, recipe, cacheDir, logFile);
        say(`${name}: base layer ${base.cached ? 'from the cache' : 'built'}: ${base.tar}`);
        return base.tar;
      },
      appLayers,
      config,
      logFile,
    });
    if (baseReused) say(`${name}: base layer reused from the OCI layout`);
    const size = imageSize(layout, name);
    built.compressed = size.compressed;
    const baseTar = baseTarPath(name, recipe, cacheDir);
    built.uncompressed = existsSync(baseTar)
      ? [baseTar, ...appLayers.map((l) => l.tar)].reduce((a, f) => a + fileSize(f), 0)
      : undefined;
    built.ok = true;
  } catch (err) {
    built.error = (err as Error).message;
    say(`${name}: build FAILED: ${built.error}`);
  }
  built.seconds = (Date.now() - started) / 1000;
  say(`${name}: ${built.ok ? 'built' : 'not built'} in ${built.seconds.toFixed(1)}s`);
  return built;
}

/** The chart's migrations Job command (helm/aether/templates/_helpers.tpl), run in the operator image. */
function chartMigrateCommand(): string[] {
  const helpers = readFileSync(join(repoRoot, 'helm', 'aether', 'templates', '_helpers.tpl'), 'utf8');
  const m = /define "aether\.entrypoint\.migrate" -}}([^{]+){{/.exec(helpers);
  if (!m) throw new Error('helm/aether/templates/_helpers.tpl defines no aether.entrypoint.migrate');
  return [m[1]!.trim()];
}

async function main(): Promise<number> {
  if (runtime !== 'runc' && runtime !== 'crun')
    throw new Error(`AETHER_OCI_RUNTIME=${String(runtime)}: use runc or crun`);
  const problem = ensureTools(runtime, say);
  if (problem) {
    console.error(`images: ${problem}`);
    console.log('RESULT images robot=fail operator=fail readyz=- job=- reason=tools');
    return 2;
  }
  say(`cache ${cacheDir}, log ${logFile}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });

  const robot = await build('robot', 'robot-image/Dockerfile');
  const operator = await build('operator', 'operator/Dockerfile');

  let robotRun: RobotResult | undefined;
  let operatorRun: OperatorResult | undefined;
  if (robot.ok || operator.ok) {
    say('starting the test PostgreSQL and API server');
    await startServices();
    try {
      if (robot.ok) {
        const ctx: RunContext = {
          runtime,
          layout,
          workDir: join(workDir, 'run-robot'),
          logFile,
          user: numericUser(robot.recipe.final.user),
        };
        mkdirSync(ctx.workDir, { recursive: true });
        try {
          say(`robot: running the image with ${runtime}`);
          robotRun = await checkRobot(ctx, 'robot', robot.config);
          say(
            `robot: /readyz after ${robotRun.readyzMs}ms as ${robotRun.processes}; job ${robotRun.phase} (${robotRun.progress}) in ${robotRun.jobMs}ms; SIGTERM -> exit ${robotRun.stopExit}`,
          );
        } catch (err) {
          robot.error = (err as Error).message;
          say(`robot: run FAILED: ${robot.error}`);
        }
      }
      if (operator.ok) {
        const ctx: RunContext = {
          runtime,
          layout,
          workDir: join(workDir, 'run-operator'),
          logFile,
          user: numericUser(operator.recipe.final.user),
        };
        mkdirSync(ctx.workDir, { recursive: true });
        try {
          say(`operator: running the migrate command and the controller with ${runtime}`);
          operatorRun = await checkOperator(ctx, 'operator', operator.config, chartMigrateCommand());
          say(
            `operator: migrate exit ${operatorRun.migrateExit} (${operatorRun.tables} tables); /readyz after ${operatorRun.readyzMs}ms as ${operatorRun.processes}; SIGTERM -> exit ${operatorRun.stopExit}`,
          );
        } catch (err) {
          operator.error = (err as Error).message;
          say(`operator: run FAILED: ${operator.error}`);
        }
      }
    } finally {
      await stopServices();
    }
  }
  // The unpacked bundles and layer tars (gigabytes) go; the images are in the layout, the log stays.
  say('removing the unpacked bundles and layer tars');
  for (const dir of ['robot', 'operator', 'run-robot', 'run-operator'])
    rmSync(join(workDir, dir), { recursive: true, force: true });

  const robotOk = robot.ok && robotRun?.phase === 'Succeeded' && robotRun.stopExit === 0;
  const operatorOk = operator.ok && operatorRun !== undefined && operatorRun.stopExit === 0;
  for (const b of [robot, operator]) {
    if (!b.ok) continue;
    console.log(
      `images: ${b.name} ${layout}:${b.name} compressed=${mb(b.compressed!)}${b.uncompressed !== undefined ? ` uncompressed=${mb(b.uncompressed)}` : ''} user=${b.config.User} built in ${b.seconds!.toFixed(1)}s`,
    );
  }
  console.log(
    [
      'RESULT images',
      `robot=${robotOk ? 'ok' : 'fail'}`,
      `operator=${operatorOk ? 'ok' : 'fail'}`,
      `readyz=${robotRun?.readyzMs ?? '-'}ms`,
      `job=${robotRun?.phase ?? '-'}`,
      `jobMs=${robotRun?.jobMs ?? '-'}`,
      `operatorReadyz=${operatorRun?.readyzMs ?? '-'}ms`,
      `robotSize=${robot.compressed !== undefined ? mb(robot.compressed) : '-'}`,
      `operatorSize=${operator.compressed !== undefined ? mb(operator.compressed) : '-'}`,
      `total=${((Date.now() - t0) / 1000).toFixed(1)}s`,
    ].join(' '),
  );
  if (!robotOk || !operatorOk) console.error(`images: see ${logFile}`);
  return robotOk && operatorOk ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`images: ${signal}: removing containers, stopping the test services`);
    deleteLiveContainers();
    void stopServices().finally(() => process.exit(130));
  });
}

const code = await main().catch(async (err: unknown) => {
  console.error(`images: FAILED: ${(err as Error).stack ?? String(err)}`);
  await stopServices().catch(() => undefined);
  console.log('RESULT images robot=fail operator=fail readyz=- job=- reason=error');
  return 1;
});
// Pools and sockets of the checks may still be open; everything this run started has been stopped.
process.exit(code);
