// Applies the seeded fault schedule to the running stack, each fault at its offset from the start.
import { readFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from '../../api/log.js';
import type { Fault } from './schedule.js';
import type { Stack } from './stack.js';

export interface AppliedFault {
  fault: Fault;
  /** When it was applied, seconds from the start. */
  atS: number;
  outcome: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The robot process's PID from the pod status (the simulator's containerID is nodesim://<pid>). */
function robotPid(pod: V1Pod): number | undefined {
  const cs = pod.status?.containerStatuses?.[0];
  if (!cs?.state?.running || !cs.containerID?.startsWith('nodesim://')) return undefined;
  const pid = Number(cs.containerID.slice('nodesim://'.length));
  // The status can trail a restart: make sure the PID is still a robot process before signalling it.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('robot-image/src/main.ts') ? pid : undefined;
  } catch {
    return undefined;
  }
}

const byName = (a: V1Pod, b: V1Pod) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
const pickOne = <T>(items: T[], pick: number): T | undefined => items[Math.floor(pick * items.length)];

export class FaultInjector {
  /** Pod name -> SIGKILLs the suite sent to its robot process. */
  readonly injectedKills = new Map<string, number>();
  readonly applied: AppliedFault[] = [];

  constructor(
    private readonly stack: Stack,
    private readonly log: Logger,
  ) {}

  /** Runs every fault at t0 + atMs (concurrently: a database outage lasts while later faults fire). */
  async run(faults: readonly Fault[], t0: number): Promise<void> {
    await Promise.all(
      faults.map(async (fault) => {
        await sleep(t0 + fault.atMs - Date.now());
        const atS = (Date.now() - t0) / 1000;
        let outcome: string;
        try {
          // A fault without a target now (a robot restarting, an election under way) waits for one.
          const giveUp = Date.now() + 15_000;
          outcome = await this.apply(fault);
          while (outcome.startsWith('skipped') && Date.now() < giveUp) {
            await sleep(500);
            outcome = await this.apply(fault);
          }
          const waited = (Date.now() - t0) / 1000 - atS;
          if (fault.kind !== 'stopPostgres' && waited > 2)
            outcome += ` (after waiting ${waited.toFixed(1)} s for a target)`;
        } catch (err) {
          outcome = `failed to apply: ${(err as Error).message}`;
        }
        this.applied.push({ fault, atS, outcome });
        this.log.info({ fault: fault.kind, atS: Number(atS.toFixed(1)), outcome }, 'applied a fault');
      }),
    );
    this.applied.sort((a, b) => a.atS - b.atS);
  }

  private async apply(f: Fault): Promise<string> {
    switch (f.kind) {
      case 'killRobot': {
        const running = (await this.stack.robotPods())
          .filter((p) => !p.metadata?.deletionTimestamp && robotPid(p) !== undefined)
          .sort(byName);
        const pod = pickOne(running, f.pick);
        if (!pod) return 'skipped: no robot process running';
        const name = pod.metadata!.name!;
        const pid = robotPid(pod)!;
        process.kill(pid, 'SIGKILL');
        this.injectedKills.set(name, (this.injectedKills.get(name) ?? 0) + 1);
        return `SIGKILLed robot ${name} (pid ${pid}) of ${running.length}`;
      }
      case 'deletePod': {
        const pods = (await this.stack.robotPods()).filter((p) => !p.metadata?.deletionTimestamp).sort(byName);
        const pod = pickOne(pods, f.pick);
        if (!pod) return 'skipped: no robot pod';
        await this.stack.kc
          .makeApiClient(CoreV1Api)
          .deleteNamespacedPod({ name: pod.metadata!.name!, namespace: this.stack.namespace });
        return `deleted pod ${pod.metadata!.name} of ${pods.length}`;
      }
      case 'killOperatorLeader':
        return this.stack.operators.killLeader();
      case 'stopPostgres': {
        const t = Date.now();
        await this.stack.outages.stop(f.mode!);
        const stopped = Date.now();
        await sleep(f.downMs!);
        await this.stack.outages.start();
        return `PostgreSQL stopped (${f.mode}, took ${stopped - t} ms), down ${((Date.now() - stopped) / 1000).toFixed(1)} s, restarted`;
      }
    }
  }
}
