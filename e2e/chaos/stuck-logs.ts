// What the robots said about the runs a chaos run left unfinished: for each robot that holds one (its
// run row's robot, or the holder of its graphile-worker job's lock), the log lines that name the run and
// the robot's last warnings and errors. Printed with the report, so a failure in CI can be diagnosed from
// its output alone (the log directory does not outlive the CI machine).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StuckRun {
  name: string;
  uid: string;
  /** The run row's robot id (`<pod>-<suffix>`), if any. */
  robot: string | null;
  /** Pods of the robots whose worker pool holds the run's graphile job, if locked. */
  lockHolders: string[];
}

/** The pod a robot id belongs to: its id is the pod name and a 6-hex suffix. */
export function podOfRobot(robot: string): string {
  return robot.replace(/-[0-9a-f]{6}$/, '');
}

/** The lines of one pod's log worth printing for the given runs, oldest first, at most `max` of them. */
export function linesWorthPrinting(log: string, uids: string[], max = 60): string[] {
  const picked = log.split('\n').filter((l) => uids.some((u) => l.includes(u)) || /"level":"(warn|error|fatal)"|^--- nodesim/.test(l));
  return picked.slice(-max).map((l) => (l.length > 600 ? `${l.slice(0, 600)}…` : l));
}

/** The excerpt to print for the unfinished runs, from `<podsDir>/<namespace>_<pod>.log`. */
export function stuckRunLogs(c: { podsDir: string; namespace: string; stuck: StuckRun[] }): string {
  const byPod = new Map<string, Set<string>>();
  for (const r of c.stuck) {
    for (const pod of [...(r.robot ? [podOfRobot(r.robot)] : []), ...r.lockHolders]) {
      const uids = byPod.get(pod) ?? new Set<string>();
      uids.add(r.uid);
      byPod.set(pod, uids);
    }
  }
  const out: string[] = [];
  for (const [pod, uids] of byPod) {
    const file = join(c.podsDir, `${c.namespace}_${pod}.log`);
    if (!existsSync(file)) {
      out.push(`--- ${pod}: no log at ${file}`);
      continue;
    }
    out.push(`--- ${pod} (runs ${[...uids].join(', ')}):`, ...linesWorthPrinting(readFileSync(file, 'utf8'), [...uids]));
  }
  return out.join('\n');
}
