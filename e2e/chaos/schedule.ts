// The chaos suite's fault schedule: a pure function of a seed and the scenario's sizes. The same seed
// always gives the same faults at the same offsets (which robot a fault hits is chosen at that moment
// from the robots then running, by the fault's `pick`), so a failing run can be replayed.

export type FaultKind = 'killRobot' | 'deletePod' | 'killOperatorLeader' | 'stopPostgres';

export interface Fault {
  /** Offset from the start of the fault window. */
  atMs: number;
  kind: FaultKind;
  /** In [0, 1): which of the candidates (sorted by name) the fault hits, floor(pick * n). */
  pick: number;
  /** stopPostgres only: how long the database stays down. */
  downMs?: number;
  /** stopPostgres only: pg_ctl's shutdown mode (`immediate` is a crash, `fast` a clean stop). */
  mode?: 'fast' | 'immediate';
}

export interface ScheduleOptions {
  seed: number;
  /** Faults happen in [leadInMs, windowMs). */
  windowMs: number;
  /** Quiet start: robots and operators are up and the first jobs run before anything breaks. */
  leadInMs: number;
  robotKills: number;
  podDeletes: number;
  operatorKills: number;
  postgresOutages: number;
  postgresDownMs: number;
}

/** mulberry32: a small, well-spread 32-bit PRNG; returns numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed as the command line gives it: a non-negative integer below 2^32. */
export function parseSeed(text: string): number {
  if (!/^\d{1,10}$/.test(text.trim()) || Number(text) > 0xffffffff) {
    throw new Error(`--seed must be an integer from 0 to ${0xffffffff}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function problems(o: ScheduleOptions): string[] {
  const out: string[] = [];
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)
    out.push(`seed must be a 32-bit unsigned integer, got ${o.seed}`);
  const count = (name: keyof ScheduleOptions) => {
    const v = o[name];
    if (!Number.isInteger(v) || v < 0) out.push(`${name} must be a non-negative integer, got ${v}`);
  };
  for (const k of ['robotKills', 'podDeletes', 'operatorKills', 'postgresOutages'] as const) count(k);
  if (!(o.leadInMs >= 0)) out.push(`leadInMs must be >= 0, got ${o.leadInMs}`);
  if (!(o.windowMs > o.leadInMs)) out.push(`windowMs (${o.windowMs}) must be greater than leadInMs (${o.leadInMs})`);
  if (o.postgresOutages > 0) {
    if (!(o.postgresDownMs > 0)) out.push(`postgresDownMs must be > 0, got ${o.postgresDownMs}`);
    // Each outage gets its own slice of the window, with room for the outage and a recovery after it.
    const slice = (o.windowMs - o.leadInMs) / o.postgresOutages;
    if (slice < 2 * o.postgresDownMs) {
      out.push(
        `the window leaves ${Math.floor(slice)} ms per database outage; it needs at least 2 x postgresDownMs (${2 * o.postgresDownMs} ms)`,
      );
    }
  }
  return out;
}

/**
 * The faults of one run, sorted by time. Point faults (robot kills, pod deletions, leader kills) sit
 * on a jittered grid over the window, so they are spread out and at least a fifth of a grid cell apart;
 * which cell holds which kind is a seeded shuffle. Each database outage has its own equal slice of the
 * window and starts at a seeded offset in the first half of it, so outages never overlap and the
 * database has been up again for a while before the next one.
 */
export function faultSchedule(o: ScheduleOptions): Fault[] {
  const bad = problems(o);
  if (bad.length) throw new Error(`invalid chaos schedule options: ${bad.join('; ')}`);
  const rand = prng(o.seed);
  const span = o.windowMs - o.leadInMs;

  const kinds: FaultKind[] = [
    ...Array<FaultKind>(o.robotKills).fill('killRobot'),
    ...Array<FaultKind>(o.podDeletes).fill('deletePod'),
    ...Array<FaultKind>(o.operatorKills).fill('killOperatorLeader'),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const cell = span / Math.max(1, kinds.length);
  const faults: Fault[] = kinds.map((kind, i) => ({
    atMs: Math.round(o.leadInMs + cell * (i + 0.1 + 0.8 * rand())),
    kind,
    pick: rand(),
  }));

  const slice = o.postgresOutages > 0 ? span / o.postgresOutages : 0;
  for (let i = 0; i < o.postgresOutages; i++) {
    const latestStart = slice / 2 - o.postgresDownMs / 2;
    faults.push({
      atMs: Math.round(o.leadInMs + slice * i + Math.max(0, latestStart) * rand()),
      kind: 'stopPostgres',
      pick: rand(),
      downMs: o.postgresDownMs,
      mode: rand() < 0.5 ? 'fast' : 'immediate',
    });
  }
  return faults.sort((a, b) => a.atMs - b.atMs || a.kind.localeCompare(b.kind));
}

/** One line per fault, for the run's log: `  12.3 s killRobot pick=0.41`. */
export function describeSchedule(faults: readonly Fault[]): string {
  return faults
    .map(
      (f) =>
        `${(f.atMs / 1000).toFixed(1).padStart(7)} s ${f.kind} pick=${f.pick.toFixed(2)}` +
        (f.kind === 'stopPostgres' ? ` down=${(f.downMs! / 1000).toFixed(1)} s mode=${f.mode}` : ''),
    )
    .join('\n');
}
