// CPU time used by this process and by a PostgreSQL server (postmaster, live backends, and reaped ones),
// so the bench can show CPU per job, which a loaded machine distorts far less than wall-clock time.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc times are in 1/100 s. */
const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Seconds of CPU used by the server `pid` and all its children, live or reaped. */
export function postgresCpuSeconds(pid: number): number {
  let ticks = 0;
  const own = statFields(pid);
  // after ')': state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  if (own) ticks += Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

export function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
